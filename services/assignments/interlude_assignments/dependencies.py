"""The assignments service's providers."""

import os
from typing import Any

from nameko.extensions import DependencyProvider

from interlude_contracts.runtime.providers import EventSourcedApplication

from .application import AssignmentsApplication, create_application
from .repair import RepairSchedule


def assignments_application() -> EventSourcedApplication[AssignmentsApplication]:
    return EventSourcedApplication(create_application)


class SnapshotRepairSchedule(DependencyProvider):
    """One repair schedule per service process (docs/activities.md)."""

    def setup(self) -> None:
        self.schedule = RepairSchedule(
            interval=float(os.environ.get("SNAPSHOT_REPAIR_SECONDS", str(24 * 3600))),
            retry=float(os.environ.get("SNAPSHOT_REPAIR_RETRY_SECONDS", "15")),
        )

    def get_dependency(self, worker_ctx: Any) -> RepairSchedule:
        return self.schedule
