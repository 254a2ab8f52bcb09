"""The reporting tests' scripted history, built with the shared ``EventFactory``."""

from datetime import UTC, datetime

from interlude_contracts.events import Event
from interlude_testing import LONG_GAP, OTHER_CLINIC, EventFactory


def build_history(factory: EventFactory, *, gaps: bool = False) -> dict[str, Event]:
    """A scripted history of two clinics, by name; every event is also in ``factory.events``.

    clinic-a, client-1: a1 (Mood v1, due) submitted, a2 (Sleep) cancelled, a3 (Mood v1) open.
    clinic-a, client-2: b1 (Sleep) submitted, b2 (Mood v2) and b3 (Mood v1) open.
    clinic-a, client-3: c1 (Sleep) cancelled.
    clinic-b, client-1 (the same client id in another clinic): d1 (Breathing) submitted.

    With ``gaps``, positions are skipped here and there, as private events leave
    them, and once by a long run (``LONG_GAP``) in the middle of each log.
    """
    named: dict[str, Event] = {}

    def add(name: str, event: Event) -> None:
        named[name] = event
        if gaps and name in ("sleep", "a1_submitted"):
            factory.skip(event.source, LONG_GAP)
        elif gaps and len(named) % 3:
            factory.skip(event.source, len(named) % 3)

    add("mood", factory.activity_published("Mood check-in", item_count=3))
    add("sleep", factory.activity_published("Sleep diary", item_count=2))
    add("breathing", factory.activity_published("Breathing", clinic_id=OTHER_CLINIC))
    add("a1", factory.activity_assigned(named["mood"], "client-1", due_at=datetime(2025, 3, 10, 18, 30, tzinfo=UTC)))
    add("b1", factory.activity_assigned(named["sleep"], "client-2"))
    add("a2", factory.activity_assigned(named["sleep"], "client-1"))
    add("d1", factory.activity_assigned(named["breathing"], "client-1"))
    add("c1", factory.activity_assigned(named["sleep"], "client-3"))
    add("a1_submitted", factory.response_submitted(named["a1"]))
    add(
        "mood_v2", factory.activity_published("Mood check-in (short)", activity_id=named["mood"].payload["activity_id"])
    )
    add("b2", factory.activity_assigned(named["mood_v2"], "client-2"))
    add("a2_cancelled", factory.assignment_cancelled(named["a2"], reason="Replaced by another activity."))
    add("b1_submitted", factory.response_submitted(named["b1"]))
    add("a3", factory.activity_assigned(named["mood"], "client-1"))
    add("c1_cancelled", factory.assignment_cancelled(named["c1"]))
    add("d1_submitted", factory.response_submitted(named["d1"]))
    add("b3", factory.activity_assigned(named["mood"], "client-2"))
    return named
