"""Forms of the import page: which kind, which file; which field an unknown column is."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.transfer.kinds import all_kinds
from bangfu.transfer.mappings import IGNORE, asked_headers, free_columns, mapping_problems
from bangfu.transfer.reader import SUFFIXES, Sheet, normalised

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


NOT_CHOSEN = ""
IGNORE_CHOICE = "-"  # 不导入 (ignore this column), stored as mappings.IGNORE


class _FieldChoice(forms.ChoiceField):
    """A drop-down of the fields still free; any field of the kind is taken as an answer, so
    that a field another column provides is refused with a message that says so
    (``mapping_problems``), not as an unknown choice."""

    def __init__(self, *, accepted: set[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.accepted = accepted

    def valid_value(self, value: Any) -> bool:
        return str(value) in self.accepted


class MappingForm(forms.Form):
    """One drop-down per column of the file that the kind does not use (docs/import-export.md,
    "Column mapping"): the kind's fields that no other column provides, labelled with their
    standard Chinese header, plus 不导入. ``sheet`` is the file as the kind alone reads it;
    ``current`` the mapping the upload is read with now (its choices are preselected).
    After validation, :attr:`columns` is the chosen mapping ({header: key, or "" for 不导入})."""

    def __init__(
        self, *args: Any, sheet: Sheet, current: Mapping[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        self.headers = asked_headers(sheet)
        self.columns: dict[str, str] = {}
        chosen = {normalised(h): k for h, k in (current or {}).items()}
        options = [
            (NOT_CHOSEN, _("— 请选择 —")),
            (IGNORE_CHOICE, _("不导入 (忽略此列)")),
            *[
                (c.key, f"{c.header} ({_('必填')})" if c.required else c.header)
                for c in free_columns(sheet)
            ],
        ]
        accepted = {NOT_CHOSEN, IGNORE_CHOICE, *(c.key for c in sheet.kind.columns)}
        for index, header in enumerate(self.headers):
            key = chosen.get(normalised(header))
            initial = NOT_CHOSEN if key is None else (key or IGNORE_CHOICE)
            self.fields[self.field_name(index)] = _FieldChoice(
                label=_("“%s”列") % header,
                choices=options,
                accepted=accepted,
                required=False,
                initial=initial,
            )

    @staticmethod
    def field_name(index: int) -> str:
        return f"col_{index}"

    @property
    def undecided(self) -> list[str]:
        """The unused headers with no choice yet (asked about, as opposed to decided ones)."""
        return [
            h
            for i, h in enumerate(self.headers)
            if self[self.field_name(i)].value() in (None, NOT_CHOSEN)
        ]

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        columns: dict[str, str] = {}
        fields: dict[str, str] = {}
        for index, header in enumerate(self.headers):
            name = self.field_name(index)
            value = data.get(name) or NOT_CHOSEN
            if value == NOT_CHOSEN:
                continue
            columns[header] = IGNORE if value == IGNORE_CHOICE else value
            fields[header] = name
        for header, message in mapping_problems(self.sheet, columns).items():
            self.add_error(fields[header], message)
        self.columns = columns
        return data
