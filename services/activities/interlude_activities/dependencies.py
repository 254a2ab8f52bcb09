"""The activities service's providers."""

from interlude_runtime.providers import EventSourcedApplication

from .application import ActivitiesApplication, create_application


def activities_application() -> EventSourcedApplication[ActivitiesApplication]:
    return EventSourcedApplication(create_application)
