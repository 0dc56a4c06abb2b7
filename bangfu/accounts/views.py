"""Login, the user's own settings, and the administration of users and their roles."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bangfu.accounts import services
from bangfu.accounts.filters import UserFilter
from bangfu.accounts.forms import (
    LoginForm,
    NewUserForm,
    OwnPasswordForm,
    PasswordForm,
    RoleForm,
    UserForm,
)
from bangfu.accounts.models import Role, User
from bangfu.accounts.scope import scope_of
from bangfu.accounts.selectors import (
    assignment_get,
    assignment_list,
    user_admin_list,
    user_get,
    user_list,
)
from bangfu.audit.models import Action
from bangfu.audit.services import audit_personal_view
from bangfu.core.forms import apply_errors, call_service
from bangfu.core.http import AuthedRequest
from bangfu.core.masking import mask_phone
from bangfu.orgs.selectors import org_admin_list, org_list


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


logout_view = auth_views.LogoutView.as_view()


def _roles_for(actor: User) -> list[tuple[str, str]]:
    scope = scope_of(actor)
    return [(v, str(label)) for v, label in Role.choices if v != Role.SYSADMIN or scope.is_sysadmin]


def _require_user_reader(request: AuthedRequest) -> None:
    scope = scope_of(request.user)
    if not (scope.is_sysadmin or scope.read_paths):
        raise Http404


def _can_manage(actor: User, target: User) -> bool:
    return user_admin_list(user=actor).filter(pk=target.pk).exists()


@login_required
def user_list_view(request: AuthedRequest) -> HttpResponse:
    _require_user_reader(request)
    filterset = UserFilter(
        request.GET or None,
        queryset=user_list(user=request.user).order_by("org__path", "username"),
        orgs=org_list(user=request.user).order_by("path"),
    )
    qs = filterset.qs if filterset.is_bound else filterset.queryset
    page = Paginator(qs.prefetch_related("assignments__org"), 30).get_page(request.GET.get("page"))
    context = {"filter": filterset, "page_obj": page}
    if request.htmx:
        return render(request, "accounts/user_list.html#results", context)
    return render(request, "accounts/user_list.html", context)


@login_required
def user_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_user_reader(request)
    target = user_get(user=request.user, pk=pk)
    scope = scope_of(request.user)
    # The account holds personal data (name, phone): every view of it is recorded.
    audit_personal_view(actor=request.user, obj=target, summary=_("查看用户 %s") % target)
    context = {
        "target": target,
        "assignments": assignment_list(user=request.user, of=target),
        "can_manage": _can_manage(request.user, target),
        "can_reveal": bool(target.phone) and scope.can_reveal_in(target.org),
    }
    return render(request, "accounts/user_detail.html", context)


@login_required
@require_POST
def user_reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    """Show one user's full phone number to a permitted reader, and record that it was shown."""
    target = user_get(user=request.user, pk=pk)
    if not target.phone or not scope_of(request.user).can_reveal_in(target.org):
        raise Http404
    audit_personal_view(
        actor=request.user,
        obj=target,
        action=Action.REVEAL,
        summary=_("查看 %s 的完整手机号") % target,
    )
    return render(request, "accounts/user_detail.html#phone", {"target": target, "revealed": True})


@login_required
def user_create(request: AuthedRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not scope.can_manage_users:
        raise Http404
    orgs = org_admin_list(user=request.user).order_by("path")
    initial = {}
    if request.GET.get("org"):
        initial["org"] = request.GET["org"]
    form = NewUserForm(
        request.POST or None, orgs=orgs, roles=_roles_for(request.user), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = call_service(
            form,
            lambda: services.user_create(
                actor=request.user,
                username=data["username"],
                name=data["name"],
                org=data["org"],
                password=data["password"],
                phone=data["phone"],
                email=data["email"],
                role=data["role"],
                can_reveal=data["can_reveal"],
            ),
        )
        if user is not None:
            messages.success(request, _("已新增用户 %s") % user)
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "target": None})


@login_required
def user_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    target = user_get(user=request.user, pk=pk)
    if not _can_manage(request.user, target):
        raise Http404
    orgs = org_admin_list(user=request.user).order_by("path")
    initial = {
        "username": target.username,
        "name": target.name,
        "org": target.org_id,
        "phone": target.phone,
        "email": target.email,
        "is_active": target.is_active,
    }
    form = UserForm(request.POST or None, orgs=orgs, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = call_service(
            form,
            lambda: services.user_update(
                actor=request.user,
                user=target,
                name=data["name"],
                org=data["org"],
                phone=data["phone"],
                email=data["email"],
                is_active=data["is_active"],
            ),
        )
        if done is not None:
            messages.success(request, _("已保存用户 %s") % target)
            return redirect("accounts:user_detail", pk=target.pk)
    return render(request, "accounts/user_form.html", {"form": form, "target": target})


@login_required
def user_password(request: AuthedRequest, pk: int) -> HttpResponse:
    """An administrator sets a new password; the user must change it at next login."""
    target = user_get(user=request.user, pk=pk)
    if not _can_manage(request.user, target) or target.pk == request.user.pk:
        raise Http404
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(
                actor=request.user, user=target, password=form.cleaned_data["password"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已重置 %s 的密码, 用户下次登录须修改") % target)
            return redirect("accounts:user_detail", pk=target.pk)
    return render(request, "accounts/password.html", {"form": form, "target": target})


@login_required
def role_add(request: AuthedRequest, pk: int) -> HttpResponse:
    target = user_get(user=request.user, pk=pk)
    if not _can_manage(request.user, target):
        raise Http404
    form = RoleForm(
        request.POST or None,
        orgs=org_admin_list(user=request.user).order_by("path"),
        roles=_roles_for(request.user),
        initial={"org": target.org_id},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = call_service(
            form,
            lambda: services.role_assign(
                actor=request.user,
                user=target,
                org=data["org"],
                role=data["role"],
                can_reveal=data["can_reveal"],
            ),
        )
        if done is not None:
            messages.success(request, _("已分配角色"))
            return redirect("accounts:user_detail", pk=target.pk)
    return render(request, "accounts/role_form.html", {"form": form, "target": target})


@login_required
@require_POST
def role_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment = assignment_get(user=request.user, pk=pk)
    if not _can_manage(request.user, assignment.user):
        raise Http404
    try:
        services.role_remove(actor=request.user, assignment=assignment)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("已撤销角色"))
    return redirect("accounts:user_detail", pk=assignment.user_id)


@login_required
def profile(request: AuthedRequest) -> HttpResponse:
    user = request.user
    context = {
        "assignments": assignment_list(user=user, of=user),
        "phone_masked": mask_phone(user.phone),
    }
    return render(request, "accounts/profile.html", context)


@login_required
def own_password(request: AuthedRequest) -> HttpResponse:
    form = OwnPasswordForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(
                actor=request.user,
                user=request.user,
                password=form.cleaned_data["password"],
                must_change=False,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改"))
            return redirect("core:dashboard")
    return render(request, "accounts/password.html", {"form": form, "target": None})
