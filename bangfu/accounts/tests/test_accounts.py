"""Users, roles, scope, login throttling, personal data views."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from bangfu.accounts.models import RoleAssignment, User
from bangfu.accounts.scope import scope_of
from bangfu.accounts.selectors import user_list
from bangfu.accounts.services import role_assign, role_remove, user_create, user_update
from bangfu.accounts.tests.factories import PASSWORD
from bangfu.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_no_assignment_means_no_reach(world):
    nobody = User.objects.create(username="nobody", name="无角色", org=world.a)
    scope = scope_of(nobody)
    assert not scope.is_admin and not scope.read_paths and not scope.helper_org_ids
    assert list(user_list(user=nobody)) == [nobody]


def test_scopes_of_the_personas(world):
    assert scope_of(world.admin).is_sysadmin
    unit = scope_of(world.unit_admin)
    assert unit.admin_paths == (world.a.path,) and unit.can_admin_org(world.a1v)
    assert not unit.can_admin_org(world.b)
    inspector = scope_of(world.inspector)
    assert inspector.can_read_org(world.a1v) and not inspector.can_admin_org(world.a1v)
    helper = scope_of(world.helper)
    assert helper.helper_org_ids == (world.a1v.pk,) and not helper.read_paths


def test_users_visible_by_subtree(world):
    names = lambda u: set(user_list(user=u).values_list("username", flat=True))  # noqa: E731
    assert names(world.unit_admin) == {"admin", "unitadmin", "helper", "inspector"}
    assert names(world.outsider) == {"outsider"}
    assert names(world.helper) == {"helper"}


def test_create_user_with_role_is_one_transaction(world):
    with pytest.raises(PermissionDenied):
        # The role is refused (B is outside the subtree) after the user row was written …
        user_create(
            actor=world.unit_admin,
            username="newbie",
            name="新人",
            org=world.a1,
            password="Long-enough-1",
            role="sysadmin",
        )
    # … and the user row went with it.
    assert not User.objects.filter(username="newbie").exists()
    user = user_create(
        actor=world.unit_admin,
        username="newbie",
        name="新人",
        org=world.a1,
        password="Long-enough-1",
        role="helper",
        phone="13800001234",
    )
    assert user.assignments.get().role == "helper"
    assert user.must_change_password
    actions = set(
        AuditEvent.objects.filter(actor=world.unit_admin).values_list("object_type", "action")
    )
    assert {("accounts.user", "create"), ("accounts.roleassignment", "create")} <= actions


@pytest.mark.parametrize(
    ("field", "kwargs", "message"),
    [
        ("username", {"username": "张三"}, "账号只能由字母"),
        ("username", {"username": "HELPER"}, "已存在"),
        ("name", {"name": " "}, "姓名不能为空"),
        ("phone", {"phone": "1381234"}, "11 位手机号码"),
        ("password", {"password": "12345678901"}, "密码"),
    ],
)
def test_user_validation_in_chinese(world, field, kwargs, message):
    data = {"username": "someone", "name": "某人", "org": world.a1, "password": "Long-enough-1"}
    data.update(kwargs)
    with pytest.raises(ValidationError) as exc:
        user_create(actor=world.admin, **data)
    assert field in exc.value.message_dict
    assert any(message in m for m in exc.value.message_dict[field])


def test_unit_admin_cannot_grant_or_touch_sysadmin(world):
    with pytest.raises(PermissionDenied):
        role_assign(actor=world.unit_admin, user=world.helper, org=world.a, role="sysadmin")
    with pytest.raises(PermissionDenied):
        user_update(actor=world.unit_admin, user=world.admin, name="改名", org=world.a)
    with pytest.raises(PermissionDenied):
        role_assign(actor=world.outsider, user=world.helper, org=world.b, role="helper")


def test_last_sysadmin_cannot_be_removed(world):
    with pytest.raises(ValidationError, match="最后一个系统管理员"):
        role_remove(actor=world.admin, assignment=world.admin.assignments.get())


def test_role_change_takes_effect_in_the_same_request(world):
    assert not scope_of(world.helper).read_paths
    role_assign(actor=world.unit_admin, user=world.helper, org=world.a1, role="inspector")
    assert scope_of(world.helper).read_paths == (world.a1.path,)


def test_login_page_is_chinese_and_login_is_audited(world, client):
    page = client.get(reverse("accounts:login"))
    html = page.content.decode()
    assert "结对帮扶管理平台" in html and "账号" in html and "密码" in html
    assert page.headers["Content-Language"] == "zh-hans"
    response = client.post(reverse("accounts:login"), {"username": "helper", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("core:dashboard")
    assert AuditEvent.objects.filter(actor=world.helper, action="login").exists()


def test_login_throttled_after_repeated_failures(world, client, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        page = client.post(reverse("accounts:login"), {"username": "helper", "password": "x"})
        assert "账号或密码错误" in page.content.decode()
    # Even the right password is refused now, with the reason.
    page = client.post(reverse("accounts:login"), {"username": "helper", "password": PASSWORD})
    assert page.status_code == 200
    assert "登录失败次数过多" in page.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login_failed", actor_username="helper").count() == 3
    # Another account from another address is not affected.
    other = client.post(
        reverse("accounts:login"),
        {"username": "inspector", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.9",
    )
    assert other.status_code == 302


def test_throttle_window_passes(world, client, settings):
    import datetime

    from bangfu.accounts.models import LoginFailure

    settings.LOGIN_MAX_FAILURES = 2
    for _ in range(2):
        client.post(reverse("accounts:login"), {"username": "helper", "password": "x"})
    LoginFailure.objects.update(at=LoginFailure.objects.first().at - datetime.timedelta(hours=1))
    ok = client.post(reverse("accounts:login"), {"username": "helper", "password": PASSWORD})
    assert ok.status_code == 302


def test_password_set_by_admin_must_be_changed(world, client):
    user = user_create(
        actor=world.admin,
        username="fresh",
        name="新用户",
        org=world.a1,
        password="Initial-pass-1",
        role="helper",
    )
    client.force_login(user)
    assert client.get(reverse("core:dashboard"))["Location"] == reverse("accounts:password")
    page = client.post(
        reverse("accounts:password"),
        {
            "old_password": "Initial-pass-1",
            "password": "My-own-pass-22",
            "password2": "My-own-pass-22",
        },
    )
    assert page.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password("My-own-pass-22")
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_user_detail_masks_phone_and_audits_the_view(world, client):
    client.force_login(world.inspector)
    page = client.get(reverse("accounts:user_detail", args=[world.helper.pk]))
    html = page.content.decode()
    assert "139****1111" in html and "13900001111" not in html
    reveal_url = reverse("accounts:user_reveal", args=[world.helper.pk])
    assert reveal_url not in html  # the inspector holds no reveal permission
    event = AuditEvent.objects.get(action="view", object_id=str(world.helper.pk))
    assert event.actor == world.inspector


def test_reveal_shows_full_number_and_is_audited(world, client):
    client.force_login(world.unit_admin)
    page = client.get(reverse("accounts:user_detail", args=[world.helper.pk]))
    assert reverse("accounts:user_reveal", args=[world.helper.pk]) in page.content.decode()
    revealed = client.post(reverse("accounts:user_reveal", args=[world.helper.pk]))
    assert "13900001111" in revealed.content.decode()
    assert (
        AuditEvent.objects.filter(
            action="reveal", actor=world.unit_admin, object_id=str(world.helper.pk)
        ).count()
        == 1
    )
    client.force_login(world.inspector)
    assert client.post(reverse("accounts:user_reveal", args=[world.helper.pk])).status_code == 404


def test_create_user_in_the_browser_form(world, client):
    client.force_login(world.unit_admin)
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "teacher1",
            "name": "黄老师",
            "org": world.a1v.pk,
            "phone": "13811112222",
            "email": "",
            "password": "Stable-horse-42",
            "role": "helper",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="teacher1")
    assert RoleAssignment.objects.get(user=user).org == world.a1v
    # An org outside the subtree is not even offered.
    bad = client.post(
        reverse("accounts:user_create"),
        {
            "username": "teacher2",
            "name": "x",
            "org": world.b.pk,
            "password": "Stable-horse-42",
            "role": "helper",
        },
    )
    assert bad.status_code == 200 and "选择一个有效的选项" in bad.content.decode()
    assert not User.objects.filter(username="teacher2").exists()
