"""The services as the gateway calls them: one typed client per service, naming every RPC the gateway uses.

A client lists its service's RPCs in a table, each as ``name = Rpc[Shape]()``:
the attribute is the service's nameko RPC proxy method of that name, and
``Shape`` says how it is called, checked by mypy at every call. The shapes
(below) are declared once, by what their arguments are: positional in the
order the service takes them, and by keyword after ``*``, exactly as they go
over the wire. A route names the clients it needs as parameters (see
``routing``), so its dependencies are visible in its signature.
"""

from collections.abc import Callable
from typing import Any, Generic, Protocol, TypedDict, TypeVar, overload

Record = dict[str, Any]
ShapeT = TypeVar("ShapeT")


class AssignmentScope(TypedDict, total=False):
    """Whose assignment a caller may read: the client's own, a therapist's own, or (neither) the clinic's."""

    client_id: str
    therapist_id: str


class ServiceClient:
    """A client over one service's RPC proxy (``proxy`` is the proxy nameko injects into the worker)."""

    def __init__(self, proxy: Any) -> None:
        self._proxy = proxy

    def health_async(self) -> Any:
        """The health RPC sent, not awaited: the reply's ``result()`` waits for the answer."""
        return self._proxy.health.call_async()


class Rpc(Generic[ShapeT]):
    """One RPC of a client's service, called as ``ShapeT`` says (its name is the attribute's)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, client: None, owner: type) -> "Rpc[ShapeT]": ...

    @overload
    def __get__(self, client: ServiceClient, owner: type) -> ShapeT: ...

    def __get__(self, client: ServiceClient | None, owner: type) -> "ShapeT | Rpc[ShapeT]":
        if client is None:
            return self
        method: ShapeT = getattr(client._proxy, self.name)
        return method


# -- the shapes of call: positional arguments in the service's order ------------------

ClinicRead = Callable[[str], Record]  # (clinic_id)
ClinicList = Callable[[str], list[Record]]  # (clinic_id)
Read = Callable[[str, str], Record]  # (clinic_id, id)
ReadList = Callable[[str, str], list[Record]]  # (clinic_id, id)
Forget = Callable[[str, str], None]  # (clinic_id, client_id): erase or purge what a service keeps of the client
VersionRead = Callable[[str, str, int], Record]  # (clinic_id, activity_id, version)
Write = Callable[[str, str, Record], Record]  # (clinic_id, id, body)
Create = Callable[[str, str, Record, str], Record]  # (clinic_id, created_by, body, correlation_id)
Act = Callable[[str, str, str, str], Record]  # (clinic_id, who, what, correlation_id), in the order the RPC names
CallerRequest = Callable[[Record, Record], Record]  # (caller, body)
CallerPage = Callable[[Record, int, int], Record]  # (caller, limit, offset)
CallerClient = Callable[[Record, str], None]  # (caller, client_id)


# -- and with arguments by keyword ----------------------------------------------------


class KeyedCreate(Protocol):
    """Creates once per ``idempotency_key`` (or, without one, per correlation id and request)."""

    def __call__(
        self, clinic_id: str, by: str, body: Record, correlation_id: str, *, idempotency_key: str | None
    ) -> Record: ...


class KeyedCreateOn(Protocol):
    """``KeyedCreate`` on something the call names (a pathway, an assignment, a client)."""

    def __call__(
        self, clinic_id: str, by: str, target: str, body: Record, correlation_id: str, *, idempotency_key: str | None
    ) -> Record: ...


class ScopedRead(Protocol):
    """With ``therapist_id``, only what that therapist made or may see (else NotFound)."""

    def __call__(self, clinic_id: str, target: str, *, therapist_id: str | None) -> Record: ...


class ScopedList(Protocol):
    def __call__(self, clinic_id: str, target: str, *, therapist_id: str | None) -> list[Record]: ...


class ScopedPage(Protocol):
    """``ScopedList``'s page ``offset``/``limit``, chosen by the service: ``{key: [...], "total": n}``."""

    def __call__(self, clinic_id: str, target: str, therapist_id: str | None, offset: int, limit: int) -> Record: ...


class ScopedChange(Protocol):
    """A change by ``by`` to ``target`` with a request body; with ``therapist_id``, only what they made."""

    def __call__(
        self, clinic_id: str, by: str, target: str, body: Record, correlation_id: str, *, therapist_id: str | None
    ) -> Record: ...


class ScopedAction(Protocol):
    """``ScopedChange`` naming its action (``pause``, ``resume``, ``cancel``) instead of a body."""

    def __call__(
        self, clinic_id: str, by: str, target: str, action: str, correlation_id: str, *, therapist_id: str | None
    ) -> Record: ...


class ScopedCancel(Protocol):
    def __call__(
        self, clinic_id: str, by: str, target: str, correlation_id: str, *, therapist_id: str | None
    ) -> Record: ...


class ScopedMemberAdd(Protocol):
    def __call__(
        self, clinic_id: str, group_id: str, body: Record, correlation_id: str, *, therapist_id: str | None
    ) -> Record: ...


class ScopedMemberRemove(Protocol):
    def __call__(self, clinic_id: str, group_id: str, client_id: str, *, therapist_id: str | None) -> Record: ...


class ClientScopedRead(Protocol):
    """One assignment: the client's own (``client_id``), a therapist's own (``therapist_id``), or the clinic's."""

    def __call__(
        self, clinic_id: str, assignment_id: str, client_id: str | None, *, therapist_id: str | None
    ) -> Record: ...


class KeyedProgramme(Protocol):
    """``KeyedCreateOn`` a group, with the kind of programme (``activity``, ``recurrence``, ``pathway``)."""

    def __call__(
        self,
        clinic_id: str,
        by: str,
        group_id: str,
        kind: str,
        body: Record,
        correlation_id: str,
        *,
        idempotency_key: str | None,
    ) -> Record: ...


# -- the clients ------------------------------------------------------------------------


class ActivitiesClient(ServiceClient):
    list_activities = Rpc[ClinicList]()
    create_activity = Rpc[Create]()
    get_activity = Rpc[Read]()
    # (clinic_id, activity_id, draft, edited_by, correlation_id)
    edit_draft = Rpc[Callable[[str, str, Record, str, str], Record]]()
    publish_activity = Rpc[Act]()  # (clinic_id, activity_id, published_by, correlation_id)
    get_version = Rpc[VersionRead]()
    list_versions = Rpc[ReadList]()
    # (clinic_id, activity_id, archived, changed_by, correlation_id)
    set_archived = Rpc[Callable[[str, str, bool, str, str], Record]]()
    import_questionnaire = Rpc[Create]()
    draft_questionnaire = Rpc[Read]()
    version_questionnaire = Rpc[VersionRead]()
    questionnaire_response = Rpc[Callable[[Record], Record]]()  # (assignment)
    questionnaire_responses = Rpc[Callable[[list[Record]], list[Record]]]()  # (assignments)
    fhir_questionnaire = Rpc[Read]()
    # (clinic_id, url, title, status)
    search_questionnaires = Rpc[Callable[[str, str | None, str | None, str | None], list[Record]]]()
    browse_library = Rpc[Callable[[str | None], list[Record]]]()  # (tag)
    get_library_entry = Rpc[Callable[[str], Record]]()  # (slug)
    copy_from_library = Rpc[Act]()  # (clinic_id, created_by, slug, correlation_id)

    def list_activities_with_archived(self, clinic_id: str) -> list[Record]:
        return self._proxy.list_activities(clinic_id, True)


class AssignmentsClient(ServiceClient):
    # assignments
    assign = Rpc[KeyedCreate]()
    get_assignment = Rpc[ClientScopedRead]()
    extend_due_date = Rpc[ScopedChange]()
    cancel = Rpc[ScopedChange]()
    submit_response = Rpc[KeyedCreateOn]()
    open_assignment = Rpc[Act]()  # (clinic_id, client_id, assignment_id, correlation_id)
    todo = Rpc[ReadList]()
    list_for_client = Rpc[ScopedList]()
    page_for_client = Rpc[ScopedPage]()
    completed = Rpc[ReadList]()  # (clinic_id, client_id): the client's history, newest first
    erase_client = Rpc[Forget]()
    # (clinic_id, therapist_id, assignment_id, flag_id, request, correlation_id)
    acknowledge_risk_flag = Rpc[Callable[[str, str, str, str, Record, str], Record]]()
    # recurrences
    create_recurrence = Rpc[KeyedCreate]()
    get_recurrence = Rpc[ScopedRead]()
    cancel_recurrence = Rpc[ScopedCancel]()
    # pathways
    create_pathway = Rpc[KeyedCreate]()
    list_pathways = Rpc[ReadList]()  # (clinic_id, therapist_id)
    get_pathway = Rpc[ScopedRead]()
    enrol = Rpc[KeyedCreateOn]()  # on a pathway ``by`` created (the service refuses a colleague's)
    list_enrolments = Rpc[ScopedList]()
    get_enrolment = Rpc[ScopedRead]()
    change_enrolment = Rpc[ScopedAction]()
    # groups
    create_group = Rpc[KeyedCreate]()
    list_groups = Rpc[ReadList]()  # (clinic_id, therapist_id)
    get_group = Rpc[ScopedRead]()
    add_group_member = Rpc[ScopedMemberAdd]()
    remove_group_member = Rpc[ScopedMemberRemove]()
    assign_to_group = Rpc[KeyedProgramme]()  # to a group ``by`` created (the service refuses a colleague's)

    def get_assignment_in_scope(self, clinic_id: str, assignment_id: str, scope: AssignmentScope) -> Record:
        """``get_assignment`` with the caller's scope by keyword (none for a clinic-wide reader)."""
        return self._proxy.get_assignment(clinic_id, assignment_id, **scope)


class IdentityClient(ServiceClient):
    """``caller`` is always ``Caller.as_dict()``: identity checks the caller's role and clinic itself."""

    authenticate = Rpc[Callable[[str, str], Record]]()  # (username, password)
    refresh = Rpc[Callable[[str, str], Record]]()  # (refresh_token, rotation_key)
    revoke = Rpc[Callable[[str], None]]()  # (refresh_token)
    session_generation = Rpc[Callable[[str], int | None]]()  # (account_id)
    create_clinic = Rpc[CallerRequest]()
    list_clinics = Rpc[CallerPage]()
    invite = Rpc[CallerRequest]()
    redeem_invitation = Rpc[Callable[[Record], Record]]()  # (request)
    list_clients = Rpc[CallerPage]()
    require_client = Rpc[CallerClient]()
    get_client = Rpc[Callable[[Record, str], Record]]()  # (caller, client_id)
    erase_client = Rpc[CallerClient]()
    record_audit = Rpc[Callable[[Record, Record], None]]()  # (caller, entry)
    audit_trail = Rpc[Callable[[Record, str | None, int, int], Record]]()  # (caller, client_id, limit, offset)


class NotificationsClient(ServiceClient):
    list_for_client = Rpc[ReadList]()
    list_for_therapist = Rpc[ReadList]()
    purge_client = Rpc[Forget]()
    get_preferences = Rpc[Read]()
    set_preferences = Rpc[Write]()
    get_reminder_defaults = Rpc[ClinicRead]()
    set_reminder_defaults = Rpc[Callable[[str, Record], Record]]()  # (clinic_id, request)
    send_follow_up = Rpc[KeyedCreateOn]()  # to a client, once per key
    deliveries_for_client = Rpc[ReadList]()
    schedule_for_client = Rpc[ReadList]()
    dead_letters = Rpc[ClinicList]()


class ReportingClient(ServiceClient):
    # (clinic_id, client_ids): each client's stable pseudonym, as analysts see them
    pseudonyms = Rpc[Callable[[str, list[str]], dict[str, str]]]()
    client_of_pseudonym = Rpc[Callable[[str, str], str]]()  # (clinic_id, pseudonym)
    client_report = Rpc[ScopedRead]()
    purge_client = Rpc[Forget]()
    assignment_timeline = Rpc[Read]()
    client_adherence = Rpc[Read]()
    client_progress = Rpc[Read]()
    measure_progress = Rpc[Callable[[str, str, str], Record]]()  # (clinic_id, client_id, measure)
    client_risk_flags = Rpc[ReadList]()
    caseload = Rpc[ReadList]()
    clinic_usage = Rpc[ClinicRead]()
    # (clinic_id, report, filters, offset, limit)
    # (clinic, report, filters, offset, limit, pseudonymised, csv)
    export_page = Rpc[Callable[[str, str, dict[str, str], int | str, int, bool, bool], Record]]()
