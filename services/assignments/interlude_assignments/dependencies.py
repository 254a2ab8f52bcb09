"""The assignments service's providers."""

from interlude_contracts.runtime.providers import EventSourcedApplication

from .application import AssignmentsApplication, create_application


def assignments_application() -> EventSourcedApplication[AssignmentsApplication]:
    return EventSourcedApplication(create_application)
