"""The repair of snapshots stored without their scoring (docs/activities.md, "Every assignment scored").

Before every way of creating an assignment went through ``snapshot.py``,
recurrences, pathways and group programmes kept five keys of the version and
their assignments lost ``measure``, ``pages`` and ``scoring``: answers were
recorded unscored and no risk flag was raised. The repair reads the log once
from where it last stopped, and for every aggregate that keeps a snapshot
(assignment, recurrence, pathway, enrolment, group) completes it from the exact
version it was created from, in an event of its own log. An assignment already
answered is scored then (``ResponseScored``) and its risk flags are raised.
It is idempotent: a completed snapshot lacks nothing, so a second run, or two
replicas at once, change nothing more.
"""

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from interlude_runtime.eventstore import decorated_event, save_with_retry
from interlude_runtime.shredding import ClientDataErased

from .domain import Assignment
from .groups import Group
from .pathways import Enrolment, Pathway
from .recurrences import Recurrence
from .snapshot import Personalisation, assignment_snapshot, completed_snapshot, missing_keys

log = logging.getLogger(__name__)

# The creation events of the aggregates that keep a snapshot of a version.
KEEPERS = (
    decorated_event(Assignment, "Assigned"),
    decorated_event(Recurrence, "Created"),
    decorated_event(Pathway, "Created"),
    decorated_event(Enrolment, "Enrolled"),
    decorated_event(Group, "ProgrammeStarted"),
)
PAGE = 500

# The exact version a snapshot was taken from: (clinic_id, activity_id, version) → the published version.
VersionSource = Callable[[str, str, int], dict[str, Any]]


class RepairProgress(Aggregate):
    """How far the repair has read the log (one per store)."""

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE_URL, "interlude:snapshot-repair")

    @event("Started")
    def __init__(self) -> None:
        self.position = 0

    @event("Advanced")
    def advance(self, position: int) -> None:
        self.position = position


@dataclass
class RepairReport:
    read_to: int = 0
    completed: list[str] = field(default_factory=list)  # ids of the aggregates whose snapshots were completed
    scored: list[str] = field(default_factory=list)  # ids of answered assignments scored by the repair
    failed: list[str] = field(default_factory=list)


class RepairSchedule:
    """When a process runs the repair: at its start, soon again after a failure, then every ``interval``.

    At start the activities service may not answer yet; a rollout's replicas of the older release may still
    write incomplete snapshots for a while, which the daily run catches.
    """

    def __init__(self, interval: float, retry: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval, self.retry, self.clock = interval, retry, clock
        self.next_at = clock()

    def due(self) -> bool:
        return self.clock() >= self.next_at

    def ran(self, failed: bool) -> None:
        self.next_at = self.clock() + (self.retry if failed else self.interval)


def repair_snapshots(app: Application, version_of: VersionSource, correlation_id: str) -> RepairReport:
    """Complete every snapshot stored since the last run; a failure ends the run and the position stays.

    The position is the last keeper's notification id: a run that finds none writes nothing.
    """
    progress = _progress(app)
    report = RepairReport(read_to=progress.position)
    for aggregate_id, position in _keepers_after(app, progress.position):
        report.read_to = position
        try:
            _repair(app, aggregate_id, version_of, correlation_id, report)
        except Exception:
            # Most often the activities service not answering: the rest would wait in vain too.
            log.exception("could not repair the snapshot of %s; the next run starts again from here", aggregate_id)
            report.failed.append(str(aggregate_id))
            break
    if not report.failed and report.read_to > progress.position:
        progress.advance(report.read_to)
        # Another replica may record its run at the same moment: the next run reads on from there.
        with suppress(IntegrityError):
            app.save(progress)
    return report


def _progress(app: Application) -> RepairProgress:
    try:
        return app.repository.get(RepairProgress.create_id())
    except AggregateNotFoundError:
        return RepairProgress()


def _keepers_after(app: Application, position: int) -> Iterator[tuple[UUID, int]]:
    """Each aggregate created after ``position`` that keeps a snapshot, once, with where it was read."""
    topics = [get_topic(kind) for kind in KEEPERS]
    seen: set[UUID] = set()
    while True:
        page = app.recorder.select_notifications(start=position + 1, limit=PAGE, topics=topics)
        for notification in page:
            position = notification.id
            originator_id = notification.originator_id
            if not isinstance(originator_id, UUID):
                raise TypeError(f"Event {position} has the non-UUID originator id {originator_id!r}.")
            if originator_id not in seen:
                seen.add(originator_id)
                yield originator_id, position
        if len(page) < PAGE:
            return


def _repair(
    app: Application, aggregate_id: UUID, version_of: VersionSource, correlation_id: str, report: RepairReport
) -> None:
    def build() -> list[Aggregate]:
        try:
            aggregate: Aggregate = app.repository.get(aggregate_id)
        except ClientDataErased:
            return []  # an erased client's assignments are unreadable for good: nothing to score
        repair = REPAIRS[type(aggregate)]
        return [aggregate] if repair(aggregate, version_of, correlation_id) else []

    saved = save_with_retry(app, build)
    if saved:
        report.completed.append(str(aggregate_id))
        if isinstance(saved[0], Assignment) and saved[0].scores:
            report.scored.append(str(aggregate_id))  # an incomplete snapshot was never scored before


def _completed(clinic_id: str, snapshot: dict[str, Any], version_of: VersionSource) -> dict[str, Any] | None:
    if not missing_keys(snapshot):
        return None
    version = version_of(clinic_id, str(snapshot["activity_id"]), int(snapshot["version"]))
    completed = completed_snapshot(snapshot, version)
    lacked = any(completed[key] is not None for key in completed.keys() - snapshot.keys())
    return completed if lacked else None  # a version without pages or scoring: the snapshot lacks nothing


def _repair_assignment(assignment: Assignment, version_of: VersionSource, correlation_id: str) -> bool:
    completed = _completed(assignment.clinic_id, assignment.activity, version_of)
    if completed is None:
        return False
    # Its names were not kept: tokens the old path left unfilled take their fallback wording.
    assignment.complete_snapshot(assignment_snapshot(completed, Personalisation()), correlation_id)
    return True


def _repair_recurrence(recurrence: Recurrence, version_of: VersionSource, _: str) -> bool:
    completed = _completed(recurrence.clinic_id, recurrence.activity, version_of)
    if completed is None:
        return False
    recurrence.complete_activity(clinic_id=recurrence.clinic_id, client_id=recurrence.client_id, activity=completed)
    return True


def _completed_steps(clinic_id: str, steps: list[dict[str, Any]], version_of: VersionSource) -> list | None:
    completed = [_completed(clinic_id, step["activity"], version_of) for step in steps]
    if not any(completed):
        return None
    return [{**step, "activity": new or step["activity"]} for step, new in zip(steps, completed, strict=True)]


def _repair_pathway(pathway: Pathway, version_of: VersionSource, _: str) -> bool:
    steps = _completed_steps(pathway.clinic_id, pathway.steps, version_of)
    if steps is None:
        return False
    pathway.complete_steps(steps)
    return True


def _repair_enrolment(enrolment: Enrolment, version_of: VersionSource, _: str) -> bool:
    definition = _completed_steps(enrolment.clinic_id, enrolment.definition, version_of)
    if definition is None:
        return False
    enrolment.complete_definition(clinic_id=enrolment.clinic_id, client_id=enrolment.client_id, definition=definition)
    return True


def _repair_group(group: Group, version_of: VersionSource, _: str) -> bool:
    changed = False
    for programme in group.programmes:
        snapshot = programme["spec"].get("activity")
        completed = _completed(group.clinic_id, snapshot, version_of) if snapshot else None
        if completed is not None:
            group.complete_programme(programme["programme_id"], completed)
            changed = True
    return changed


REPAIRS: dict[type, Callable[[Any, VersionSource, str], bool]] = {
    Assignment: _repair_assignment,
    Recurrence: _repair_recurrence,
    Pathway: _repair_pathway,
    Enrolment: _repair_enrolment,
    Group: _repair_group,
}
