from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.notifications.models import ChannelConfig


class ChannelConfigForm(forms.ModelForm):
    """A unit's channels. The DingTalk secret is never shown again: left empty it is kept, and
    "clear" removes it."""

    clear_secret = forms.BooleanField(label=_("清除钉钉加签密钥"), required=False)

    class Meta:
        model = ChannelConfig
        fields = ["enabled", "email_enabled", "wecom_url", "dingtalk_url", "dingtalk_secret"]
        widgets = {
            "wecom_url": forms.TextInput(attrs={"autocomplete": "off"}),
            "dingtalk_url": forms.TextInput(attrs={"autocomplete": "off"}),
            "dingtalk_secret": forms.PasswordInput(
                render_value=False, attrs={"autocomplete": "off"}
            ),
        }

    def __init__(self, *args: Any, has_secret: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_secret = has_secret
        if has_secret:
            self.fields["dingtalk_secret"].help_text = _("已设置; 留空表示不修改")
        else:
            del self.fields["clear_secret"]

    def clean_wecom_url(self) -> str:
        return str(self.cleaned_data.get("wecom_url") or "").strip()

    def clean_dingtalk_url(self) -> str:
        return str(self.cleaned_data.get("dingtalk_url") or "").strip()

    def clean_dingtalk_secret(self) -> str:
        return str(self.cleaned_data.get("dingtalk_secret") or "").strip()

    def values(self, current_secret: str) -> dict[str, Any]:
        data = self.cleaned_data
        secret = data["dingtalk_secret"] or current_secret
        if data.get("clear_secret"):
            secret = ""
        return {
            "enabled": data["enabled"],
            "email_enabled": data["email_enabled"],
            "wecom_url": data["wecom_url"],
            "dingtalk_url": data["dingtalk_url"],
            "dingtalk_secret": secret,
        }
