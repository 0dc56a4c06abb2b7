"""Users, their places in the organisation tree, and the roles they hold there."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from bangfu.core.pinyin import pinyin_key


class Role(models.TextChoices):
    SYSADMIN = "sysadmin", _("系统管理员")
    ORG_ADMIN = "org_admin", _("单位管理员")
    HELPER = "helper", _("帮扶责任人")
    INSPECTOR = "inspector", _("督查")


ROLE_HELP = {
    Role.SYSADMIN: _("管理全部单位、用户、项目与系统设置"),
    Role.ORG_ADMIN: _("管理本单位及下属单位的数据和用户"),
    Role.HELPER: _("只看到自己的帮扶关系和帮扶对象, 记录走访与帮扶"),
    Role.INSPECTOR: _("只读查看本单位及下属单位, 督促检查与考核"),
}


class User(AbstractUser):
    """A person who logs in: an office's staff, a helper (cadre, teacher, union officer) or an
    inspector. Beneficiaries never log in and are not users."""

    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False)
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.name or self.username} ({self.username})"

    def save(self, *args, **kwargs) -> None:
        self.name_pinyin = pinyin_key(self.name, person_name=True)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.name or self.username


class RoleAssignment(models.Model):
    """One role a user holds in one unit; its reach is that unit's subtree (a helper's: their own
    pairings within it)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    can_reveal = models.BooleanField(
        _("可查看完整身份证号和电话"),
        default=False,
        help_text=_("查看完整号码时仍会记入审计日志"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "org", "role"], name="accounts_role_once_per_org"
            )
        ]
        ordering = ["org__path", "role"]

    def __str__(self) -> str:
        return f"{self.org} · {self.get_role_display()}"


class LoginFailure(models.Model):
    """A failed login, kept for throttling (accounts.throttle) and pruned after the window."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} {self.ip} {self.at:%Y-%m-%d %H:%M}"
