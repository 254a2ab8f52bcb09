"""A scripted history with scores and risk flags, for the analytics tests (built with ``EventFactory``)."""

from datetime import UTC, datetime
from typing import Any

from interlude_contracts.events import Event
from interlude_testing import OTHER_CLINIC, EventFactory

# "Now" for overdue: after every event of the history (it starts on 2025-03-03).
NOW = datetime(2025, 4, 1, tzinfo=UTC)
OTHER_THERAPIST = "therapist-2"


def total(value: float, band: str, above: bool) -> dict[str, Any]:
    return {"total": {"value": value, "band": band, "above_cutoff": above}}


def build_scored_history(factory: EventFactory) -> dict[str, Event]:
    """clinic-a, therapist-1's caseload:

    - client-1: PHQ-9 18 then 7 (recovered); a risk flag raised and acknowledged; one open assignment.
    - client-2: PHQ-9 8 then 16 (deteriorated); a risk flag still open.
    - client-3: an overdue assignment and a cancelled one; no scores.
    - client-4: PHQ-9 12 then 10 (unchanged), plus a subscale score.
    clinic-a, therapist-2: client-9 (not on therapist-1's caseload).
    clinic-b: client-1 again (another clinic's client), PHQ-9 27 with an open flag.
    """
    e: dict[str, Event] = {}
    e["phq"] = factory.activity_published("PHQ-9", item_count=9)
    e["diary"] = factory.activity_published("Thought diary")
    e["phq_b"] = factory.activity_published("PHQ-9", clinic_id=OTHER_CLINIC)
    e["a1"] = factory.activity_assigned(e["phq"], "client-1")
    e["s1"] = factory.response_submitted(e["a1"], measure="PHQ-9", scores=total(18, "moderately severe", True))
    e["a3"] = factory.activity_assigned(e["phq"], "client-2")
    e["s3"] = factory.response_submitted(e["a3"], measure="PHQ-9", scores=total(8, "mild", False))
    e["a5"] = factory.activity_assigned(e["diary"], "client-3", due_at=datetime(2025, 3, 4, tzinfo=UTC))
    e["a8"] = factory.activity_assigned(e["diary"], "client-3")
    e["a8_cancelled"] = factory.assignment_cancelled(e["a8"])
    e["a6"] = factory.activity_assigned(e["phq"], "client-4")
    scores_6 = {**total(12, "moderate", True), "somatic": {"value": 5}}
    e["s6"] = factory.response_submitted(e["a6"], measure="PHQ-9", scores=scores_6)
    e["a2"] = factory.activity_assigned(e["phq"], "client-1")
    e["s2"] = factory.response_submitted(e["a2"], measure="PHQ-9", scores=total(7, "mild", False))
    e["f_old"] = factory.risk_flag_raised(e["a1"])
    e["f_old_ack"] = factory.risk_flag_acknowledged(e["f_old"], note="Called; safety plan reviewed.")
    e["a4"] = factory.activity_assigned(e["phq"], "client-2")
    e["s4"] = factory.response_submitted(e["a4"], measure="PHQ-9", scores=total(16, "moderately severe", True))
    e["f_open"] = factory.risk_flag_raised(e["a4"])
    e["a7"] = factory.activity_assigned(e["phq"], "client-4")
    e["s7"] = factory.response_submitted(e["a7"], measure="PHQ-9", scores=total(10, "moderate", True))
    e["a9"] = factory.activity_assigned(e["diary"], "client-1")
    e["x1"] = factory.activity_assigned(e["diary"], "client-9", therapist_id=OTHER_THERAPIST)
    e["b1"] = factory.activity_assigned(e["phq_b"], "client-1")
    e["b1_s"] = factory.response_submitted(e["b1"], measure="PHQ-9", scores=total(27, "severe", True))
    e["b1_f"] = factory.risk_flag_raised(e["b1"])
    return e
