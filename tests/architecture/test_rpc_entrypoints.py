"""Every service answers RPC through the entrypoint that survives a lost reply and a poison request."""

import inspect

import pytest
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.rpc import Rpc

from interlude_activities.service import ActivitiesService
from interlude_assignments.service import AssignmentsService
from interlude_identity.service import IdentityService
from interlude_notifications.service import NotificationsService
from interlude_reporting.service import ReportingService
from interlude_runtime.rpc import ResilientRpc

SERVICES = (ActivitiesService, AssignmentsService, IdentityService, NotificationsService, ReportingService)


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_every_rpc_entrypoint_is_the_resilient_one(service: type) -> None:
    entrypoints = [
        (name, entrypoint)
        for name, member in inspect.getmembers(service)
        for entrypoint in getattr(member, ENTRYPOINT_EXTENSIONS_ATTR, ())
        if isinstance(entrypoint, Rpc)
    ]
    assert entrypoints, f"{service.name} answers no RPC"
    plain = [name for name, entrypoint in entrypoints if not isinstance(entrypoint, ResilientRpc)]
    assert not plain, f"{service.name} uses nameko's own @rpc for {plain}"
