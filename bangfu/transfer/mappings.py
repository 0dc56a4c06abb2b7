"""Column mappings: which of a kind's fields an unknown column of a file stands for, remembered
per unit and file layout (docs/import-export.md, "Column mapping").

After an upload, the columns the reader did not use (``Sheet.ignored``) are offered on the page
with the kind's fields that no other column provides, plus 不导入 (ignore this column). The choice
re-reads the stored upload with the mapping (``read_sheet(..., mapping=...)``) and is saved here
for the user's unit and the file's layout (the kind and ``Sheet.layout``, the fingerprint of its
header row), so that the next file with the same headers, uploaded by any administrator of that
unit, is read with it. As in Odoo's ``base_import.mapping`` (odoo/odoo,
addons/base_import/models/base_import.py), which remembers column → field choices for the next
import of the same third-party file, but keyed by the whole header row and scoped by unit.

- **Which unit**: the user's *home unit*, the highest unit where they hold an administrator role
  (单位管理员 or 系统管理员). A mapping is used by, and shown to, only users who administer its
  unit (``Scope.admin_q``): the administrators of that unit and of the units above it.
- **Which mapping applies** to an upload: of those the user may use for the kind and layout, the
  one of their home unit, else the one nearest the top of the tree (the latest changed first).
- Writes go through :func:`mapping_save` and :func:`mapping_forget`, each in one transaction
  with its audit row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from bangfu.accounts.models import Role
from bangfu.accounts.scope import scope_of
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record
from bangfu.transfer.models import ColumnMapping
from bangfu.transfer.reader import Sheet, normalised, read_sheet
from bangfu.transfer.spec import Column, Kind

if TYPE_CHECKING:
    from bangfu.accounts.models import User
    from bangfu.orgs.models import Org

IGNORE = ""  # the target of a column not to be imported, by choice
# Columns that number the rows: not data, listed as ignored but never asked about.
NOT_ASKED = frozenset({"序号", "序", "行号", "no", "no."})


# -- reading ---------------------------------------------------------------------------------------


def plain_sheet(path: Path | str, kind: Kind, *, file_name: str | None = None) -> Sheet:
    """The file's header as the kind alone reads it (no mapping): the columns it matches, those it
    does not use and its layout; the data rows are left in the file. (A workbook's sheet is still
    loaded whole by calamine: where the file is imported anyway, pass ``run_import`` a function
    as its ``mapping``, which is given this same header, and read the file once.)"""
    return read_sheet(path, kind, file_name=file_name, stream=True)


def asked_headers(sheet: Sheet) -> list[str]:
    """The unused headers a mapping may name, once each, in the file's order (序号 and the like
    are never asked about)."""
    seen: set[str] = set()
    asked = []
    for header in sheet.ignored:
        bare = normalised(header)
        if bare and bare.lower() not in NOT_ASKED and bare not in seen:
            seen.add(bare)
            asked.append(header)
    return asked


def free_columns(sheet: Sheet) -> list[Column]:
    """The kind's columns that no column of the file provides, in the kind's order."""
    return [c for c in sheet.kind.columns if c.key not in sheet.columns]


def applied(sheet: Sheet, columns: Mapping[str, str]) -> dict[str, str]:
    """The entries of a mapping that name an unused header of this file (those it acts on)."""
    present = {normalised(h) for h in sheet.ignored}
    return {h: k for h, k in columns.items() if normalised(h) in present}


def describe(kind: Kind, columns: Mapping[str, str]) -> list[tuple[str, str]]:
    """(header, what it is read as) for display: the field's standard header, or 不导入."""
    described = []
    for header, key in columns.items():
        target = kind.column(key).header if key else _("不导入")
        described.append((header, str(target)))
    return described


def mapping_problems(sheet: Sheet, columns: Mapping[str, str]) -> dict[str, str]:
    """Why each entry of a mapping for this file cannot be taken, by header (empty: it can).

    An entry must name a column the file does not use, and a field of the kind that no other
    column provides: neither a column the kind matched itself nor another mapped column."""
    kind = sheet.kind
    unused = {normalised(h) for h in asked_headers(sheet)}
    keys = {c.key for c in kind.columns}
    problems: dict[str, str] = {}
    chosen: dict[str, str] = {}  # key → the first header mapped to it
    for header, key in columns.items():
        if normalised(header) not in unused:
            problems[header] = _("文件中没有未使用的列“%s”") % header
        elif key and key not in keys:
            problems[header] = _("“%(field)s”不是%(kind)s的字段") % {
                "field": key,
                "kind": kind.label,
            }
        elif key and key in sheet.columns:
            problems[header] = _(
                "“%(header)s”不能对应“%(field)s”: 文件中的“%(other)s”列已对应该字段"
            ) % {
                "header": header,
                "field": kind.column(key).header,
                "other": sheet.columns[key].header,
            }
        elif key and key in chosen:
            problems[header] = _(
                "“%(header)s”和“%(other)s”不能都对应“%(field)s”, 一个字段只能对应一列"
            ) % {"header": header, "other": chosen[key], "field": kind.column(key).header}
        elif key:
            chosen[key] = header
    return problems


# -- selectors -------------------------------------------------------------------------------------


def home_unit(user: User | Any) -> Org | None:
    """The unit a user's mappings are saved for: the highest one where they hold an
    administrator role (None for an account without one, or the command line's stand-in)."""
    if getattr(user, "pk", None) is None:
        return None
    assignment = (
        user.assignments.filter(role__in=(Role.ORG_ADMIN, Role.SYSADMIN), org__is_active=True)
        .select_related("org")
        .order_by("org__depth", "org__path")
        .first()
    )
    return assignment.org if assignment is not None else None


def mapping_list(*, user: User | Any) -> Any:
    """The mappings the user may see and use: those of the units they administer."""
    scope = scope_of(user)
    if not scope.is_admin:
        return ColumnMapping.objects.none()
    return ColumnMapping.objects.filter(scope.admin_q("org__path")).select_related("org")


def mapping_for(*, user: User | Any, kind: str, layout: str) -> ColumnMapping | None:
    """The saved mapping an upload of this kind and layout is read with, if any: the user's home
    unit's, else the one nearest the top of the tree they administer (latest changed first)."""
    if not layout:
        return None
    found = list(mapping_list(user=user).filter(kind=kind, layout=layout))
    if not found:
        return None
    home = home_unit(user)
    home_id = home.pk if home is not None else None
    return min(found, key=lambda m: (m.org_id != home_id, m.org.depth, -m.updated_at.timestamp()))


# -- services --------------------------------------------------------------------------------------


def _summary(kind: Kind, columns: Mapping[str, str]) -> str:
    return "; ".join(f"{h} → {t}" for h, t in describe(kind, columns))


def mapping_save(*, actor: User, sheet: Sheet, columns: Mapping[str, str]) -> ColumnMapping | None:
    """Save ``columns`` ({header: column key, or "" for 不导入}) as the mapping of the sheet's
    kind and layout for the actor's home unit, replacing the one saved there before. An empty
    mapping removes the saved one (None is returned). ``sheet`` is the file as the kind alone
    reads it (:func:`plain_sheet`); every entry must pass :func:`mapping_problems`."""
    if not scope_of(actor).is_admin:
        raise PermissionDenied(_("无权保存列对应关系"))
    if not sheet.layout:
        raise ValidationError(_("文件没有可识别的表头, 不能保存列对应关系"))
    problems = mapping_problems(sheet, columns)
    if problems:
        raise ValidationError(list(problems.values()))
    org = home_unit(actor)
    if org is None:
        raise PermissionDenied(_("您没有管理的单位, 不能保存列对应关系"))
    kind = sheet.kind
    wanted = {h: k or IGNORE for h, k in columns.items()}
    mine = ColumnMapping.objects.filter(org=org, kind=kind.name, layout=sheet.layout)
    with transaction.atomic():
        existing = mine.select_for_update().first()
        if not wanted:
            if existing is not None:
                _delete(actor, existing)
            return None
        if existing is None:
            try:
                with transaction.atomic():
                    mapping = ColumnMapping.objects.create(
                        org=org,
                        kind=kind.name,
                        layout=sheet.layout,
                        headers=list(sheet.headers),
                        columns=wanted,
                        created_by=actor,
                        updated_by=actor,
                    )
            except IntegrityError:  # saved by someone else meanwhile: change that one
                existing = mine.select_for_update().get()
            else:
                audit_record(
                    actor=actor,
                    action=Action.CREATE,
                    obj=mapping,
                    summary=_("保存%(kind)s导入的列对应关系: %(what)s")
                    % {"kind": kind.label, "what": _summary(kind, wanted)},
                    after={"kind": kind.name, "headers": mapping.headers, "columns": wanted},
                )
                return mapping
        if existing.columns == wanted:
            return existing
        before = {"columns": existing.columns}
        existing.columns = wanted
        existing.headers = list(sheet.headers)
        existing.updated_by = actor
        existing.save(update_fields=["columns", "headers", "updated_by", "updated_at"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=existing,
            summary=_("修改%(kind)s导入的列对应关系: %(what)s")
            % {"kind": kind.label, "what": _summary(kind, wanted)},
            before=before,
            after={"columns": wanted},
        )
        return existing


def mapping_forget(*, actor: User, mapping: ColumnMapping) -> None:
    """Delete a saved mapping (the next upload of its layout is read as the kind alone reads it);
    only an administrator of its unit may."""
    if not scope_of(actor).can_admin_org(mapping.org):
        raise PermissionDenied(_("无权删除该列对应关系"))
    with transaction.atomic():
        _delete(actor, mapping)


def _delete(actor: User, mapping: ColumnMapping) -> None:
    from bangfu.transfer.kinds import UnknownKind, get_kind

    try:
        what = _summary(get_kind(mapping.kind), mapping.columns)
        label = str(get_kind(mapping.kind).label)
    except (UnknownKind, KeyError):
        what, label = str(mapping.columns), mapping.kind
    audit_record(
        actor=actor,
        action=Action.DELETE,
        obj=mapping,
        summary=_("删除%(kind)s导入的列对应关系: %(what)s") % {"kind": label, "what": what},
        before={"kind": mapping.kind, "headers": mapping.headers, "columns": mapping.columns},
    )
    mapping.delete()


# -- the command line ------------------------------------------------------------------------------


def parse_map_options(kind: Kind, items: Iterable[str]) -> dict[str, str]:
    """``--map "原列名=标准列名"`` options as a mapping for ``read_sheet``. The right side is the
    standard header of one of the kind's columns; empty or 不导入 leaves the column out on purpose.
    Raises :class:`MapOptionError` with a Chinese message naming the option."""
    mapping: dict[str, str] = {}
    by_header = {normalised(c.header): c.key for c in kind.columns}
    for item in items:
        source, sep, target = item.partition("=")
        source, target = source.strip(), target.strip()
        if not sep or not source:
            raise MapOptionError(_("--map 应写成“原列名=标准列名”, 实际为“%s”") % item)
        if normalised(source) in {normalised(s) for s in mapping}:
            raise MapOptionError(_("--map 中“%s”出现了多次") % source)
        if target in ("", _("不导入"), "不导入"):
            mapping[source] = IGNORE
            continue
        key = by_header.get(normalised(target))
        if key is None:
            raise MapOptionError(
                _("--map “%(item)s”: “%(target)s”不是%(kind)s的列, 可填: %(headers)s")
                % {
                    "item": item,
                    "target": target,
                    "kind": kind.label,
                    "headers": "、".join(kind.headers),
                }
            )
        mapping[source] = key
    return mapping


class MapOptionError(ValueError):
    """A ``--map`` option that cannot be taken (the message is the Chinese line to print)."""


def unmatched_map_options(sheet: Sheet, mapping: Mapping[str, str]) -> None:
    """Raise :class:`MapOptionError` naming the ``--map`` headers that the file's header row (as
    the kind alone reads it) does not have: a mistyped header would otherwise change nothing,
    without a word."""
    if not mapping or not sheet.header_row:
        return
    present = {normalised(h) for h in sheet.ignored}
    present |= {normalised(c.header) for c in sheet.columns.values()}
    missing = [h for h in mapping if normalised(h) not in present]
    if missing:
        raise MapOptionError(
            _("--map: 文件的表头 (第 %(row)d 行) 中没有列 %(headers)s")
            % {"row": sheet.header_row, "headers": "、".join(f"“{h}”" for h in missing)}
        )
