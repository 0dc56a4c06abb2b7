"""Forms of the import page: which kind, which file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.transfer.kinds import all_kinds
from bangfu.transfer.reader import SUFFIXES

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def kind_choices() -> list[tuple[str, str]]:
    return [(k.name, str(k.label)) for k in all_kinds()]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("数据类型"), choices=kind_choices)
    file = forms.FileField(
        label=_("文件"),
        help_text=_("Excel (.xlsx、.xls) 或 CSV 文件, 最大 50 MB"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )

    def clean_file(self) -> Any:
        file = self.cleaned_data["file"]
        suffix = Path(file.name or "").suffix.lower()
        if suffix not in SUFFIXES:
            raise forms.ValidationError(
                _("不支持的文件类型“%(suffix)s”, 请上传 %(allowed)s 文件"),
                params={"suffix": suffix or "—", "allowed": "、".join(SUFFIXES)},
            )
        if file.size and file.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件超过 50 MB, 请拆分后分批导入"))
        return file
