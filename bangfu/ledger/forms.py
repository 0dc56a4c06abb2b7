"""Forms of the ledger pages: an entry (new or a draft changed), posting with the approver's
name, and a reversal with its reason. The checks of an entry's values are the service's
(:func:`bangfu.ledger.services.check_entry`); the forms only parse what was typed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bangfu.core.idnumber import normalise_id_number
from bangfu.ledger.models import Direction, LedgerEntry, SourceKind
from bangfu.orgs.models import Org
from bangfu.pairings.models import Pairing
from bangfu.programs.models import Program
from bangfu.registry.models import Helper, Household, Person

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrgField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:  # type: ignore[override]
        return f"{obj.name} ({obj.code})"


class HelperField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:  # type: ignore[override]
        return f"{obj.person.name} · {obj.org.name}"


def program_categories(program: Program | None, programs: QuerySet[Program]) -> list[str]:
    """The aid categories offered for an entry: the program's (from its template), or those of
    every program the user keeps when none is chosen."""
    chosen = [program] if program is not None else list(programs[:200])
    names: list[str] = []
    for p in chosen:
        for name in p.definition.get("aid_categories", []):
            if name not in names:
                names.append(str(name))
    return names


def recipient_choices(program: Program | None) -> list[tuple[str, str]]:
    """The program's beneficiaries to pick from (h12 a household, p34 a person, o56 a unit)."""
    if program is None:
        return []
    pairings = (
        Pairing.objects.filter(program=program)
        .select_related("household__head", "person", "beneficiary_org")
        .order_by("household__code", "person__name", "beneficiary_org__code")
    )
    seen: dict[str, str] = {}
    for p in pairings[:2000]:
        if p.household_id:
            seen.setdefault(f"h{p.household_id}", p.beneficiary_name)
        elif p.person_id:
            seen.setdefault(f"p{p.person_id}", p.beneficiary_name)
        elif p.beneficiary_org_id:
            assert p.beneficiary_org is not None
            seen.setdefault(
                f"o{p.beneficiary_org_id}",
                f"{p.beneficiary_org.name} ({p.beneficiary_org.code})",
            )
    return list(seen.items())


def recipient_value(entry: LedgerEntry) -> str:
    if entry.household_id:
        return f"h{entry.household_id}"
    if entry.person_id:
        return f"p{entry.person_id}"
    if entry.recipient_org_id:
        return f"o{entry.recipient_org_id}"
    return ""


def resolve_recipient(
    choice: str,
    code: str,
    *,
    households: QuerySet[Household],
    persons: QuerySet[Person],
    orgs: QuerySet[Org],
) -> dict[str, Any]:
    """The recipient picked (h12, p34, o56) or typed as 户编号, 身份证号 or 单位编码, among those
    the user may see; an empty dict when neither was given."""
    empty: dict[str, Any] = {"household": None, "person": None, "recipient_org": None}
    choice, code = (choice or "").strip(), (code or "").strip()
    try:
        if choice:
            prefix, pk = choice[0], int(choice[1:])
            if prefix == "h":
                return {**empty, "household": households.get(pk=pk)}
            if prefix == "p":
                return {**empty, "person": persons.get(pk=pk)}
            if prefix == "o":
                return {**empty, "recipient_org": orgs.get(pk=pk)}
            raise ValueError(choice)
        if not code:
            return empty
        household = households.filter(code=code).first()
        if household is not None:
            return {**empty, "household": household}
        digits = normalise_id_number(code)
        if len(digits) in (15, 18):
            person = persons.filter(id_number=digits).first()
            if person is not None:
                return {**empty, "person": person}
        return {**empty, "recipient_org": orgs.get(code=code)}
    except (Household.DoesNotExist, Person.DoesNotExist, Org.DoesNotExist, ValueError):
        raise ValidationError(
            {
                "recipient": [
                    gettext("找不到受助对象“%s”: 请输入户编号、身份证号或单位编码")
                    % (code or choice)
                ]
            }
        ) from None


class EntryForm(forms.Form):
    """A ledger entry: what (category, money or goods), from whom, to whom, when."""

    program = forms.ModelChoiceField(
        label=_("项目"), queryset=Program.objects.none(), required=False, empty_label=_("(无)")
    )
    org = OrgField(
        label=_("台帐单位"),
        queryset=Org.objects.none(),
        required=False,
        help_text=_("不填则记入项目主办单位的台帐"),
    )
    direction = forms.ChoiceField(label=_("收支"), choices=Direction.choices)
    category = forms.CharField(
        label=_("类别"),
        max_length=40,
        required=False,
        help_text=_("可从项目的帮扶类别中选择, 也可自行填写"),
        widget=forms.TextInput(attrs={"list": "category-options", "autocomplete": "off"}),
    )
    source_kind = forms.ChoiceField(label=_("来源类型"), choices=SourceKind.choices)
    source_org = OrgField(label=_("来源单位"), queryset=Org.objects.none(), required=False)
    source_helper = HelperField(
        label=_("来源帮扶人"), queryset=Helper.objects.none(), required=False
    )
    source_fund = forms.CharField(label=_("资金名称"), max_length=100, required=False)
    recipient = forms.ChoiceField(label=_("受助对象"), required=False)
    recipient_code = forms.CharField(
        label=_("或输入户编号、身份证号或单位编码"), max_length=40, required=False
    )
    amount = forms.DecimalField(
        label=_("金额(元)"), max_digits=14, decimal_places=2, required=False
    )
    goods = forms.CharField(label=_("物品"), max_length=100, required=False)
    quantity = forms.DecimalField(label=_("数量"), max_digits=12, decimal_places=2, required=False)
    goods_unit = forms.CharField(
        label=_("物品单位"),
        max_length=10,
        required=False,
        help_text=_("如: 册、台、张、袋"),
    )
    date = forms.DateField(label=_("日期"), widget=DATE, initial=timezone.localdate)
    note = forms.CharField(
        label=_("摘要"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        programs: QuerySet[Program],
        orgs: QuerySet[Org] | None,
        source_orgs: QuerySet[Org],
        helpers: QuerySet[Helper],
        recipients: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]
        if orgs is None:
            self.fields.pop("org")
        else:
            self.fields["org"].queryset = orgs  # type: ignore[attr-defined]
        self.fields["source_org"].queryset = source_orgs  # type: ignore[attr-defined]
        self.fields["source_helper"].queryset = helpers  # type: ignore[attr-defined]
        self.fields["recipient"].choices = [("", "—"), *recipients]  # type: ignore[attr-defined]
        for name in ("amount", "quantity"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "step": "0.01"})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        quantity = cleaned.get("quantity")
        if quantity is None and (cleaned.get("goods") or cleaned.get("goods_unit")):
            self.add_error("quantity", gettext("填写了物品, 请同时填写数量"))
        for name in ("amount", "quantity"):
            value = cleaned.get(name)
            if isinstance(value, Decimal) and not value.is_finite():
                self.add_error(name, gettext("请输入有效的数字"))
        return cleaned

    def service_values(self, recipient: dict[str, Any]) -> dict[str, Any]:
        """The cleaned values as the service's keyword arguments (the source that its kind
        names; the others left empty)."""
        data = self.cleaned_data
        kind = data.get("source_kind") or ""
        return {
            "program": data.get("program"),
            "direction": data.get("direction") or Direction.OUT,
            "category": data.get("category") or "",
            "source_kind": kind,
            "source_org": data.get("source_org") if kind == SourceKind.UNIT else None,
            "source_helper": data.get("source_helper") if kind == SourceKind.HELPER else None,
            "source_fund": (data.get("source_fund") or "") if kind == SourceKind.FUND else "",
            "amount": data.get("amount"),
            "goods": data.get("goods") or "",
            "quantity": data.get("quantity"),
            "goods_unit": data.get("goods_unit") or "",
            "date": data.get("date"),
            "note": data.get("note") or "",
            **recipient,
        }


def initial_from(entry: LedgerEntry) -> dict[str, Any]:
    """The form's values for an entry: to change a draft, or to enter the correction of a
    reversed one."""
    return {
        "program": entry.program_id,
        "org": entry.org_id,
        "direction": entry.direction,
        "category": entry.category,
        "source_kind": entry.source_kind,
        "source_org": entry.source_org_id,
        "source_helper": entry.source_helper_id,
        "source_fund": entry.source_fund,
        "recipient": recipient_value(entry),
        "amount": abs(entry.amount) if entry.amount is not None else None,
        "goods": entry.goods,
        "quantity": abs(entry.quantity) if entry.quantity is not None else None,
        "goods_unit": entry.goods_unit,
        "date": entry.date,
        "note": entry.note,
    }


class PostForm(forms.Form):
    approver = forms.CharField(label=_("审批人"), max_length=100, required=False)


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label=_("冲销原因"),
        max_length=200,
        required=False,
        help_text=_("如: 金额录错、重复录入、对象有误"),
    )
    date = forms.DateField(
        label=_("冲销日期"), widget=DATE, required=False, help_text=_("不填则为今天")
    )
