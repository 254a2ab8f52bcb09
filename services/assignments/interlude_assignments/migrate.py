"""The assignments store's migration (``interlude-migrate assignments``): what its shape creates, then backfills.

Backfill: pathway steps released before ``StepAssignment`` existed get theirs, found from the
``StepReleased`` events of the log (idempotent; a step already indexed is left alone).
"""

from collections.abc import Mapping
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from interlude_runtime.eventstore import decorated_event
from interlude_runtime.shredding import ClientDataErased

from .application import AssignmentsApplication, create_application
from .pathways import Enrolment, StepAssignment
from .relay import SHAPE

PAGE = 500


def migrate(environ: Mapping[str, str]) -> None:
    SHAPE.migrate(environ)
    app = create_application(environ)
    try:
        index_released_steps(app)
    finally:
        app.close()


def index_released_steps(app: AssignmentsApplication) -> int:
    """Save the missing ``StepAssignment`` of every step released so far; how many were missing."""
    topic = get_topic(decorated_event(Enrolment, "StepReleased"))
    added = 0
    after = 0
    while page := app.recorder.select_notifications(after + 1, PAGE, topics=[topic]):
        after = page[-1].id
        keys = app.mapper.keys_for(page)
        for notification in page:
            try:
                released = app.mapper.decoded(notification, keys)
            except ClientDataErased:
                continue  # an erased client's enrolment: nothing of it will complete again
            added += _index(app, released.assignment_id, released.originator_id, released.step)
    return added


def _index(app: AssignmentsApplication, assignment_id: UUID, enrolment_id: UUID, step: int) -> int:
    if app.find(StepAssignment.create_id(assignment_id), StepAssignment) is not None:
        return 0
    try:
        enrolment = app.find(enrolment_id, Enrolment)
        if enrolment is None:
            return 0
        app.save(
            StepAssignment(
                assignment_id=assignment_id,
                enrolment_id=enrolment_id,
                step=step,
                clinic_id=enrolment.clinic_id,
                client_id=enrolment.client_id,
            )
        )
    except IntegrityError:  # a replica or another migration saved it meanwhile
        return 0
    return 1
