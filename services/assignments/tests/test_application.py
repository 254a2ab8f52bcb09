"""AssignmentsApplication over each store it runs on: in memory, SQLite and PostgreSQL.

Every test of the class runs three times (the root `application_opener`
fixture); "reloading" opens a second application on the same store.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import eventlet
import pytest
from eventsourcing.domain import CanMutateProtocol

from interlude_assignments.application import AssignmentsApplication, create_application
from interlude_assignments.domain import ASSIGNED, CANCELLED, SUBMITTED, Assignment, ClientAssignments
from interlude_assignments.handlers import Assign, CancelAssignment, SubmitResponse, handle
from interlude_contracts.errors import Conflict, NotFound, ValidationFailed

OpenApp = Callable[[], AssignmentsApplication]


SOON = datetime(2030, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def open_app(application_opener: Callable[..., OpenApp]) -> OpenApp:
    return application_opener(create_application)


@pytest.fixture
def app(open_app: OpenApp) -> AssignmentsApplication:
    return open_app()


@pytest.fixture
def assign(app: AssignmentsApplication, snapshot: dict[str, Any]) -> Callable[..., Assignment]:
    def assign_(due_at: datetime | None = SOON, client_id: str = "client-1", clinic_id: str = "clinic-a") -> Assignment:
        return handle(app, Assign(clinic_id, "therapist-1", client_id, snapshot, due_at, "corr-assign"))

    return assign_


class TestAssignmentsApplication:
    def test_assign_then_reload(
        self, assign: Callable[..., Assignment], open_app: OpenApp, snapshot: dict[str, Any]
    ) -> None:
        due = datetime(2030, 6, 1, 20, 0, tzinfo=timezone(timedelta(hours=2)))
        assignment_id = assign(due_at=due).id

        reloaded = open_app().get("clinic-a", assignment_id)
        assert (reloaded.clinic_id, reloaded.client_id, reloaded.therapist_id) == (
            "clinic-a",
            "client-1",
            "therapist-1",
        )
        assert reloaded.activity == snapshot
        assert reloaded.due_at == due
        assert reloaded.due_at.utcoffset() == timedelta(hours=2)
        assert reloaded.status == ASSIGNED
        assert [a.id for a in open_app().for_client("clinic-a", "client-1")] == [assignment_id]

    def test_loads_apply_events_without_checking_each_against_a_runtime_protocol(
        self, app: AssignmentsApplication, assign: Callable[..., Assignment], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """typing answers ``isinstance`` against a runtime-checkable Protocol by listing its members each time:
        eventsourcing's default projector did that per event, a tenth of a client's to-do list."""
        assignment_id = assign().id
        checked: list[object] = []
        meta = type(CanMutateProtocol)
        original = meta.__instancecheck__
        monkeypatch.setattr(meta, "__instancecheck__", lambda cls, obj: checked.append(cls) or original(cls, obj))

        assert app.get("clinic-a", assignment_id).id == assignment_id
        assert [a.id for a in app.todo("clinic-a", "client-1")] == [assignment_id]
        assert CanMutateProtocol not in checked

    def test_todo_lists_open_assignments_soonest_due_first_undated_last(
        self, app: AssignmentsApplication, assign: Callable[..., Assignment], valid_answers: dict[str, Any]
    ) -> None:
        undated_old = assign(due_at=None).id
        later = assign(due_at=SOON + timedelta(days=7)).id
        submitted = assign(due_at=SOON - timedelta(days=1)).id
        soonest = assign(due_at=SOON).id
        cancelled = assign(due_at=SOON - timedelta(days=2)).id
        undated_new = assign(due_at=None).id
        other_client = assign(due_at=SOON - timedelta(days=3), client_id="client-2").id
        handle(app, SubmitResponse("clinic-a", submitted, valid_answers, "corr-submit"))
        handle(app, CancelAssignment("clinic-a", cancelled, "therapist-1", None, "corr-cancel"))

        todo = [a.id for a in app.todo("clinic-a", "client-1")]

        assert todo == [soonest, later, undated_old, undated_new]
        assert [a.id for a in app.todo("clinic-a", "client-2")] == [other_client]
        assert app.todo("clinic-b", "client-1") == []

    def test_submit_stores_the_answers(
        self,
        app: AssignmentsApplication,
        open_app: OpenApp,
        assign: Callable[..., Assignment],
        valid_answers: dict[str, Any],
    ) -> None:
        assignment_id = assign().id

        handle(app, SubmitResponse("clinic-a", assignment_id, valid_answers, "corr-submit", client_id="client-1"))

        reloaded = open_app().get("clinic-a", assignment_id)
        assert reloaded.status == SUBMITTED
        assert reloaded.answers == valid_answers
        assert reloaded.submitted_at is not None
        assert reloaded.submitted_at.tzinfo is not None

    def test_invalid_answers_fail_validation_and_record_nothing(
        self, app: AssignmentsApplication, open_app: OpenApp, assign: Callable[..., Assignment]
    ) -> None:
        assignment_id = assign().id
        version_before = open_app().get("clinic-a", assignment_id).version

        with pytest.raises(ValidationFailed) as got:
            handle(
                app, SubmitResponse("clinic-a", assignment_id, {"mood": 42, "sleep": "good"}, "corr-submit", "client-1")
            )

        assert set(got.value.fields["answers"]) == {"mood"}
        reloaded = open_app().get("clinic-a", assignment_id)
        assert reloaded.version == version_before
        assert (reloaded.status, reloaded.answers) == (ASSIGNED, None)

    def test_a_second_submission_is_a_conflict(
        self,
        app: AssignmentsApplication,
        open_app: OpenApp,
        assign: Callable[..., Assignment],
        valid_answers: dict[str, Any],
    ) -> None:
        assignment_id = assign().id
        handle(app, SubmitResponse("clinic-a", assignment_id, valid_answers, "corr-1", "client-1"))

        with pytest.raises(Conflict) as got:
            handle(app, SubmitResponse("clinic-a", assignment_id, {"mood": 1, "sleep": "poor"}, "corr-2", "client-1"))

        assert "already been submitted" in got.value.fields["assignment_id"][0]
        assert open_app().get("clinic-a", assignment_id).answers == valid_answers

    def test_only_the_clients_own_assignment_in_the_clinic_is_found(
        self,
        app: AssignmentsApplication,
        open_app: OpenApp,
        assign: Callable[..., Assignment],
        valid_answers: dict[str, Any],
    ) -> None:
        assignment_id = assign().id
        version_before = app.get("clinic-a", assignment_id).version

        with pytest.raises(NotFound):
            handle(app, SubmitResponse("clinic-a", assignment_id, valid_answers, "corr-1", client_id="client-2"))
        with pytest.raises(NotFound):
            handle(app, SubmitResponse("clinic-b", assignment_id, valid_answers, "corr-2", client_id="client-1"))
        with pytest.raises(NotFound):
            app.get("clinic-b", assignment_id)
        with pytest.raises(NotFound):
            app.get("clinic-a", assignment_id, client_id="client-2")
        with pytest.raises(NotFound):
            handle(app, CancelAssignment("clinic-b", assignment_id, "intruder", None, "corr-3"))
        assert app.for_client("clinic-b", "client-1") == []

        reloaded = open_app().get("clinic-a", assignment_id, client_id="client-1")
        assert (reloaded.version, reloaded.status) == (version_before, ASSIGNED)

    def test_unknown_ids_are_not_found(self, app: AssignmentsApplication, assign: Callable[..., Assignment]) -> None:
        assign()

        with pytest.raises(NotFound):
            app.get("clinic-a", uuid4())
        # The client's index is stored in the same repository, but it is not an assignment.
        with pytest.raises(NotFound):
            app.get("clinic-a", ClientAssignments.create_id("clinic-a", "client-1"))

    def test_cancel_closes_the_assignment(
        self, app: AssignmentsApplication, open_app: OpenApp, assign: Callable[..., Assignment]
    ) -> None:
        kept = assign().id
        cancelled = assign().id

        handle(app, CancelAssignment("clinic-a", cancelled, "therapist-1", "No longer needed", "corr-cancel"))

        reloaded = open_app()
        assert reloaded.get("clinic-a", cancelled).status == CANCELLED
        assert reloaded.get("clinic-a", cancelled).cancelled_at is not None
        assert [a.id for a in reloaded.todo("clinic-a", "client-1")] == [kept]
        assert [a.id for a in reloaded.for_client("clinic-a", "client-1")] == [kept, cancelled]

    def test_a_clients_assignments_are_read_together_exactly_as_one_by_one(
        self,
        app: AssignmentsApplication,
        open_app: OpenApp,
        assign: Callable[..., Assignment],
        valid_answers: dict[str, Any],
    ) -> None:
        made = [assign().id for _ in range(7)]
        handle(app, SubmitResponse("clinic-a", made[2], valid_answers, "corr-submit"))
        handle(app, CancelAssignment("clinic-a", made[5], "therapist-1", "Not now", "corr-cancel"))
        reloaded = open_app()
        reads: list[object] = []
        select_events = reloaded.recorder.select_events
        reloaded.recorder.select_events = lambda *a, **k: reads.append(a) or select_events(*a, **k)  # type: ignore[method-assign]

        together = reloaded.for_client("clinic-a", "client-1")
        reads_together = len(reads)

        one_by_one = [reloaded.repository.get(assignment_id) for assignment_id in made]
        assert [vars(a) for a in together] == [vars(a) for a in one_by_one]
        assert [a.status for a in together].count(SUBMITTED) == 1 and [a.status for a in together].count(CANCELLED) == 1
        if reloaded.env.get("PERSISTENCE_MODULE") != "eventsourcing.popo":
            assert reads_together == 1  # the client's index; its assignments came in one query, not one each

    def test_the_todo_opens_only_the_assignments_still_open(
        self,
        app: AssignmentsApplication,
        open_app: OpenApp,
        assign: Callable[..., Assignment],
        valid_answers: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        made = [assign(due_at=SOON + timedelta(days=n)).id for n in range(6)]
        for answered in made[:3]:
            handle(app, SubmitResponse("clinic-a", answered, valid_answers, "corr-submit"))
        handle(app, CancelAssignment("clinic-a", made[3], "therapist-1", "Not now", "corr-cancel"))
        reloaded = open_app()
        opened: list[UUID] = []
        get_many = reloaded.get_many
        monkeypatch.setattr(reloaded, "get_many", lambda ids, kind: (opened.extend(ids), get_many(ids, kind))[1])

        todo = [a.id for a in reloaded.todo("clinic-a", "client-1")]

        assert todo == made[4:]
        assert opened == made[4:]  # the answered and the cancelled were left out unopened
        assert todo == [a.id for a in open_app().for_client("clinic-a", "client-1") if a.status == ASSIGNED]

    def test_cancelling_twice_is_a_conflict(
        self, app: AssignmentsApplication, assign: Callable[..., Assignment]
    ) -> None:
        assignment_id = assign().id
        handle(app, CancelAssignment("clinic-a", assignment_id, "therapist-1", None, "corr-1"))

        with pytest.raises(Conflict):
            handle(app, CancelAssignment("clinic-a", assignment_id, "therapist-1", None, "corr-2"))

    def test_concurrent_assignments_all_reach_the_clients_index(
        self, app: AssignmentsApplication, open_app: OpenApp, assign: Callable[..., Assignment]
    ) -> None:
        pool = eventlet.GreenPool(10)

        created: list[UUID] = list(pool.imap(lambda _: assign(due_at=None).id, range(10)))

        assert len(set(created)) == 10
        indexed = [a.id for a in open_app().for_client("clinic-a", "client-1")]
        assert sorted(indexed) == sorted(created)
