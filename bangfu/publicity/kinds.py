"""The kinds of list a notice can be, each with how its decisions are applied at the close.

A kind is registered once (:func:`register_kind`) with its label, whether it is about money,
the wording offered by default, which statuses it takes a household from and to, and its
*applier*: the function that carries one line's decision into the records when the notice is
finalised. Later releases (workflows, 考核) add their own kinds the same way::

    register_kind(NoticeKind(key="award", label="拟表彰名单", applier=apply_award, ...))

An applier is called inside :func:`bangfu.publicity.services.notice_finalise`'s transaction as
``applier(actor=..., notice=..., item=..., day=..., approver=...)`` and returns a short JSON-safe
record of what it did (kept in the archive); raising ``ValidationError`` undoes the whole close.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bangfu.registry.choices import Status

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from bangfu.accounts.models import User
    from bangfu.publicity.models import Notice, NoticeItem


class Applier(Protocol):
    def __call__(
        self,
        *,
        actor: User,
        notice: Notice,
        item: NoticeItem,
        day: datetime.date,
        approver: str,
    ) -> dict[str, Any]: ...


@dataclass(frozen=True)
class NoticeKind:
    key: str
    label: str | _StrPromise
    applier: Applier
    # Lists about money show the category and amount of each line.
    money: bool = False
    # For status lists: current status → status after the close ("" is no status yet).
    moves: dict[str, str] = field(default_factory=dict)
    conditions: str | _StrPromise = ""
    procedure: str | _StrPromise = ""
    # The selection the create page offers: "households" or "entries".
    source: str = "households"


KINDS: dict[str, NoticeKind] = {}


def register_kind(kind: NoticeKind) -> NoticeKind:
    KINDS[kind.key] = kind
    return kind


def get_kind(key: str, *, missing_ok: bool = False) -> NoticeKind | None:
    kind = KINDS.get(key)
    if kind is None and not missing_ok:
        raise ValidationError({"kind": [_("未知的公示类型 %s") % key]})
    return kind


def kind_label(key: str) -> str:
    kind = KINDS.get(key)
    return str(kind.label) if kind else key


def kind_choices() -> list[tuple[str, str]]:
    return [(k.key, str(k.label)) for k in KINDS.values()]


# -- the built-in appliers -------------------------------------------------------------------


def apply_status(
    *,
    actor: User,
    notice: Notice,
    item: NoticeItem,
    day: datetime.date,
    approver: str,
) -> dict[str, Any]:
    """Move the line's household to ``decision["status"]`` through the registry's service
    (which checks the move is allowed and audits it)."""
    from bangfu.registry.services import status_change

    if item.household is None:
        raise ValidationError(_("第 %d 行没有对应的户") % item.position)
    target = str(item.decision.get("status") or "")
    change = status_change(
        actor=actor,
        household=item.household,
        status=target,
        date=day,
        reason=_("经公示无异议: %s") % notice.title,
        decided_by=approver or notice.org.name,
    )
    return {"status": target, "status_change": change.pk}


def apply_aid(
    *,
    actor: User,
    notice: Notice,
    item: NoticeItem,
    day: datetime.date,
    approver: str,
) -> dict[str, Any]:
    """Post the line's draft ledger entries (``decision["entries"]``) with the approver."""
    from bangfu.ledger.models import LedgerEntry
    from bangfu.ledger.services import entry_post

    ids = [int(i) for i in item.decision.get("entries") or []]
    entries = list(LedgerEntry.objects.filter(pk__in=ids).order_by("pk"))
    if len(entries) != len(ids):
        raise ValidationError(
            _("第 %(n)d 行“%(name)s”的台帐记录已不存在")
            % {"n": item.position, "name": item.display_name}
        )
    entry_post(actor=actor, entries=entries, approver=approver)
    return {"entries": [e.number for e in entries]}


LIVE = [s for s in Status.values if s != Status.REMOVED]

register_kind(
    NoticeKind(
        key="assist",
        label=gettext_lazy("拟帮扶名单"),
        applier=apply_status,
        moves={Status.IDENTIFIED: Status.ASSISTING, Status.RETURNED: Status.ASSISTING},
        conditions=gettext_lazy(
            "经农户申请、村民代表大会评议, 以下农户符合帮扶对象识别标准, 拟纳入帮扶。"
        ),
        procedure=gettext_lazy(
            "农户申请 → 村民代表大会民主评议 → 村两委审核并公示 → 乡镇审核 → 县级审定公告。"
        ),
    )
)
register_kind(
    NoticeKind(
        key="exit",
        label=gettext_lazy("拟脱贫名单"),
        applier=apply_status,
        moves={Status.PROPOSED_EXIT: Status.EXITED, Status.RELIEVED: Status.OUT_OF_DIFFICULTY},
        conditions=gettext_lazy(
            "以下农户人均纯收入稳定超过当年标准线, 实现“两不愁三保障”, 经民主评议拟退出。"
        ),
        procedure=gettext_lazy(
            "村民主评议 → 村两委和驻村工作队核实 → 拟退出户签字确认 → "
            "村内公示 → 乡镇审核 → 县级公告退出。"
        ),
    )
)
register_kind(
    NoticeKind(
        key="remove",
        label=gettext_lazy("拟剔除名单"),
        applier=apply_status,
        moves={s: Status.REMOVED for s in LIVE},
        conditions=gettext_lazy("经“回头看”核查, 以下对象不符合帮扶对象条件, 拟予剔除。"),
        procedure=gettext_lazy(
            "入户核查 → 村民代表大会评议 → 村两委审核并公示 → 乡镇审核 → 县级审定。"
        ),
    )
)
register_kind(
    NoticeKind(
        key="aid",
        label=gettext_lazy("帮扶资金发放名单"),
        applier=apply_aid,
        money=True,
        source="entries",
        conditions=gettext_lazy("以下帮扶资金按项目规定的标准和对象发放。"),
        procedure=gettext_lazy("对象申请 → 单位审核 → 公示 → 审批入账发放。"),
    )
)
register_kind(
    NoticeKind(
        key="worker",
        label=gettext_lazy("困难职工建档名单"),
        applier=apply_status,
        moves={"": Status.IDENTIFIED},
        conditions=gettext_lazy(
            "以下职工经本人申请、基层工会入户调查, 符合困难职工建档条件, 拟建档帮扶。"
        ),
        procedure=gettext_lazy(
            "职工申请 → 基层工会入户调查 → 职代会或工会委员会评议 → 公示 → 上级工会审核建档。"
        ),
    )
)


def status_targets(kind: NoticeKind) -> Callable[[str], str | None]:
    """The status a household in ``status`` moves to on this kind of list (None: it cannot
    be on it)."""
    return lambda status: kind.moves.get(status or "")
