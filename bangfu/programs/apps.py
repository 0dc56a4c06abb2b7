from __future__ import annotations

import logging
from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate

logger = logging.getLogger(__name__)


class ProgramsConfig(AppConfig):
    name = "bangfu.programs"
    label = "programs"

    def ready(self) -> None:
        # The six shipped templates are installed (or brought to the shipped version) after
        # every migrate, so a fresh install can create programs without the demo
        # (docs/programs.md, "Built-in templates after migrate").
        post_migrate.connect(
            install_after_migrate, sender=self, dispatch_uid="programs.builtin_templates"
        )


def install_after_migrate(
    sender: AppConfig,
    *,
    apps: Any = global_apps,
    using: str = "default",
    verbosity: int = 1,
    stdout: Any = None,
    **kwargs: Any,
) -> None:
    """post_migrate handler: :func:`bangfu.programs.services.install_builtin_templates` with
    the migrated state's ``ProgramTemplate`` (nothing when the programs or audit models are not
    in that state, e.g. after ``migrate programs zero``; ``flush`` sends no state and the
    installed models are used, as Django's own handlers do). Writes a line only
    when something changed or was left alone, and only at verbosity ≥ 1 (tests migrate at 0);
    a template left alone is logged as a warning as well."""
    from django.db import DEFAULT_DB_ALIAS

    from bangfu.programs.services import install_builtin_templates

    if using != DEFAULT_DB_ALIAS:
        return
    try:
        model = apps.get_model("programs", "ProgramTemplate")
        apps.get_model("audit", "AuditEvent")
    except LookupError:
        return
    result = install_builtin_templates(model=model, using=using)
    for line in result.skipped:
        logger.warning("%s", line)
    if verbosity < 1 or stdout is None:
        return
    from django.utils.translation import gettext as _

    if result.created or result.updated:
        stdout.write(
            _("内置项目模板: 新增 %(created)s; 更新为新版本 %(updated)s")
            % {
                "created": "、".join(result.created) or "-",
                "updated": "、".join(result.updated) or "-",
            }
        )
    for line in result.skipped:
        stdout.write(line)
