"""The registry of reports: KIND → (title, one-line description, builder). The pages, the
writers and ``bangfu report KIND`` all go through :func:`build`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from bangfu.reports.base import Params, Report
from bangfu.reports.kinds import activities, compliance, qiqing, status, villages

if TYPE_CHECKING:
    from bangfu.accounts.models import User


@dataclass(frozen=True)
class Kind:
    name: str
    title: Any  # a lazy translation
    description: Any
    builder: Callable[..., Report]


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "status",
            _("动态管理"),
            _("登记、新识别、帮扶中、拟脱贫、脱贫、返贫、剔除、未脱贫的户数和人数, 及期间变动"),
            status.build,
        ),
        Kind(
            "qiqing",
            _("七清"),
            _("人数、致困原因、困难程度、子女待业、子女入学、家庭成员、帮扶工作"),
            qiqing.build,
        ),
        Kind(
            "activities",
            _("帮扶活动统计"),
            _("按活动类型、帮扶类别、项目、单位、月份的次数、户次、人次、金额、图书, 及同比"),
            activities.build,
        ),
        Kind(
            "villages",
            _("村级发展成效"),
            _("帮扶单位对象的年度指标及比上年增长"),
            villages.build,
        ),
        Kind(
            "compliance",
            _("合规与覆盖"),
            _("按单位、帮扶责任人、规则的达标率, 覆盖率, 表扬与督促名单"),
            compliance.build,
        ),
    )
}
FORMATS = ("xlsx", "pdf", "docx")


def build(kind: str, *, user: User, params: Params) -> Report:
    return KINDS[kind].builder(user=user, params=params)
