"""A follow-up sent again — the therapist's retry, or the RPC redelivered after a crash — is delivered once."""

import pytest

from interlude_contracts.errors import Conflict
from interlude_notifications.planning import plan_follow_up
from interlude_notifications.scheduler import Scheduler
from interlude_runtime.storage import Database
from interlude_testing import CLINIC

from .schedule_support import T0, RecordingChannel


def test_the_same_key_is_one_follow_up_delivered_once(
    store: Database, scheduler: Scheduler, email: RecordingChannel
) -> None:
    entries = [
        plan_follow_up(store, CLINIC, "therapist-1", "client-1", "See you.", T0, f"corr-{n}", idempotency_key="k-1")
        for n in range(3)
    ]
    scheduler.tick()

    assert len({entry.entry_id for entry in entries}) == 1
    assert email.kinds() == ["follow_up"]


def test_a_redelivered_rpc_without_a_key_is_delivered_once(
    store: Database, scheduler: Scheduler, email: RecordingChannel
) -> None:
    for _ in range(2):
        plan_follow_up(store, CLINIC, "therapist-1", "client-1", "See you.", T0, "corr-1")
    plan_follow_up(store, CLINIC, "therapist-1", "client-1", "Another message.", T0, "corr-1")
    scheduler.tick()

    assert sorted(message.kind for message in email.sent) == ["follow_up", "follow_up"]


def test_the_key_reused_for_another_message_is_a_conflict(store: Database) -> None:
    plan_follow_up(store, CLINIC, "therapist-1", "client-1", "See you.", T0, "corr-1", idempotency_key="k-1")

    with pytest.raises(Conflict) as raised:
        plan_follow_up(store, CLINIC, "therapist-1", "client-1", "Other.", T0, "corr-2", idempotency_key="k-1")

    assert "Idempotency-Key" in raised.value.fields
