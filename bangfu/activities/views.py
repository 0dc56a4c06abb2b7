"""Activity pages: the diary (list with filters, figures and exports to Excel and Word), recording
an activity with its type's own fields, one activity with its photos, timelines per beneficiary,
helper and unit, and life events with the visits that answered them."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bangfu.accounts.scope import scope_of
from bangfu.activities import diary, services
from bangfu.activities.filters import ActivityFilter, EventFilter
from bangfu.activities.forms import ActivityForm, DeleteForm, EventForm, PhotoForm
from bangfu.activities.models import ActivityPhoto, LifeEvent
from bangfu.activities.selectors import (
    activity_get,
    activity_list,
    event_get,
    event_list,
    figures,
    summary_sentence,
    timeline,
)
from bangfu.audit.models import Action
from bangfu.audit.services import audit_record
from bangfu.core.forms import call_service
from bangfu.core.http import AuthedRequest
from bangfu.core.idnumber import normalise_id_number
from bangfu.orgs.selectors import org_get, org_list
from bangfu.pairings.models import Pairing
from bangfu.pairings.selectors import pairing_get, pairing_list, program_get, program_list
from bangfu.programs.models import Program
from bangfu.registry.selectors import (
    helper_get,
    household_get,
    household_list,
    person_get,
    person_list,
)


def _reader(request: AuthedRequest) -> None:
    scope = scope_of(request.user)
    if not (scope.is_sysadmin or scope.read_paths or scope.helper_org_ids):
        raise Http404


def _may_log_any(request: AuthedRequest, activity: Any) -> bool:
    return any(services.may_log(request.user, link.pairing) for link in activity.links.all())


def _filtered(request: AuthedRequest) -> ActivityFilter:
    return ActivityFilter(
        request.GET or None,
        queryset=activity_list(user=request.user),
        programs=program_list(user=request.user),
        orgs=org_list(user=request.user),
    )


@login_required
def activity_list_view(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    f = _filtered(request)
    qs = f.qs.prefetch_related(
        "links__pairing__household__head",
        "links__pairing__person",
        "links__pairing__beneficiary_org",
        "items",
    )
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "activities/activity_list.html",
        {
            "filter": f,
            "page_obj": page,
            "figures": figures(f.qs),
            "sentence": summary_sentence(f.qs),
            "query": query.urlencode(),
            "loggable": _loggable_programs(request),
        },
    )


def _loggable_programs(request: AuthedRequest) -> list[Program]:
    """Programs where the user may record: those they administer, and those with active
    pairings of their own or in units they administer (one query)."""
    scope = scope_of(request.user)
    active = Pairing.objects.filter(end__isnull=True).filter(
        Q(helper__user=request.user) | scope.admin_q("org__path")
    )
    return list(
        program_list(user=request.user)
        .filter(is_active=True)
        .filter(scope.admin_q("org__path") | Q(pk__in=active.values("program_id")))
    )


def _pairing_choices(
    request: AuthedRequest, program: Program, day: datetime.date
) -> list[tuple[int, str]]:
    qs = pairing_list(user=request.user).filter(program=program).active_on(day)
    rows = []
    for pairing in qs[:1000]:
        if services.may_log(request.user, pairing):
            rows.append((pairing.pk, f"{pairing.beneficiary_name} ← {pairing.helper_name}"))
    return rows


def _kind(program: Program, name: str | None) -> dict[str, Any]:
    kind = services.activity_type(program, name or "")
    if kind is None:
        if not program.activity_types:
            raise Http404
        kind = program.activity_types[0]
    return kind


@login_required
def activity_new(request: AuthedRequest) -> HttpResponse:
    """Record an activity: pick the program (once), the type (its fields follow), the
    beneficiaries it served, and fill in what was done."""
    _reader(request)
    data = request.POST if request.method == "POST" else request.GET
    if not data.get("program"):
        programs = _loggable_programs(request)
        if len(programs) == 1:
            return redirect(f"{reverse('activities:activity_new')}?program={programs[0].pk}")
        return render(request, "activities/pick_program.html", {"programs": programs})
    program = program_get(user=request.user, pk=data["program"])
    kind = _kind(program, data.get("type"))
    day = timezone.localdate()
    try:
        chosen_day = datetime.date.fromisoformat(data.get("date") or "")
    except ValueError:
        chosen_day = day
    choices = _pairing_choices(request, program, chosen_day)
    if not choices and request.method != "POST":
        messages.info(request, _("您在该项目中没有可记录活动的结对"))
    picked = [p for p in data.getlist("pairings") if p] or (
        [data["pairing"]] if data.get("pairing") else []
    )
    picked_pairings = [pairing_get(user=request.user, pk=pk) for pk in picked if str(pk).isdigit()]
    events = services.open_events(picked_pairings, chosen_day) if picked_pairings else []
    if request.method == "POST" and not request.POST.get("reload"):
        form = ActivityForm(
            request.POST,
            request.FILES,
            program=program,
            kind=kind,
            pairings=choices,
            events=events,
        )
        if form.is_valid():
            chosen = [pairing_get(user=request.user, pk=pk) for pk in form.cleaned_data["pairings"]]
            chosen_events = None
            if "events" in form.fields:
                chosen_events = [e for e in events if str(e.pk) in form.cleaned_data["events"]]

            def record() -> Any:
                with transaction.atomic():
                    activity = services.activity_create(
                        actor=request.user,
                        program=program,
                        type=form.cleaned_data["type"],
                        date=form.cleaned_data["date"],
                        pairings=chosen,
                        values=form.values(),
                        items=form.items(),
                        events=chosen_events,
                    )
                    for upload in form.cleaned_data.get("photos") or []:
                        try:
                            services.photo_add(actor=request.user, activity=activity, upload=upload)
                        except ValidationError as exc:
                            raise ValidationError({"photos": exc.messages}) from None
                    return activity

            activity = call_service(form, record)
            if activity is not None:
                messages.success(request, _("已记录: %s") % activity)
                if request.POST.get("again"):
                    return redirect(
                        f"{reverse('activities:activity_new')}?program={program.pk}"
                        f"&type={activity.type}"
                    )
                return redirect("activities:activity_detail", pk=activity.pk)
    else:
        initial = {"type": kind["code"], "pairings": [str(p.pk) for p in picked_pairings]}
        if request.method == "POST":  # the type or the date changed: keep what was typed
            form = ActivityForm(
                request.POST, program=program, kind=kind, pairings=choices, events=events
            )
            form.errors.clear()
        else:
            form = ActivityForm(
                initial=initial, program=program, kind=kind, pairings=choices, events=events
            )
            if data.get("date"):
                form.initial["date"] = chosen_day
        if events:
            form.initial["events"] = [str(e.pk) for e in events if not e.answered_by.exists()]
    return render(
        request,
        "activities/activity_form.html",
        {"form": form, "program": program, "kind": kind},
    )


@login_required
def activity_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = activity_get(user=request.user, pk=pk)
    links = activity.links.select_related(
        "pairing__household__head",
        "pairing__person",
        "pairing__beneficiary_org",
        "pairing__helper__person",
        "pairing__helper_org",
        "pairing__program",
        "pairing__org",
    )
    can_edit = _may_log_any(request, activity)
    kind = services.activity_type(activity.program, activity.type) or {}
    labels = {f["key"]: f.get("label", f["key"]) for f in services.type_fields(kind)}
    details = [(labels.get(k, k), v) for k, v in (activity.details or {}).items()]
    return render(
        request,
        "activities/activity_detail.html",
        {
            "activity": activity,
            "links": links,
            "details": details,
            "labels": labels,
            "photos": activity.photos.defer("image"),
            "entries": activity.ledger_entries.all(),
            "can_edit": can_edit,
            "photo_form": PhotoForm(),
            "delete_form": DeleteForm(),
        },
    )


@login_required
def activity_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = activity_get(user=request.user, pk=pk)
    if not _may_log_any(request, activity):
        raise Http404
    program = activity.program
    kind = services.activity_type(program, activity.type) or {"code": activity.type}
    initial: dict[str, Any] = {"date": activity.date}
    for key in ("theme", "content", "amount", "people", "households"):
        initial[f"f_{key}"] = getattr(activity, key)
    for key, value in (activity.details or {}).items():
        initial[f"f_{key}"] = value
    form = ActivityForm(
        request.POST or None,
        initial=initial,
        program=program,
        kind=kind,
        pairings=[],
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            lambda: services.activity_update(
                actor=request.user,
                activity=activity,
                date=form.cleaned_data["date"],
                values=form.values(),
            ),
        )
        if done is not None:
            messages.success(request, _("已保存"))
            return redirect("activities:activity_detail", pk=activity.pk)
    return render(
        request,
        "activities/activity_form.html",
        {"form": form, "program": program, "kind": kind, "activity": activity},
    )


@login_required
@require_POST
def activity_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = activity_get(user=request.user, pk=pk)
    if not _may_log_any(request, activity):
        raise Http404
    form = DeleteForm(request.POST)
    if form.is_valid():
        try:
            services.activity_delete(
                actor=request.user, activity=activity, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("activities:activity_detail", pk=pk)
        messages.success(request, _("已删除"))
        return redirect("activities:activity_list")
    messages.error(request, _("请填写删除原因"))
    return redirect("activities:activity_detail", pk=pk)


@login_required
@require_POST
def photo_add(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = activity_get(user=request.user, pk=pk)
    if not _may_log_any(request, activity):
        raise Http404
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择一张图片"))
    else:
        try:
            services.photo_add(
                actor=request.user, activity=activity, upload=form.cleaned_data["photo"]
            )
            messages.success(request, _("照片已上传"))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("activities:activity_detail", pk=pk)


def _photo(request: AuthedRequest, pk: int) -> ActivityPhoto:
    try:
        photo = ActivityPhoto.objects.get(pk=pk)
    except (ActivityPhoto.DoesNotExist, ValueError):
        raise Http404 from None
    activity_get(user=request.user, pk=photo.activity_id)  # 404 outside the user's scope
    return photo


@login_required
def photo_view(request: AuthedRequest, pk: int) -> HttpResponse:
    photo = _photo(request, pk)
    response = HttpResponse(bytes(photo.image), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def photo_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    photo = _photo(request, pk)
    activity_id = photo.activity_id
    try:
        services.photo_delete(actor=request.user, photo=photo)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("照片已删除"))
    return redirect("activities:activity_detail", pk=activity_id)


# -- timelines -------------------------------------------------------------------------------


@login_required
def activity_timeline(request: AuthedRequest) -> HttpResponse:
    """The activities of one beneficiary (household, person or unit), one helper, one pairing
    or one unit's subtree, by month."""
    _reader(request)
    qs = activity_list(user=request.user)
    user = request.user
    title = ""
    link: Any = None
    params = request.GET
    if params.get("household"):
        household = household_get(user=user, pk=params["household"])
        members = household.members.values("person_id")
        qs = qs.filter(pk__in=_links(household_id=household.pk) | _links(person_id__in=members))
        title = _("%s 的帮扶活动") % str(household)
        link = reverse("registry:household_detail", args=[household.pk])
    elif params.get("person"):
        person = person_get(user=user, pk=params["person"])
        qs = qs.filter(pk__in=_links(person_id=person.pk))
        title = _("%s 的帮扶活动") % person.name
        link = reverse("registry:person_detail", args=[person.pk])
    elif params.get("helper"):
        helper = helper_get(user=user, pk=params["helper"])
        qs = qs.filter(helper=helper)
        title = _("帮扶人 %s 的活动") % helper.person.name
    elif params.get("pairing"):
        pairing = pairing_get(user=user, pk=params["pairing"])
        qs = qs.filter(pk__in=_links(pairing_id=pairing.pk))
        title = _("结对 %s 的活动") % pairing
        link = reverse("pairings:pairing_detail", args=[pairing.pk])
    elif params.get("org"):
        try:
            org = org_get(user=user, pk=int(params["org"]))
        except ValueError:
            raise Http404 from None
        from bangfu.activities.selectors import in_subtree

        qs = in_subtree(qs, org)
        title = _("%s 的帮扶活动") % org.name
    else:
        raise Http404
    return render(
        request,
        "activities/timeline.html",
        {"title": title, "groups": timeline(qs), "figures": figures(qs), "back": link},
    )


def _links(**lookup: Any) -> Any:
    from bangfu.activities.models import ActivityLink

    return ActivityLink.objects.filter(**lookup).values("activity_id")


# -- exports ---------------------------------------------------------------------------------


def _export(request: AuthedRequest, fmt: str) -> HttpResponse:
    _reader(request)
    f = _filtered(request)
    qs = f.qs
    title = _("帮扶活动日记")
    if f.is_valid():
        start, end = f.form.cleaned_data.get("start"), f.form.cleaned_data.get("end")
        if start or end:
            title += f" ({start or ''} — {end or ''})"
    with transaction.atomic():
        if fmt == "xlsx":
            content, count = diary.write_xlsx(qs, title)
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            content, count = diary.write_docx(qs, title)
            content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        audit_record(
            actor=request.user,
            action=Action.EXPORT,
            org=request.user.org,
            object_type="activities",
            summary=_("导出帮扶活动日记 (%(fmt)s, %(n)s 条)") % {"fmt": fmt, "n": count},
        )
    stamp = timezone.localdate().strftime("%Y%m%d")
    response = HttpResponse(content, content_type=content_type)
    name = f"帮扶活动日记-{stamp}.{fmt}"
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def export_xlsx(request: AuthedRequest) -> HttpResponse:
    return _export(request, "xlsx")


@login_required
def export_docx(request: AuthedRequest) -> HttpResponse:
    return _export(request, "docx")


# -- life events -----------------------------------------------------------------------------


@login_required
def event_list_view(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    f = EventFilter(request.GET or None, queryset=event_list(user=request.user))
    qs = f.qs.prefetch_related("answered_by")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "activities/event_list.html", {"filter": f, "page_obj": page})


def _subject(request: AuthedRequest, text: str) -> dict[str, Any]:
    text = text.strip()
    household = household_list(user=request.user).filter(code=text).first()
    if household is not None:
        return {"household": household}
    person = person_list(user=request.user).filter(id_number=normalise_id_number(text)).first()
    if person is not None:
        return {"person": person}
    raise ValidationError({"subject": [_("找不到户编号或身份证号为“%s”的对象") % text]})


@login_required
def event_new(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    initial: dict[str, Any] = {"date": timezone.localdate()}
    if request.GET.get("household"):
        household = household_get(user=request.user, pk=request.GET["household"])
        initial["subject"] = household.code
    form = EventForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def register() -> LifeEvent:
            subject = _subject(request, data["subject"])
            return services.event_create(
                actor=request.user,
                kind=data["kind"],
                date=data["date"],
                note=data["note"],
                **subject,
            )

        event = call_service(form, register)
        if event is not None:
            messages.success(request, _("已登记: %s") % event)
            return redirect("activities:event_detail", pk=event.pk)
    return render(request, "activities/event_form.html", {"form": form})


@login_required
def event_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    event = event_get(user=request.user, pk=pk)
    answered = event.answered_by.select_related("program", "helper__person", "helper_org")
    # Visits on or after the event, to the event's household or person, not yet linked.
    households, persons = services.event_subjects_of(event)
    candidates = (
        activity_list(user=request.user)
        .filter(date__gte=event.date, date__lte=event.date + datetime.timedelta(days=30))
        .filter(pk__in=_links(household_id__in=households) | _links(person_id__in=persons))
        .exclude(pk__in=[a.pk for a in answered])
    )
    can_link = [a for a in candidates if _may_log_any(request, a)]
    pairings = Pairing.objects.filter(
        household_id__in=households, end__isnull=True
    ) | Pairing.objects.filter(person_id__in=persons, end__isnull=True)
    loggable = [
        p for p in pairings.select_related("program", "helper") if services.may_log(request.user, p)
    ]
    return render(
        request,
        "activities/event_detail.html",
        {
            "event": event,
            "answered": answered,
            "candidates": can_link,
            "loggable": loggable,
            "can_delete": scope_of(request.user).can_admin_org(event.org),
            "delete_form": DeleteForm(),
        },
    )


@login_required
@require_POST
def event_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    event = event_get(user=request.user, pk=pk)
    activity = activity_get(user=request.user, pk=request.POST.get("activity"))
    try:
        services.event_answer(actor=request.user, event=event, activity=activity)
        messages.success(request, _("已关联"))
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("activities:event_detail", pk=pk)


@login_required
@require_POST
def event_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    event = event_get(user=request.user, pk=pk)
    if not scope_of(request.user).can_admin_org(event.org):
        raise Http404
    form = DeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写删除原因"))
        return redirect("activities:event_detail", pk=pk)
    services.event_delete(actor=request.user, event=event, reason=form.cleaned_data["reason"])
    messages.success(request, _("已删除"))
    return redirect("activities:event_list")
