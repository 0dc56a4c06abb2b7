"""The kinds of record that can be imported and exported, by their interchange name.

The registry is open: a later app (pairings, activities, events, programs) adds its sheet by
building a :class:`~bangfu.transfer.spec.Kind` with its own Importer and calling
:func:`register` from its ``AppConfig.ready()`` (or by adding a module here and listing it in
``_BUILTIN``). Everything else — reading, the error workbook, the templates, export, the command
line and the pages — works from the Kind alone.
"""

from __future__ import annotations

from importlib import import_module

from django.utils.translation import gettext as _

from bangfu.transfer.spec import Kind

# Modules of this package that define a ``KIND``, in the order the pages list them.
_BUILTIN = (
    "orgs",
    "persons",
    "households",
    "members",
    "incomes",
    "students",
    "workers",
    "status_changes",
    "helpers",
    "programs",
    "pairings",
    "activities",
    "events",
)
_KINDS: dict[str, Kind] = {}
_loaded = False


class UnknownKind(LookupError):
    """A kind name that no module registered; the message lists the known ones."""


def register(kind: Kind) -> Kind:
    """Add (or replace) a kind; returns it, so a module can write ``KIND = register(Kind(...))``."""
    _KINDS[kind.name] = kind
    return kind


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in _BUILTIN:
        kind = import_module(f"{__name__}.{module}").KIND
        _KINDS.setdefault(kind.name, kind)


def all_kinds() -> list[Kind]:
    _load()
    return list(_KINDS.values())


def kind_names() -> list[str]:
    return [k.name for k in all_kinds()]


def get_kind(name: str) -> Kind:
    _load()
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownKind(
            _("未知的数据类型“%(name)s”, 可用: %(names)s")
            % {"name": name, "names": ", ".join(_KINDS)}
        ) from None
