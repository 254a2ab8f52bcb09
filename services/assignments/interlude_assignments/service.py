"""The assignments service: the areas' entrypoints (``entrypoints/``) over injected providers.

Entrypoints validate and translate; commands are handled in ``handlers/``.
"""

from interlude_runtime.health import HealthRpc
from interlude_runtime.metrics import Metrics

from .entrypoints.assignments import AssignmentEntrypoints
from .entrypoints.groups import GroupEntrypoints
from .entrypoints.log import LogEntrypoints
from .entrypoints.pathways import PathwayEntrypoints
from .entrypoints.recurrences import RecurrenceEntrypoints
from .entrypoints.triggers import TriggerEntrypoints


class AssignmentsService(
    AssignmentEntrypoints,
    RecurrenceEntrypoints,
    PathwayEntrypoints,
    GroupEntrypoints,
    TriggerEntrypoints,
    LogEntrypoints,
    HealthRpc,
):
    name = "assignments"

    metrics = Metrics()
