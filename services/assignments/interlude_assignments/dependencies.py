"""The assignments service's providers.

Each is declared as what nameko puts in its place on every worker (the
application, the repair schedule), so entrypoints are typed against what they
use, not against the provider.
"""

import os
from typing import Any, cast

from nameko.extensions import DependencyProvider

from interlude_runtime.providers import EventSourcedApplication

from .application import AssignmentsApplication, create_application
from .repair import RepairSchedule


def assignments_application() -> AssignmentsApplication:
    return cast(AssignmentsApplication, EventSourcedApplication(create_application))


class SnapshotRepairSchedule(DependencyProvider):
    """One repair schedule per service process (docs/activities.md)."""

    def setup(self) -> None:
        self.schedule = RepairSchedule(
            interval=float(os.environ.get("SNAPSHOT_REPAIR_SECONDS", str(24 * 3600))),
            retry=float(os.environ.get("SNAPSHOT_REPAIR_RETRY_SECONDS", "15")),
        )

    def get_dependency(self, worker_ctx: Any) -> RepairSchedule:
        return self.schedule


def snapshot_repair_schedule() -> RepairSchedule:
    return cast(RepairSchedule, SnapshotRepairSchedule())
