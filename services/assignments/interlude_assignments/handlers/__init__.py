"""Every command of the assignment log and its handler, in one place; ``handle`` runs one.

A handler is a plain function taking the application and its command. Domain
errors become the contract errors callers see here, in one table (``ERRORS``).
Lookups that change nothing are plain functions beside their area's handlers
(``get_recurrence``, ``get_pathway``...) or methods of the application
(``get``, ``for_client``, ``todo``).
"""

from collections.abc import Callable
from typing import Any, TypeVar, cast

from interlude_contracts.errors import Conflict, InterludeError, NotFound, ValidationFailed

from ..application import AssignmentsApplication
from ..domain import AssignmentError, DueDateNotLater, FlagAlreadyAcknowledged, InvalidAnswers, UnknownRiskFlag
from ..groups import AlreadyMember, NotAMember
from ..pathways import PathwayError
from . import assignments, groups, pathways, recurrences
from .assignments import (
    AcknowledgeRiskFlag,
    Assign,
    CancelAssignment,
    ExpireAssignment,
    ExtendDueDate,
    OpenAssignment,
    SubmitResponse,
)
from .command import Addressee, Command
from .groups import AddGroupMember, AssignToGroup, CreateGroup, RemoveGroupMember, get_group, list_groups
from .pathways import (
    CancelEnrolment,
    CompletePathwayStep,
    CreatePathway,
    Enrol,
    PauseEnrolment,
    ReleasePathwaySteps,
    ResumeEnrolment,
    enrolments,
    get_enrolment,
    get_pathway,
    list_pathways,
)
from .recurrences import CancelRecurrence, CreateRecurrence, ReleaseOccurrence, get_recurrence

__all__ = [
    "HANDLERS",
    "AcknowledgeRiskFlag",
    "AddGroupMember",
    "Addressee",
    "Assign",
    "AssignToGroup",
    "CancelAssignment",
    "CancelEnrolment",
    "CancelRecurrence",
    "Command",
    "CompletePathwayStep",
    "CreateGroup",
    "CreatePathway",
    "CreateRecurrence",
    "Enrol",
    "ExpireAssignment",
    "ExtendDueDate",
    "OpenAssignment",
    "PauseEnrolment",
    "ReleaseOccurrence",
    "ReleasePathwaySteps",
    "RemoveGroupMember",
    "ResumeEnrolment",
    "SubmitResponse",
    "enrolments",
    "get_enrolment",
    "get_group",
    "get_pathway",
    "get_recurrence",
    "handle",
    "list_groups",
    "list_pathways",
]

ResultT = TypeVar("ResultT")

Handler = Callable[[AssignmentsApplication, Any], Any]

HANDLERS: dict[type[Command[Any]], Handler] = {
    Assign: assignments.assign,
    SubmitResponse: assignments.submit_response,
    CancelAssignment: assignments.cancel_assignment,
    ExtendDueDate: assignments.extend_due_date,
    AcknowledgeRiskFlag: assignments.acknowledge_risk_flag,
    OpenAssignment: assignments.open_assignment,
    ExpireAssignment: assignments.expire_assignment,
    CreateRecurrence: recurrences.create_recurrence,
    ReleaseOccurrence: recurrences.release_occurrence,
    CancelRecurrence: recurrences.cancel_recurrence,
    CreatePathway: pathways.create_pathway,
    Enrol: pathways.enrol,
    ReleasePathwaySteps: pathways.release_pathway_steps,
    CompletePathwayStep: pathways.complete_pathway_step,
    PauseEnrolment: pathways.pause_enrolment,
    ResumeEnrolment: pathways.resume_enrolment,
    CancelEnrolment: pathways.cancel_enrolment,
    CreateGroup: groups.create_group,
    AssignToGroup: groups.assign_to_group,
    AddGroupMember: groups.add_group_member,
    RemoveGroupMember: groups.remove_group_member,
}


def _naming(kind: type[InterludeError], field: str) -> Callable[[Exception], InterludeError]:
    return lambda error: kind(str(error), {field: [str(error)]})


def _invalid_answers(error: Exception) -> InterludeError:
    assert isinstance(error, InvalidAnswers)
    return ValidationFailed(str(error), {"answers": error.errors})


# The most specific class an error is an instance of decides (``FlagAlreadyAcknowledged`` before ``AssignmentError``).
ERRORS: dict[type[Exception], Callable[[Exception], InterludeError]] = {
    InvalidAnswers: _invalid_answers,
    UnknownRiskFlag: _naming(NotFound, "flag_id"),
    DueDateNotLater: _naming(ValidationFailed, "due_at"),
    FlagAlreadyAcknowledged: _naming(Conflict, "flag_id"),
    AssignmentError: _naming(Conflict, "assignment_id"),
    PathwayError: _naming(Conflict, "enrolment_id"),
    AlreadyMember: _naming(Conflict, "client_id"),
    NotAMember: _naming(NotFound, "client_id"),
}


def handle(app: AssignmentsApplication, command: Command[ResultT]) -> ResultT:
    """Run the command's handler; a domain error comes out as the contract error ``ERRORS`` names."""
    try:
        return cast(ResultT, HANDLERS[type(command)](app, command))
    except tuple(ERRORS) as error:
        raise contract_error(error) from None


def contract_error(error: Exception) -> InterludeError:
    translate = next(ERRORS[kind] for kind in type(error).__mro__ if kind in ERRORS)
    return translate(error)
