"""The workflows as code: each kind of case is a list of steps, each done at a level of the
household's unit ancestors (0 village, 1 township, 2 county) — by an administrator of the unit
at that level or above.

A step may move the household's status when it is completed (``status``), require the date
the household or worker signed (``signature``: 户认可, signed consent), or be the 公示 step
(``notice_kind``): completing it creates and publishes a notice of that kind with the case's
line; the step after it (``by_notice``) is done only by finalising that notice — the notice's
applier records it and closes the case in the finalising transaction.

``guards`` are codes of the registry's data-quality checks (registry/data/quality_checks.json)
that must not fire for the household once its exit is applied; they are run on a simulated
exit at the 公示 step and again on the real one when the notice is finalised, and can be
overridden with a reason.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from bangfu.registry.choices import Status

# How many days a 返贫 monitoring case may take from the first lead to the decision.
MONITORING_DAYS = 15
LEVELS = {0: _("村级"), 1: _("乡镇级"), 2: _("县级")}


class CaseKind(models.TextChoices):
    EXIT = "exit", _("脱贫退出")
    WORKER_FILING = "worker_filing", _("困难职工建档")
    RELIEF = "relief", _("解困")
    MONITORING = "monitoring", _("返贫监测")


@dataclass(frozen=True)
class Step:
    key: str
    label: Any
    level: int = 0
    status: str = ""
    signature: bool = False
    notice_kind: str = ""
    by_notice: bool = False


@dataclass(frozen=True)
class WorkflowDefinition:
    kind: str
    label: Any
    steps: tuple[Step, ...]
    # The household statuses a case of this kind may be opened for ("" is no status yet).
    opens_from: tuple[str, ...]
    # What the household's status goes back to when the case is cancelled (from → to).
    undo: dict[str, str]
    guards: tuple[str, ...] = ()
    deadline_days: int | None = None

    def step(self, key: str) -> Step:
        for step in self.steps:
            if step.key == key:
                return step
        raise KeyError(key)

    def index(self, key: str) -> int:
        return [s.key for s in self.steps].index(key)

    def after(self, key: str) -> Step | None:
        i = self.index(key)
        return self.steps[i + 1] if i + 1 < len(self.steps) else None

    def deadline(self, lead: datetime.date) -> datetime.date | None:
        if self.deadline_days is None:
            return None
        return lead + datetime.timedelta(days=self.deadline_days)


EXIT = WorkflowDefinition(
    kind=CaseKind.EXIT,
    label=_("脱贫退出"),
    steps=(
        Step("evaluation", _("民主评议"), 0, status=Status.PROPOSED_EXIT),
        Step("verification", _("村两委和驻村工作队核实"), 1),
        Step("consent", _("户认可 (签字确认)"), 0, signature=True),
        Step("publicity", _("村内公示"), 0, notice_kind="exit"),
        Step("announcement", _("公告退出"), 2, by_notice=True),
    ),
    opens_from=(Status.ASSISTING, Status.RETURNED, Status.PROPOSED_EXIT),
    undo={Status.PROPOSED_EXIT: Status.ASSISTING},
    # S003: an exit less than six months after identification; I006: an exited household
    # whose latest income is under the year's line.
    guards=("S003", "I006"),
)
WORKER_FILING = WorkflowDefinition(
    kind=CaseKind.WORKER_FILING,
    label=_("困难职工建档"),
    steps=(
        Step("application", _("职工申请"), 0),
        Step("review", _("基层工会初审"), 0),
        Step("home_visit", _("入户核实 (本人签字同意)"), 1, signature=True),
        Step("publicity", _("公示"), 0, notice_kind="worker"),
        Step("filing", _("建档"), 1, by_notice=True),
    ),
    opens_from=("",),
    undo={},
)
RELIEF = WorkflowDefinition(
    kind=CaseKind.RELIEF,
    label=_("解困"),
    steps=(
        Step("application", _("申请与评议"), 0, status=Status.RELIEVED),
        Step("verification", _("入户核实"), 1, signature=True),
        Step("publicity", _("公示"), 0, notice_kind="exit"),
        Step("announcement", _("公告脱困"), 2, by_notice=True),
    ),
    opens_from=(Status.ASSISTING, Status.RELIEVED),
    undo={Status.RELIEVED: Status.ASSISTING},
)
MONITORING = WorkflowDefinition(
    kind=CaseKind.MONITORING,
    label=_("返贫监测"),
    steps=(
        Step("lead", _("发现线索"), 0),
        Step("verification", _("入户核实"), 0),
        Step("decision", _("研判认定返贫"), 1, status=Status.RETURNED),
    ),
    opens_from=(Status.EXITED, Status.OUT_OF_DIFFICULTY),
    undo={},
    deadline_days=MONITORING_DAYS,
)

DEFINITIONS: dict[str, WorkflowDefinition] = {
    d.kind: d for d in (EXIT, WORKER_FILING, RELIEF, MONITORING)
}


def definition(kind: str) -> WorkflowDefinition:
    return DEFINITIONS[kind]
