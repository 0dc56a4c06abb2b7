"""Who a command-line import or export acts as.

Administrators run ``bangfu import`` / ``bangfu export`` on the server, so by default the
commands act as a stand-in system administrator named ``bangfu-cli`` (as ``bangfu createadmin``
does): it reaches every unit, and the audit log records the name ``bangfu-cli``. ``--user
USERNAME`` acts as that account instead, scoped to its roles and recorded under its name.
"""

from __future__ import annotations

from django.core.management.base import CommandError

from bangfu.accounts.models import User
from bangfu.accounts.scope import Scope

CLI_USERNAME = "bangfu-cli"
BAD_ARGUMENTS = 2  # exit status for a wrong argument (as argparse's own errors)


def command_actor(username: str | None) -> User:
    """The account to act as, or the stand-in system administrator when none is given."""
    if not username:
        system = User(username=CLI_USERNAME, name="命令行")
        system._bangfu_scope = Scope(user_id=None, is_sysadmin=True)  # type: ignore[attr-defined]
        return system
    user = User.objects.filter(username=username).first()
    if user is None or not user.is_active:
        raise CommandError(f"用户 {username} 不存在或已停用", returncode=BAD_ARGUMENTS)
    return user
