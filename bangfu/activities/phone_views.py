"""The helper's phone pages (/m/): their pairings with what is due, a visit logged in three taps,
and the sync of visits queued on the phone while it had no signal.

- ``home`` lists the signed-in helper's active pairings, each with what its plans ask for in the
  current period and the date of its last activity. Every card carries its prefilled form, so
  that once the page is open, logging a visit needs no network: phone.js keeps the entry on the
  phone and sends it to ``sync``.
- ``log`` is the same form on a page of its own. A plain POST works without JavaScript (source
  手机); with JavaScript the entry is queued like on ``home``.
- ``sync`` records queued entries, each exactly once: the key the phone gave the entry is the
  activity's idempotency key (``activity_create(client_key=...)``), so sending it again answers
  "already" with the same activity. Another helper's pairing is refused and nothing is written.
- ``service_worker`` serves phone.js in its worker role at /m/sw.js (scope /m/): it keeps the page
  and the static files so that /m/ opens without a signal (docs/phone.md).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bangfu.activities.models import Activity, ActivityLink, Source
from bangfu.activities.services import (
    ITEM_FIELDS,
    activity_create,
    activity_type,
    may_log,
    photo_add,
    type_fields,
)
from bangfu.core.forms import apply_errors
from bangfu.pairings.models import Pairing
from bangfu.pairings.plans import common_plan, measure_rows, personal_plan
from bangfu.pairings.selectors import pairing_list

if TYPE_CHECKING:
    from bangfu.core.http import AuthedRequest
    from bangfu.programs.models import Program

# A client key: what phone.js makes with crypto.getRandomValues (a UUID), or the form's own.
KEY_RE = re.compile(r"[0-9A-Za-z-]{16,64}")
MAX_ENTRIES = 100  # per sync request
MAX_PHOTO_CHARS = 4 * 1024 * 1024  # a photo in a sync entry, as a data: URL
PHOTO_RE = re.compile(r"data:(image/[a-z0-9.+-]+);base64,(.*)", re.DOTALL)

# Quick phrases: one tap fills the record. By what the type counts: a visit to a household, a
# talk with a person, a session of a unit.
PHRASES: dict[str, tuple[Any, ...]] = {
    "households": (
        gettext_lazy("了解家庭生产生活情况"),
        gettext_lazy("了解收入和务工情况"),
        gettext_lazy("宣讲帮扶政策"),
        gettext_lazy("询问困难和诉求, 已记录"),
        gettext_lazy("家中一切正常"),
    ),
    "persons": (
        gettext_lazy("谈心谈话, 了解思想动态"),
        gettext_lazy("了解学习和生活情况"),
        gettext_lazy("关心身体, 鼓励上进"),
        gettext_lazy("询问困难和诉求, 已记录"),
    ),
    "sessions": (
        gettext_lazy("按计划开展, 情况良好"),
        gettext_lazy("交流经验, 形成共识"),
        gettext_lazy("问题已记录, 下次跟进"),
    ),
}

# The static files the service worker keeps, so that the page opens without a signal.
SHELL_FILES = (
    "bangfu/app.css",
    "bangfu/phone.css",
    "vendor/htmx.min.js",
    "bangfu/app.js",
    "bangfu/phone.js",
    "bangfu/favicon.svg",
)


# -- what is due ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """A plan measure not yet met in its current period: ``done`` of ``required``."""

    code: str
    name: str
    done: int
    required: int
    label: str

    @property
    def missing(self) -> int:
        return self.required - self.done


_LOOK_UP: Any = object()


def due_now(pairing: Pairing, day: datetime.date, common: Any = _LOOK_UP) -> list[Due]:
    """What the pairing's plans (the program's common plan, then its personal plan) ask for in
    the current period and is not done yet: the measures whose progress is "due". ``common``:
    the program's common plan when the caller has it already (None: the program has none)."""
    plan = common_plan(pairing.program) if common is _LOOK_UP else common
    rows = measure_rows(plan, pairing=pairing, day=day)
    rows += measure_rows(personal_plan(pairing), pairing=pairing, day=day)
    out = []
    for row in rows:
        progress = row.progress
        if progress is None or progress.status != "due":
            continue
        out.append(
            Due(
                code=row.measure.activity_type,
                name=row.activity_name,
                done=progress.done or 0,
                required=progress.required or 0,
                label=progress.label,
            )
        )
    return out


def rule_dues(
    program: Program, pairings: list[Pairing], day: datetime.date
) -> dict[int, list[Due]]:
    """What the program's rules (四个一, 五必访, 六必到 …) ask of these pairings in windows open
    on ``day`` and not met yet, from the rules engine: pairing id → items."""
    from bangfu.compliance.engine import evaluate_iter

    names = {str(r.get("code")): r for r in program.rules}
    out: dict[int, list[Due]] = {}
    for o in evaluate_iter(program, day, pairing_ids=[p.pk for p in pairings]):
        if o.status != "due":
            continue
        rule = names.get(o.rule, {})
        types = [str(t) for t in rule.get("types", [])]
        label = o.label or _("%(a)s 至 %(b)s") % {"a": o.start, "b": o.end}
        kind = activity_type(program, types[0]) if types else None
        out.setdefault(o.pairing_id, []).append(
            Due(
                code=str(kind["code"]) if kind else (types[0] if types else ""),
                name=str(kind.get("name") or kind["code"]) if kind else str(rule.get("name", "")),
                done=o.done,
                required=o.required,
                label=label,
            )
        )
    return out


def merge_dues(rules: list[Due], measures: list[Due]) -> list[Due]:
    """The rules' items, then the plans' measures not already asked for by a rule (the same
    activity type in the same window)."""
    seen = {(d.code, d.label) for d in rules}
    return [*rules, *(d for d in measures if (d.code, d.label) not in seen)]


def default_type(program: Program, due: list[Due]) -> dict[str, Any] | None:
    """The type a new record starts with: the one most due (the most activities still missing,
    the plan's order breaking ties), else the program's first type that visits households,
    else its first type."""
    for item in sorted(due, key=lambda d: -d.missing):
        kind = activity_type(program, item.code)
        if kind is not None:
            return kind
    types = [t for t in program.activity_types if isinstance(t, dict)]
    visits = [t for t in types if t.get("counts") == "households"]
    return next(iter(visits or types), None)


def who(pairing: Pairing) -> str:
    """The beneficiary in a few characters: 张三户, 李四, 甲村小学."""
    if pairing.household_id and pairing.household:
        head = pairing.household.head
        return _("%s户") % head.name if head else pairing.household.code
    if pairing.person_id and pairing.person:
        return pairing.person.name
    return pairing.beneficiary_org.name if pairing.beneficiary_org else ""


def entry_text(activity: Activity, pairing: Pairing) -> str:
    """How a synced record is named back to the helper: 2026-06-01 走访 张三户."""
    return f"{activity.date.isoformat()} {activity.type} {who(pairing)}"


# -- the form ---------------------------------------------------------------------------------


class VisitForm(forms.Form):
    """A record of one activity for one pairing: the type, the date and the type's required
    fields (the service checks them and says what is wrong, in Chinese). The photo is optional
    evidence; no location is asked for."""

    type = forms.CharField(widget=forms.HiddenInput)
    key = forms.CharField(widget=forms.HiddenInput, required=False)
    date = forms.DateField(
        label=gettext_lazy("日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("“日期”不能为空"),
            "invalid": gettext_lazy("“日期”应为年-月-日"),
        },
    )
    photo = forms.ImageField(
        label=gettext_lazy("照片 (可选)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    def __init__(
        self, *args: Any, program: Program, kind: dict[str, Any], today: datetime.date, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.program, self.kind = program, kind
        self.fields["date"].widget.attrs["max"] = today.isoformat()
        self.value_keys: list[str] = []
        self.phrase_target = ""
        for spec in type_fields(kind):
            if not spec.get("required") or spec["key"] in ITEM_FIELDS:
                continue
            key = spec["key"]
            self.fields[key] = self._field(spec)
            self.value_keys.append(key)
            if not self.phrase_target and spec.get("type") in ("textarea", "text", None):
                self.phrase_target = key
        if "content" in self.value_keys and not isinstance(
            self.fields["content"].widget, forms.Select
        ):
            self.phrase_target = "content"
        self.order_fields(["type", "key", "date", *self.value_keys, "photo"])

    def _field(self, spec: dict[str, Any]) -> forms.Field:
        label, ftype = spec.get("label", spec["key"]), spec.get("type")
        attrs: dict[str, Any] = {"required": True}
        widget: forms.Widget
        definition = self.program.definition
        choices: list[str] = []
        if ftype == "aid_category":
            choices = [str(c) for c in definition.get("aid_categories", [])]
        elif ftype == "measure":
            choices = [str(c) for c in definition.get("measure_types", [])]
        if choices:
            widget = forms.Select(attrs=attrs, choices=[("", "—"), *((c, c) for c in choices)])
        elif ftype == "textarea":
            widget = forms.Textarea(attrs={**attrs, "rows": 3})
        elif ftype == "amount":
            widget = forms.TextInput(attrs={**attrs, "inputmode": "decimal"})
        elif ftype == "count":
            widget = forms.NumberInput(attrs={**attrs, "inputmode": "numeric", "min": 0})
        elif ftype == "date":
            widget = forms.DateInput(attrs={**attrs, "type": "date"})
        else:
            widget = forms.TextInput(attrs=attrs)
        return forms.CharField(label=label, required=False, widget=widget, strip=True)

    @property
    def phrases(self) -> tuple[Any, ...]:
        if not self.phrase_target:
            return ()
        return PHRASES.get(str(self.kind.get("counts", "sessions")), PHRASES["sessions"])

    @property
    def value_fields(self) -> list[forms.BoundField]:
        return [self[key] for key in self.value_keys]

    def values(self) -> dict[str, Any]:
        return {key: self.cleaned_data.get(key, "") for key in self.value_keys}


def _form(
    pairing: Pairing,
    kind: dict[str, Any],
    today: datetime.date,
    data: Any = None,
    files: Any = None,
) -> VisitForm:
    return VisitForm(
        data,
        files,
        program=pairing.program,
        kind=kind,
        today=today,
        auto_id=f"p{pairing.pk}-%s",
        initial={"type": kind["code"], "date": today, "key": uuid.uuid4().hex},
    )


@dataclass
class Card:
    """One pairing on the phone's home page."""

    pairing: Pairing
    who: str
    due: list[Due]
    last: datetime.date | None
    form: VisitForm
    other_types: list[dict[str, Any]] = field(default_factory=list)


def _other_types(program: Program, kind: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        t for t in program.activity_types if isinstance(t, dict) and t.get("code") != kind["code"]
    ]


def _loggable(request: AuthedRequest, pk: Any) -> Pairing:
    """The pairing, when the user may see it and record for it; 404 otherwise (the answer for a
    pairing that does not exist)."""
    try:
        pairing = (
            pairing_list(user=request.user)
            .select_related("program__org", "helper__user")
            .get(pk=pk)
        )
    except (Pairing.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not may_log(request.user, pairing):
        raise Http404
    return pairing


# -- pages ------------------------------------------------------------------------------------


def _phone_context(request: AuthedRequest) -> dict[str, Any]:
    return {
        "sw_url": reverse("phone:sw"),
        "scope_url": reverse("phone:home"),
        "sync_url": reverse("phone:sync"),
        "today": timezone.localdate(),
    }


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """The helper's active pairings, what each owes now, and a form for each."""
    today = timezone.localdate()
    helper = getattr(request.user, "helper_profile", None)
    cards: list[Card] = []
    if helper is not None:
        pairings = list(
            pairing_list(user=request.user)
            .filter(helper=helper)
            .active_on(today)
            .select_related("program__org", "helper__user")
            .order_by("program__name", "start", "id")
        )
        last = dict(
            ActivityLink.objects.filter(pairing__in=pairings)
            .values("pairing")
            .annotate(last=Max("date"))
            .values_list("pairing", "last")
        )
        commons: dict[int, Any] = {}
        by_rule: dict[int, list[Due]] = {}
        programs = {p.program_id: p.program for p in pairings}
        for program in programs.values():
            mine = [p for p in pairings if p.program_id == program.pk]
            by_rule.update(rule_dues(program, mine, today))
        for pairing in pairings:
            if not may_log(request.user, pairing):
                continue
            program = pairing.program
            if program.pk not in commons:
                commons[program.pk] = common_plan(program)
            due = merge_dues(
                by_rule.get(pairing.pk, []), due_now(pairing, today, commons[program.pk])
            )
            kind = default_type(program, due)
            if kind is None:
                continue
            cards.append(
                Card(
                    pairing=pairing,
                    who=who(pairing),
                    due=due,
                    last=last.get(pairing.pk),
                    form=_form(pairing, kind, today),
                    other_types=_other_types(program, kind),
                )
            )
    return render(
        request,
        "activities/phone_home.html",
        {**_phone_context(request), "helper": helper, "cards": cards},
    )


@login_required
def log(request: AuthedRequest, pairing_id: int) -> HttpResponse:
    """The record form for one pairing; a plain POST records it (source 手机)."""
    pairing = _loggable(request, pairing_id)
    program = pairing.program
    today = timezone.localdate()
    asked = request.POST.get("type") if request.method == "POST" else request.GET.get("type")
    kind = activity_type(program, asked or "") if asked else None
    due = merge_dues(
        rule_dues(program, [pairing], today).get(pairing.pk, []), due_now(pairing, today)
    )
    kind = kind or default_type(program, due)
    if kind is None:
        raise Http404
    if request.method == "POST":
        form = _form(pairing, kind, today, request.POST, request.FILES)
        if form.is_valid():
            key = str(form.cleaned_data.get("key") or "")
            activity = None
            try:
                activity = activity_create(
                    actor=request.user,
                    program=program,
                    type=str(kind["code"]),
                    date=form.cleaned_data["date"],
                    pairings=[pairing],
                    values=form.values(),
                    client_key=key if KEY_RE.fullmatch(key) else None,
                    source=Source.PHONE,
                    today=today,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            if activity is not None:
                photo = form.cleaned_data.get("photo")
                if photo:
                    try:
                        photo_add(actor=request.user, activity=activity, upload=photo)
                    except (ValidationError, PermissionDenied) as exc:
                        messages.warning(request, _("照片未保存: %s") % _messages(exc)[0])
                messages.success(request, _("已保存: %s") % entry_text(activity, pairing))
                return redirect("phone:home")
    else:
        form = _form(pairing, kind, today)
    return render(
        request,
        "activities/phone_log.html",
        {
            **_phone_context(request),
            "card": Card(
                pairing=pairing,
                who=who(pairing),
                due=due,
                last=ActivityLink.objects.filter(pairing=pairing).aggregate(m=Max("date"))["m"],
                form=form,
                other_types=_other_types(program, kind),
            ),
        },
    )


# -- sync ---------------------------------------------------------------------------------------


def _messages(exc: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return [str(m) for ms in exc.message_dict.values() for m in ms]
        return [str(m) for m in exc.messages]
    return [str(exc) or _("无权记录")]


def _photo(data: Any) -> SimpleUploadedFile | None:
    if not isinstance(data, str) or not data or len(data) > MAX_PHOTO_CHARS:
        return None
    match = PHOTO_RE.fullmatch(data.strip())
    if match is None:
        return None
    try:
        raw = base64.b64decode(match.group(2), validate=True)
    except (binascii.Error, ValueError):
        return None
    return SimpleUploadedFile("photo.jpg", raw, content_type=match.group(1))


def sync_entry(request: AuthedRequest, entry: Any, today: datetime.date) -> dict[str, Any]:
    """Record one queued entry; the answer says synced, already, error or forbidden."""
    if not isinstance(entry, dict):
        return {"key": "", "status": "error", "errors": [_("同步数据格式无效")]}
    key = str(entry.get("key") or "")
    out: dict[str, Any] = {"key": key}
    if not KEY_RE.fullmatch(key):
        return {**out, "status": "error", "errors": [_("同步标识无效")]}
    refused = _("无权为该结对记录活动: 只能记录本人负责的结对")
    try:
        pairing = (
            pairing_list(user=request.user)
            .select_related("program__org", "helper__user")
            .filter(pk=int(entry.get("pairing") or 0))
            .first()
        )
    except (TypeError, ValueError):
        pairing = None
    if pairing is None:
        return {**out, "status": "forbidden", "errors": [refused]}
    try:
        date = datetime.date.fromisoformat(str(entry.get("date") or ""))
    except ValueError:
        return {**out, "status": "error", "errors": [_("“日期”应为年-月-日")]}
    values = entry.get("values")
    values = (
        {str(k): "" if v is None else str(v) for k, v in values.items()}
        if isinstance(values, dict)
        else {}
    )
    existed = Activity.objects.filter(client_key=key).exists()
    try:
        activity = activity_create(
            actor=request.user,
            program=pairing.program,
            type=str(entry.get("type") or ""),
            date=date,
            pairings=[pairing],
            values=values,
            client_key=key,
            source=Source.OFFLINE,
            today=today,
        )
    except PermissionDenied as exc:
        return {**out, "status": "forbidden", "errors": _messages(exc)}
    except ValidationError as exc:
        return {**out, "status": "error", "errors": _messages(exc)}
    if existed:
        return {
            **out,
            "status": "already",
            "activity": activity.pk,
            "text": entry_text(activity, pairing),
        }
    out.update(status="synced", activity=activity.pk, text=entry_text(activity, pairing))
    upload = _photo(entry.get("photo"))
    if upload is not None:
        try:
            photo_add(actor=request.user, activity=activity, upload=upload)
        except (ValidationError, PermissionDenied) as exc:
            out["warning"] = _("照片未保存: %s") % _messages(exc)[0]
    elif entry.get("photo"):
        out["warning"] = _("照片未保存: 不是可识别的图片")
    return out


@require_POST
def sync(request: HttpRequest) -> JsonResponse:
    """Record the entries a phone queued: ``{"entries": [{key, pairing, type, date, values,
    photo?}, …]}`` → ``{"results": [{key, status, activity?, text?, errors?}, …]}``."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("登录已过期, 请重新登录后同步")}, status=401)
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        payload = None
    entries = payload.get("entries") if isinstance(payload, dict) else None
    if not isinstance(entries, list):
        return JsonResponse({"error": _("同步数据格式无效")}, status=400)
    if len(entries) > MAX_ENTRIES:
        return JsonResponse({"error": _("一次最多同步 %s 条") % MAX_ENTRIES}, status=400)
    today = timezone.localdate()
    authed: AuthedRequest = request  # type: ignore[assignment]
    return JsonResponse({"results": [sync_entry(authed, e, today) for e in entries]})


# -- the service worker ---------------------------------------------------------------------


def _phone_js() -> str:
    found = finders.find("bangfu/phone.js")
    if isinstance(found, str):
        return Path(found).read_text(encoding="utf-8")
    with staticfiles_storage.open("bangfu/phone.js") as handle:
        return handle.read().decode("utf-8")


def service_worker(request: HttpRequest) -> HttpResponse:
    """phone.js in its worker role, with what it keeps: served from /m/ so that its scope is
    /m/. Public (no personal data), and never cached by the browser, so that an update of the
    static files reaches phones."""
    config = {
        "home": reverse("phone:home"),
        "files": [static(name) for name in SHELL_FILES],
        "offline": _("无网络, 本机也没有保存过此页面。请联网后打开一次本页。"),
    }
    source = _phone_js()
    head = json.dumps(config, ensure_ascii=False)
    config["version"] = hashlib.sha256((head + source).encode()).hexdigest()[:12]
    body = f"self.BANGFU_SW = {json.dumps(config, ensure_ascii=False)};\n{source}"
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
