"""Forms of the activity pages. The activity form is built from the program's activity type:
each type has its own fields (a talk its theme and record, a training its 人次, a donation its
goods), so the fields are those of the type picked."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.activities.models import LifeEvent
from bangfu.activities.services import Item, type_fields, type_has_items
from bangfu.programs.definition import LIFE_EVENTS
from bangfu.programs.models import Program

ITEM_ROWS = 3


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def _type_field(field: dict[str, Any], program: Program) -> forms.Field:
    label = field.get("label", field["key"])
    required = bool(field.get("required"))
    ftype = field.get("type")
    if ftype == "textarea":
        return forms.CharField(
            label=label, required=required, widget=forms.Textarea(attrs={"rows": 4})
        )
    if ftype == "amount":
        return forms.DecimalField(
            label=label, required=required, min_value=Decimal(0), decimal_places=2
        )
    if ftype == "count":
        return forms.IntegerField(label=label, required=required, min_value=0)
    if ftype == "date":
        return forms.DateField(
            label=label,
            required=required,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        )
    if ftype == "aid_category":
        choices = [("", "—")] + [(c, c) for c in program.definition.get("aid_categories", [])]
        return forms.ChoiceField(label=label, required=required, choices=choices)
    return forms.CharField(label=label, required=required, max_length=200)


class ActivityForm(forms.Form):
    """An activity of one type: the common part (type, date, who it served) and the type's own
    fields, goods for a donation, the life events it answers and photos."""

    type = forms.ChoiceField(label=_("活动类型"))
    date = forms.DateField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    pairings = forms.MultipleChoiceField(
        label=_("帮扶对象"), widget=forms.CheckboxSelectMultiple, required=True
    )

    def __init__(
        self,
        *args: Any,
        program: Program,
        kind: dict[str, Any],
        pairings: list[tuple[int, str]],
        events: list[LifeEvent] | None = None,
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.program, self.kind, self.editing = program, kind, editing
        self.fields["type"].choices = [  # type: ignore[attr-defined]
            (t["code"], t.get("name") or t["code"]) for t in program.activity_types
        ]
        self.fields["type"].widget.attrs.update({"data-reload": "1"})
        pairing_field: Any = self.fields["pairings"]
        pairing_field.choices = [(str(pk), label) for pk, label in pairings]
        if editing:
            del self.fields["type"]
            del self.fields["pairings"]
        else:
            self.fields["date"].initial = timezone.localdate()
        self.type_keys: list[str] = []
        for field in type_fields(kind):
            if field["key"] in ("quantity", "unit"):
                continue
            self.fields[f"f_{field['key']}"] = _type_field(field, program)
            self.type_keys.append(field["key"])
        self.has_items = type_has_items(kind) and not editing
        if self.has_items:
            for i in range(1, ITEM_ROWS + 1):
                self.fields[f"item{i}_name"] = forms.CharField(
                    label=_("物品 %s") % i, required=False, max_length=100
                )
                self.fields[f"item{i}_quantity"] = forms.DecimalField(
                    label=_("数量"), required=False, min_value=Decimal("0.01")
                )
                self.fields[f"item{i}_unit"] = forms.CharField(
                    label=_("单位 (册、台、张 …)"), required=False, max_length=10
                )
                self.fields[f"item{i}_value"] = forms.DecimalField(
                    label=_("价值(元)"), required=False, min_value=Decimal(0)
                )
        if events and not editing:
            self.fields["events"] = forms.MultipleChoiceField(
                label=_("响应的生活事件"),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                choices=[(str(e.pk), f"{e.date} {e.subject_name} {e.kind}") for e in events],
                help_text=_("勾选本次活动所响应的事件 (六必到)"),
            )
        if not editing:
            self.fields["photos"] = MultipleFileField(
                label=_("照片 (可选)"),
                required=False,
                help_text=_("照片只是可选的佐证, 不要求定位打卡; 保存时自动压缩"),
            )

    def values(self) -> dict[str, Any]:
        return {key: self.cleaned_data.get(f"f_{key}") for key in self.type_keys}

    def items(self) -> list[Item]:
        out: list[Item] = []
        if not self.has_items:
            return out
        for i in range(1, ITEM_ROWS + 1):
            name = (self.cleaned_data.get(f"item{i}_name") or "").strip()
            quantity = self.cleaned_data.get(f"item{i}_quantity")
            unit = (self.cleaned_data.get(f"item{i}_unit") or "").strip()
            if not name and quantity is None and not unit:
                continue
            out.append(
                Item(
                    name=name,
                    quantity=quantity or Decimal(0),
                    unit=unit,
                    value=self.cleaned_data.get(f"item{i}_value"),
                )
            )
        return out

    def item_rows(self) -> list[list[forms.BoundField]]:
        if not self.has_items:
            return []
        return [
            [self[f"item{i}_{k}"] for k in ("name", "quantity", "unit", "value")]
            for i in range(1, ITEM_ROWS + 1)
        ]


class DeleteForm(forms.Form):
    reason = forms.CharField(label=_("删除原因"), max_length=200)


class PhotoForm(forms.Form):
    photo = forms.ImageField(label=_("照片"))


class EventForm(forms.Form):
    subject = forms.CharField(
        label=_("对象"),
        max_length=30,
        help_text=_("户编号或身份证号"),
    )
    kind = forms.ChoiceField(label=_("事件类型"), choices=[(k, k) for k in LIFE_EVENTS])
    date = forms.DateField(
        label=_("日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=datetime.date.today,
    )
    note = forms.CharField(label=_("说明"), max_length=500, required=False)
