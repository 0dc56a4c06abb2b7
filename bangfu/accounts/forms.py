"""Forms of the accounts pages. They parse and show input; the services decide and write."""

from __future__ import annotations

import math
from typing import cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bangfu.accounts import throttle
from bangfu.accounts.models import Role
from bangfu.core.middleware import client_ip
from bangfu.orgs.models import Org


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("账号或密码错误。"),
        "inactive": _("该账号已停用, 请联系管理员。"),
    }

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("账号")
        self.fields["password"].label = _("密码")
        self.fields["username"].widget.attrs.update({"autofocus": True, "placeholder": _("账号")})
        self.fields["password"].widget.attrs.update({"placeholder": _("密码")})

    def clean(self):
        username = (self.data.get("username") or "").strip()
        ip = client_ip(self.request) if self.request else None
        wait = throttle.locked_out(username, ip)
        if wait:
            raise ValidationError(
                _("登录失败次数过多, 请 %(minutes)s 分钟后再试。")
                % {"minutes": max(1, math.ceil(wait / 60))},
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            throttle.record_failure(username, ip)
            raise
        throttle.clear_failures(username)
        return cleaned


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Org) -> str:  # type: ignore[override]
        return f"{'　' * obj.depth}{obj.name} ({obj.code})"


class UserForm(forms.Form):
    username = forms.CharField(label=_("账号"), max_length=150)
    name = forms.CharField(label=_("姓名"), max_length=50)
    org = OrgChoiceField(label=_("所属单位"), queryset=Org.objects.none(), required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, orgs, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["org"]).queryset = orgs
        if editing:
            self.fields["username"].disabled = True
            self.fields["username"].required = False


class NewUserForm(UserForm):
    password = forms.CharField(
        label=_("初始密码"),
        widget=forms.PasswordInput(render_value=False),
        min_length=10,
        help_text=_("至少 10 位; 用户首次登录后须修改"),
    )
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices, initial=Role.HELPER)
    can_reveal = forms.BooleanField(label=_("可查看完整身份证号和电话"), required=False)

    def __init__(self, *args, roles, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = roles
        self.fields.pop("is_active")


class RoleForm(forms.Form):
    org = OrgChoiceField(label=_("单位"), queryset=Org.objects.none())
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    can_reveal = forms.BooleanField(label=_("可查看完整身份证号和电话"), required=False)

    def __init__(self, *args, orgs, roles, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["org"]).queryset = orgs
        cast(forms.ChoiceField, self.fields["role"]).choices = roles


class PasswordForm(forms.Form):
    password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput, min_length=10)
    password2 = forms.CharField(label=_("再次输入新密码"), widget=forms.PasswordInput)

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password2"):
            raise ValidationError({"password2": _("两次输入的密码不一致")})
        return cleaned


class OwnPasswordForm(PasswordForm):
    old_password = forms.CharField(label=_("当前密码"), widget=forms.PasswordInput)
    field_order = ["old_password", "password", "password2"]

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_old_password(self):
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise ValidationError(_("当前密码不正确"))
        return value
