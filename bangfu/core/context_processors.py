"""The sidebar menu, built from what the user may do (an item they cannot use is not shown)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.compliance.selectors import has_tasks
from bangfu.notifications.services import unread_count


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_of(user)
    path = request.path

    def item(label: str, url_name: str, icon: str, prefix: str | None = None) -> dict:
        url = reverse(url_name)
        active = path == url if prefix is None else path.startswith(prefix)
        return {"label": label, "url": url, "icon": icon, "active": active}

    home = [item(_("工作台"), "core:dashboard", "⌂")]
    if has_tasks(user):
        home.append(item(_("我的待办"), "compliance:my_tasks", "☑", "/compliance/tasks/"))
    groups = [{"title": "", "items": home}]
    if scope.is_sysadmin or scope.read_paths:
        groups.append(
            {
                "title": _("帮扶对象"),
                "items": [
                    item(_("户档案"), "registry:household_list", "⌂", "/registry/households/"),
                    item(_("人员"), "registry:person_list", "☺", "/registry/persons/"),
                    item(_("帮扶责任人"), "registry:helper_list", "♥", "/registry/helpers/"),
                    item(_("帮扶单位对象"), "registry:unit_list", "▣", "/registry/units/"),
                    item(_("动态管理"), "registry:status_report", "↻", "/registry/status/"),
                    item(_("公示公告"), "publicity:notice_list", "☰", "/publicity/"),
                    item(_("退出与回头看"), "workflows:case_list", "⇲", "/workflows/"),
                    item(_("统计报表"), "reports:index", "▥", "/reports/"),
                    item(_("数据看板"), "reports:dashboard", "◔", "/reports/dashboard/"),
                    item(_("工作总结"), "documents:summary", "✎", "/documents/"),
                    item(_("考核评比"), "assessment:scheme_list", "✪", "/assessment/"),
                    item(_("一人多户"), "registry:duplicates", "⚠", "/registry/duplicates/"),
                    item(_("数据质量"), "registry:quality", "✓", "/registry/quality/"),
                    item(_("收入标准线"), "registry:income_lines", "≡", "/registry/income-lines/"),
                    item(_("导入与导出"), "transfer:index", "⇅", "/transfer/"),
                ],
            }
        )
    if scope.is_sysadmin or scope.read_paths or scope.helper_org_ids:
        work = [
            item(_("帮扶项目"), "programs:program_list", "★", "/programs/"),
            item(_("结对名单"), "pairings:pairing_list", "⇄", "/pairings/"),
        ]
        if scope.is_sysadmin or scope.read_paths:
            work.append(item(_("覆盖情况"), "pairings:coverage", "◎", "/pairings/coverage/"))
            work.append(item(_("合规看板"), "compliance:board", "▤"))
        work.append(
            item(_("承诺书未签订"), "pairings:commitments_unsigned", "✎", "/pairings/commitments/")
        )
        groups.append({"title": _("结对帮扶"), "items": work})
        doing = [
            item(_("活动日记"), "activities:activity_list", "✍", "/activities/"),
            item(_("生活事件"), "activities:event_list", "✚", "/activities/events/"),
            item(_("专项台帐"), "ledger:entry_list", "¥", "/ledger/"),
            item(_("手机记录"), "phone:home", "☎", "/m/"),
        ]
        if getattr(user, "helper_profile", None) is not None:
            # Teachers record their students' grades (进步档案) for the 考核.
            doing.append(item(_("进步档案"), "assessment:progress", "↗", "/assessment/progress/"))
        groups.append({"title": _("帮扶活动"), "items": doing})
    manage = []
    if scope.is_sysadmin or scope.read_paths:
        manage.append(item(_("组织机构"), "orgs:tree", "▦", "/orgs/"))
        manage.append(item(_("用户与角色"), "accounts:user_list", "☺", "/accounts/users/"))
    if scope.can_read_audit:
        manage.append(item(_("审计日志"), "audit:list", "☷", "/audit/"))
    if manage:
        groups.append({"title": _("系统管理"), "items": manage})
    personal = [item(_("个人设置"), "accounts:profile", "⚙", "/accounts/me/")]
    unread = unread_count(user)
    label = _("消息") + (f" ({unread})" if unread else "")
    personal.insert(0, item(label, "notifications:inbox", "✉", "/notifications/"))
    groups.append({"title": _("个人"), "items": personal})
    return {"nav": groups, "scope": scope}
