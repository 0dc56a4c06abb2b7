"""Logins, failed logins and logouts go to the audit log."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _

from bangfu.audit.models import Action
from bangfu.audit.services import audit_record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs) -> None:
    with transaction.atomic():
        audit_record(actor=user, action=Action.LOGIN, obj=user, org=user.org, summary=_("登录成功"))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    with transaction.atomic():
        audit_record(
            actor=user, action=Action.LOGOUT, obj=user, org=user.org, summary=_("退出登录")
        )


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))[:150]
    with transaction.atomic():
        audit_record(
            actor=None,
            action=Action.LOGIN_FAILED,
            actor_username=username,
            object_type="accounts.user",
            object_repr=username,
            summary=_("登录失败: %s") % username,
        )
