"""Finalising a notice advances the cases on it, in the finalising transaction.

The built-in status kinds of :mod:`bangfu.publicity.kinds` (exit, worker, assist, remove) are
registered again with their applier followed by the case step: a line whose decision names a
case (``{"case": pk}``, put there by the 公示 step) completes that case's next step through
:func:`bangfu.workflows.services.complete_by_notice`. Lines without a case are applied exactly
as before."""

from __future__ import annotations

import dataclasses
from typing import Any

from bangfu.publicity import kinds

WRAPPED = ("exit", "worker", "assist", "remove")


def _with_case(applier: kinds.Applier) -> kinds.Applier:
    if getattr(applier, "advances_cases", False):
        return applier

    def apply(*, actor: Any, notice: Any, item: Any, day: Any, approver: str) -> dict[str, Any]:
        from bangfu.workflows.services import complete_by_notice

        done = applier(actor=actor, notice=notice, item=item, day=day, approver=approver)
        case_id = (item.decision or {}).get("case")
        if case_id:
            done = {
                **done,
                **complete_by_notice(actor=actor, case_id=case_id, notice=notice, day=day),
            }
        return done

    apply.advances_cases = True  # type: ignore[attr-defined]
    return apply


def install() -> None:
    for key in WRAPPED:
        spec = kinds.get_kind(key, missing_ok=True)
        if spec is not None:
            kinds.register_kind(dataclasses.replace(spec, applier=_with_case(spec.applier)))
