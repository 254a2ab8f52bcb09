"""The identity service's entrypoints, called as nameko would call them, over SQLite and PostgreSQL.

Mocking policy: ``worker_factory`` builds the service with a real ``Database``
(the ``database_url`` fixture: a SQLite file, then a fresh PostgreSQL
database) and real settings; only ``metrics`` stays nameko's MagicMock.
"""

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from nameko.testing.services import worker_factory

from interlude_contracts.errors import Conflict, Forbidden, NotFound, ValidationFailed
from interlude_contracts.events import RESPONSE_SUBMITTED, Event
from interlude_contracts.identity import NotAuthenticated
from interlude_identity import store
from interlude_identity.dependencies import Settings
from interlude_identity.passwords import hash_password
from interlude_identity.service import IdentityService
from interlude_runtime.storage import Database

OPERATOR = {"subject": "operator-1", "role": "operator", "clinic_id": "interlude"}
PASSWORD = "a-long-enough-password"

pytestmark = pytest.mark.postgres


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    store.create_tables(database)
    yield database
    database.close()


def make_service(database: Database, invitation_ttl: int = 3600, refresh_ttl: int = 3600) -> IdentityService:
    return worker_factory(
        IdentityService, database=database, settings=Settings(invitation_ttl=invitation_ttl, refresh_ttl=refresh_ttl)
    )


@pytest.fixture
def service(database: Database) -> IdentityService:
    return make_service(database)


def caller_of(account: dict[str, Any]) -> dict[str, Any]:
    return {"subject": account["account_id"], "role": account["role"], "clinic_id": account["clinic_id"]}


def open_clinic(service: IdentityService, name: str) -> dict[str, Any]:
    """A clinic with an active admin; returns the admin's caller."""
    created = service.create_clinic(OPERATOR, {"name": name, "admin_username": f"admin@{name}.example"})
    admin = service.redeem_invitation({"code": created["invitation"]["code"], "password": PASSWORD})
    return caller_of(admin)


def onboard(service: IdentityService, inviter: dict[str, Any], username: str, role: str) -> dict[str, Any]:
    invitation = service.invite(inviter, {"username": username, "role": role})
    return caller_of(service.redeem_invitation({"code": invitation["code"], "password": PASSWORD}))


# -- clinics, invitations, logins ---------------------------------------------------


def test_an_operator_opens_a_clinic_whose_admin_redeems_the_invitation_and_logs_in(service: IdentityService) -> None:
    created = service.create_clinic(OPERATOR, {"name": "Harbour", "admin_username": "Admin@Harbour.example"})
    assert created["invitation"]["account"]["status"] == "invited"
    with pytest.raises(NotAuthenticated):
        service.authenticate("admin@harbour.example", PASSWORD)  # not redeemed yet

    admin = service.redeem_invitation({"code": created["invitation"]["code"], "password": PASSWORD})
    session = service.authenticate("admin@harbour.example", PASSWORD)

    assert (admin["role"], admin["status"], admin["clinic_id"]) == (
        "clinic_admin",
        "active",
        created["clinic"]["clinic_id"],
    )
    assert session["caller"] == caller_of(admin)
    assert len(session["refresh_token"]) >= 40


def test_an_invitation_code_works_once(service: IdentityService) -> None:
    created = service.create_clinic(OPERATOR, {"name": "Once", "admin_username": "admin@once.example"})
    service.redeem_invitation({"code": created["invitation"]["code"], "password": PASSWORD})

    with pytest.raises(NotAuthenticated):
        service.redeem_invitation({"code": created["invitation"]["code"], "password": "another-long-password"})
    assert service.authenticate("admin@once.example", PASSWORD)["caller"]["role"] == "clinic_admin"


def test_an_expired_invitation_cannot_be_redeemed(database: Database) -> None:
    service = make_service(database, invitation_ttl=-1)
    created = service.create_clinic(OPERATOR, {"name": "Late", "admin_username": "admin@late.example"})

    with pytest.raises(NotAuthenticated):
        service.redeem_invitation({"code": created["invitation"]["code"], "password": PASSWORD})


def test_a_short_password_is_refused_naming_it(service: IdentityService) -> None:
    created = service.create_clinic(OPERATOR, {"name": "Short", "admin_username": "admin@short.example"})

    with pytest.raises(ValidationFailed) as refused:
        service.redeem_invitation({"code": created["invitation"]["code"], "password": "short"})
    assert "password" in refused.value.fields


def test_passwords_are_stored_hashed(service: IdentityService, database: Database) -> None:
    open_clinic(service, "hashed")

    with database.transaction() as cursor:
        cursor.execute("SELECT password_hash FROM accounts WHERE username = 'admin@hashed.example'")
        stored = cursor.fetchone()["password_hash"]
    assert stored.startswith("scrypt$") and PASSWORD not in stored


@pytest.mark.parametrize(
    ("username", "password"), [("admin@wrong.example", "not-the-password"), ("nobody@x", PASSWORD)]
)
def test_wrong_credentials_are_refused_alike(service: IdentityService, username: str, password: str) -> None:
    open_clinic(service, "wrong")

    with pytest.raises(NotAuthenticated, match="Wrong username or password"):
        service.authenticate(username, password)


# -- role rules ---------------------------------------------------------------------------


def test_who_may_invite_whom(service: IdentityService) -> None:
    admin = open_clinic(service, "rules")
    therapist = onboard(service, admin, "sam@rules.example", "therapist")
    client = onboard(service, therapist, "kim@rules.example", "client")
    analyst = onboard(service, admin, "ana@rules.example", "analyst")

    for inviter, role in [(admin, "client"), (admin, "operator"), (therapist, "therapist"), (therapist, "analyst")]:
        with pytest.raises(Forbidden):
            service.invite(inviter, {"username": f"x-{role}@rules.example", "role": role})
    for inviter in (client, analyst, OPERATOR):
        with pytest.raises(Forbidden):
            service.invite(inviter, {"username": "y@rules.example", "role": "client"})
    with pytest.raises(Forbidden):
        service.create_clinic(admin, {"name": "Not mine", "admin_username": "z@rules.example"})


def test_a_username_is_taken_once(service: IdentityService) -> None:
    admin = open_clinic(service, "taken")
    service.invite(admin, {"username": "sam@taken.example", "role": "therapist"})

    with pytest.raises(Conflict):
        service.invite(admin, {"username": "SAM@taken.example", "role": "therapist"})


def answer_shape(invitation: dict[str, Any]) -> tuple[Any, ...]:
    """What an inviter can tell apart: the keys, the account's fields but its id, the code's length."""
    account = {key: value for key, value in invitation["account"].items() if key not in ("account_id", "created_at")}
    return sorted(invitation), account, len(invitation["code"])


def test_a_username_taken_in_another_clinic_cannot_be_probed_through_invitations(service: IdentityService) -> None:
    """Finding 7 of issue 15: a 409 told any clinic which usernames other clinics hold."""
    elsewhere = open_clinic(service, "holder")
    kept = onboard(service, elsewhere, "sam@shared.example", "therapist")
    prober = open_clinic(service, "prober")

    taken = service.invite(prober, {"username": "Sam@Shared.example", "role": "therapist"})
    free = service.invite(prober, {"username": "lee@shared.example", "role": "therapist"})

    assert answer_shape(taken) == answer_shape(
        {**free, "account": {**free["account"], "username": "sam@shared.example"}}
    )
    # Uniqueness holds: nothing was made, the code redeems nothing, the holder still logs in.
    with pytest.raises(NotAuthenticated):
        service.redeem_invitation({"code": taken["code"], "password": PASSWORD})
    assert service.authenticate("sam@shared.example", PASSWORD)["caller"]["subject"] == kept["subject"]
    # In one's own clinic the name is already known to the inviter: still a 409.
    with pytest.raises(Conflict):
        service.invite(elsewhere, {"username": "sam@shared.example", "role": "therapist"})


def test_a_therapist_sees_their_own_clients_and_a_clinic_admin_the_clinics(service: IdentityService) -> None:
    admin = open_clinic(service, "scope")
    sam = onboard(service, admin, "sam@scope.example", "therapist")
    lee = onboard(service, admin, "lee@scope.example", "therapist")
    kim = onboard(service, sam, "kim@scope.example", "client")
    joe = onboard(service, lee, "joe@scope.example", "client")
    other_admin = open_clinic(service, "elsewhere")

    assert [c["account_id"] for c in service.list_clients(sam, 50, 0)["clients"]] == [kim["subject"]]
    assert service.list_clients(admin, 50, 0)["total"] == 2
    assert service.list_clients(admin, 1, 1)["clients"][0]["account_id"] == joe["subject"]
    assert service.list_clients(other_admin, 50, 0) == {"clients": [], "total": 0}
    service.require_client(sam, kim["subject"])
    service.require_client(admin, joe["subject"])
    for caller, client in [(sam, joe), (lee, kim), (other_admin, kim), (kim, joe)]:
        with pytest.raises(NotFound):
            service.require_client(caller, client["subject"])


# -- refresh tokens ---------------------------------------------------------------------


def test_a_refresh_token_is_rotated_and_spent(service: IdentityService) -> None:
    open_clinic(service, "rotate")
    first = service.authenticate("admin@rotate.example", PASSWORD)

    second = service.refresh(first["refresh_token"])

    assert second["caller"] == first["caller"] and second["refresh_token"] != first["refresh_token"]
    with pytest.raises(NotAuthenticated):
        service.refresh(first["refresh_token"])


def test_reusing_a_spent_refresh_token_revokes_the_accounts_sessions(service: IdentityService) -> None:
    open_clinic(service, "reuse")
    first = service.authenticate("admin@reuse.example", PASSWORD)
    second = service.refresh(first["refresh_token"])

    with pytest.raises(NotAuthenticated):
        service.refresh(first["refresh_token"])  # a thief replays the old one
    with pytest.raises(NotAuthenticated):
        service.refresh(second["refresh_token"])


def test_a_redelivered_rotation_gets_the_same_token_and_ends_nothing(service: IdentityService) -> None:
    admin = open_clinic(service, "redelivered")
    first = service.authenticate("admin@redelivered.example", PASSWORD)
    second = service.refresh(first["refresh_token"], "rotation-1")

    again = service.refresh(first["refresh_token"], "rotation-1")  # identity died before answering

    assert again == second
    assert service.session_generation(admin["subject"]) == 0
    assert service.refresh(again["refresh_token"])["caller"] == first["caller"]


def test_a_spent_token_with_another_rotation_key_revokes_the_accounts_sessions(service: IdentityService) -> None:
    admin = open_clinic(service, "otherkey")
    first = service.authenticate("admin@otherkey.example", PASSWORD)
    second = service.refresh(first["refresh_token"], "rotation-1")

    with pytest.raises(NotAuthenticated):
        service.refresh(first["refresh_token"], "rotation-2")  # a thief replays the old one
    assert service.session_generation(admin["subject"]) == 1
    with pytest.raises(NotAuthenticated):
        service.refresh(second["refresh_token"])


def test_a_rotation_retried_through_an_outage_longer_than_the_gateways_timeout_gets_the_same_token(
    service: IdentityService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Identity committed the rotation and its answer was lost; the app kept retrying for a minute or so."""
    admin = open_clinic(service, "outage")
    first = service.authenticate("admin@outage.example", PASSWORD)
    second = service.refresh(first["refresh_token"], "rotation-1")
    a_minute_and_a_half_later = time.time() + 90
    monkeypatch.setattr(store, "time", SimpleNamespace(time=lambda: a_minute_and_a_half_later))

    assert service.refresh(first["refresh_token"], "rotation-1") == second
    assert service.session_generation(admin["subject"]) == 0


def test_a_rotation_redelivered_after_the_grace_window_is_reuse(
    service: IdentityService, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = open_clinic(service, "late")
    first = service.authenticate("admin@late.example", PASSWORD)
    second = service.refresh(first["refresh_token"], "rotation-1")
    later = time.time() + store.ROTATION_GRACE_SECONDS + 1
    monkeypatch.setattr(store, "time", SimpleNamespace(time=lambda: later))

    with pytest.raises(NotAuthenticated):
        service.refresh(first["refresh_token"], "rotation-1")
    assert service.session_generation(admin["subject"]) == 1
    with pytest.raises(NotAuthenticated):
        service.refresh(second["refresh_token"])


def test_a_revoked_refresh_token_is_refused(service: IdentityService) -> None:
    open_clinic(service, "revoke")
    session = service.authenticate("admin@revoke.example", PASSWORD)

    service.revoke(session["refresh_token"])

    with pytest.raises(NotAuthenticated):
        service.refresh(session["refresh_token"])


def test_an_expired_refresh_token_is_refused(database: Database) -> None:
    service = make_service(database, refresh_ttl=-1)
    open_clinic(service, "expired")
    session = service.authenticate("admin@expired.example", PASSWORD)

    with pytest.raises(NotAuthenticated):
        service.refresh(session["refresh_token"])


def test_ending_sessions_moves_the_generation_access_tokens_carry(service: IdentityService) -> None:
    admin = open_clinic(service, "generation")
    first = service.authenticate("admin@generation.example", PASSWORD)
    assert first["session_generation"] == service.session_generation(admin["subject"]) == 0

    service.revoke(first["refresh_token"])  # a logout
    after_logout = service.session_generation(admin["subject"])
    second = service.authenticate("admin@generation.example", PASSWORD)
    service.refresh(second["refresh_token"])
    assert service.session_generation(admin["subject"]) == after_logout  # a rotation ends nothing
    with pytest.raises(NotAuthenticated):
        service.refresh(second["refresh_token"])  # a spent token replayed: every session ends
    after_reuse = service.session_generation(admin["subject"])

    assert 0 < after_logout < after_reuse  # type: ignore[operator]
    assert service.authenticate("admin@generation.example", PASSWORD)["session_generation"] == after_reuse


def test_an_erased_or_unknown_account_has_no_session_generation(service: IdentityService) -> None:
    admin = open_clinic(service, "gone")
    sam = onboard(service, admin, "sam@gone.example", "therapist")
    kim = onboard(service, sam, "kim@gone.example", "client")
    service.revoke(service.authenticate("kim@gone.example", PASSWORD)["refresh_token"])
    assert service.session_generation(kim["subject"]) == 1

    service.erase_client(admin, kim["subject"])

    assert service.session_generation(kim["subject"]) is None
    assert service.session_generation("never-was") is None
    invited = service.invite(sam, {"username": "lou@gone.example", "role": "client"})
    assert service.session_generation(invited["account"]["account_id"]) is None  # not yet redeemed


# -- audit trail ----------------------------------------------------------------------------


def test_the_audit_trail_is_the_clinics_newest_first_and_for_its_admin_only(service: IdentityService) -> None:
    admin = open_clinic(service, "audit")
    sam = onboard(service, admin, "sam@audit.example", "therapist")
    other_admin = open_clinic(service, "other")
    for number, client in enumerate(["client-a", "client-b", "client-a"]):
        entry = {"action": "read", "client_id": client, "resource": f"GET /x/{number}", "correlation_id": f"c{number}"}
        service.record_audit(sam, entry)

    trail = service.audit_trail(admin, None, 50, 0)
    of_a = service.audit_trail(admin, "client-a", 1, 0)

    assert [e["resource"] for e in trail["entries"]] == ["GET /x/2", "GET /x/1", "GET /x/0"]
    assert {(e["actor_id"], e["actor_role"]) for e in trail["entries"]} == {(sam["subject"], "therapist")}
    assert (of_a["total"], [e["correlation_id"] for e in of_a["entries"]]) == (2, ["c2"])
    assert service.audit_trail(other_admin, None, 50, 0) == {"entries": [], "total": 0}
    with pytest.raises(Forbidden):
        service.audit_trail(sam, None, 50, 0)


def test_a_retried_request_leaves_one_audit_entry(service: IdentityService) -> None:
    admin = open_clinic(service, "retry")
    entry = {"action": "submit", "client_id": "c-1", "resource": "POST /x", "correlation_id": "c-7"}
    for _ in range(3):
        service.record_audit(admin, entry)
    service.record_audit(admin, {**entry, "correlation_id": "c-8"})

    trail = service.audit_trail(admin, None, 50, 0)

    assert (trail["total"], [e["correlation_id"] for e in trail["entries"]]) == (2, ["c-8", "c-7"])


def submitted(clinic_id: str, correlation_id: str) -> Event:
    return Event(
        event_id=uuid.uuid4(),
        event_type=RESPONSE_SUBMITTED,
        schema_version=1,
        occurred_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        clinic_id=clinic_id,
        correlation_id=correlation_id,
        source="assignments",
        position=7,
        payload={"assignment_id": uuid.UUID(int=5), "client_id": "client-ada", "answers": {}},
    )


def test_a_submission_is_audited_once_from_its_stored_event_however_often_delivered(service: IdentityService) -> None:
    admin = open_clinic(service, "submitted")
    event = submitted(admin["clinic_id"], "c-42")

    # Redelivered (after identity was down, or killed before its ack): still one entry.
    for _ in range(3):
        service.on_event(event)

    entries = service.audit_trail(admin, "client-ada", 50, 0)["entries"]
    assert [
        (e["actor_id"], e["actor_role"], e["action"], e["resource"], e["correlation_id"], e["at"]) for e in entries
    ] == [
        (
            "client-ada",
            "client",
            "submit",
            f"POST /assignments/{uuid.UUID(int=5)}/responses",
            "c-42",
            "2026-03-01T09:30:00+00:00",
        )
    ]


def test_a_store_from_before_entry_keys_gains_them_and_keeps_its_entries(database_url: str) -> None:
    with Database(database_url) as old:
        key = "BIGSERIAL PRIMARY KEY" if old.is_postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"
        old.execute_script([f"CREATE TABLE audit_entries (entry_id {key}, {store.AUDIT_COLUMNS_V1})"])
        with old.transaction() as cursor:
            cursor.execute(
                """INSERT INTO audit_entries (clinic_id, at, actor_id, actor_role, action, client_id, resource,
                    correlation_id)
                VALUES ('k', '2026-01-01T00:00:00+00:00', 'a', 'therapist', 'read', 'c', 'GET /x', 'c1')"""
            )
    with Database(database_url) as migrated:
        store.create_tables(migrated)
        entry = {"clinic_id": "k", "actor_id": "a", "actor_role": "therapist", "action": "read", "client_id": "c"}
        for _ in range(2):
            store.append_audit(migrated, {**entry, "resource": "GET /x", "correlation_id": "c2"})

        assert store.audit_trail(migrated, "k", None, 50, 0)[1] == 2


@pytest.mark.parametrize("statement", ["UPDATE audit_entries SET action = 'nothing'", "DELETE FROM audit_entries"])
def test_the_database_refuses_to_change_or_remove_audit_entries(
    service: IdentityService, database: Database, statement: str
) -> None:
    admin = open_clinic(service, "append")
    service.record_audit(admin, {"action": "read", "client_id": "c-1", "resource": "GET /x", "correlation_id": "c"})

    with pytest.raises(Exception, match="append-only"), database.transaction() as cursor:
        cursor.execute(statement)

    assert [e["action"] for e in service.audit_trail(admin, None, 50, 0)["entries"]] == ["read"]


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (201, 0), (10, -1), ("x", 0), (10, 10**22)])
def test_a_page_out_of_range_is_refused(service: IdentityService, limit: Any, offset: Any) -> None:
    admin = open_clinic(service, "pages")

    with pytest.raises(ValidationFailed):
        service.list_clients(admin, limit, offset)


# -- the demo seed ------------------------------------------------------------------------------


def test_the_seed_creates_missing_accounts_once_and_never_changes_them(
    service: IdentityService, database: Database
) -> None:
    seed = {
        "clinics": [{"clinic_id": "clinic-demo", "name": "Demo clinic"}],
        "accounts": [
            {
                "account_id": "therapist-demo",
                "clinic_id": "clinic-demo",
                "role": "therapist",
                "username": "t@demo",
                "password_hash": hash_password(PASSWORD, n=2**10),
            },
        ],
    }
    store.seed(database, seed)
    store.seed(database, {**seed, "accounts": [{**seed["accounts"][0], "role": "clinic_admin"}]})

    assert service.authenticate("t@demo", PASSWORD)["caller"] == {
        "subject": "therapist-demo",
        "role": "therapist",
        "clinic_id": "clinic-demo",
    }


# -- export and erasure of a client's account ------------------------------------------------


def test_a_client_account_is_read_in_scope_and_erased_by_the_clinic_admin_only(
    service: IdentityService, database: Database, database_url: str
) -> None:
    admin = open_clinic(service, "erase")
    sam = onboard(service, admin, "sam@erase.example", "therapist")
    invitation = service.invite(
        sam, {"username": "kim-7f3a@erase.example", "role": "client", "display_name": "Kim 7f3a"}
    )
    kim = caller_of(service.redeem_invitation({"code": invitation["code"], "password": PASSWORD}))
    session = service.authenticate("kim-7f3a@erase.example", PASSWORD)

    assert service.get_client(sam, kim["subject"])["display_name"] == "Kim 7f3a"
    assert service.get_client(kim, kim["subject"])["username"] == "kim-7f3a@erase.example"
    with pytest.raises(Forbidden):
        service.erase_client(sam, kim["subject"])

    service.erase_client(admin, kim["subject"])

    with pytest.raises(NotFound):
        service.get_client(admin, kim["subject"])
    with pytest.raises(NotAuthenticated):
        service.authenticate("kim-7f3a@erase.example", PASSWORD)
    with pytest.raises(NotAuthenticated):
        service.refresh(session["refresh_token"])
    with pytest.raises(NotFound):
        service.erase_client(admin, kim["subject"])
    if not database.is_postgres:
        raw = b"".join(p.read_bytes() for p in Path(database_url[len("sqlite:///") :]).parent.glob("*.sqlite*"))
        assert b"Kim 7f3a" not in raw and b"kim-7f3a@erase.example" not in raw


def test_a_clinic_admin_cannot_erase_staff_or_another_clinics_client(service: IdentityService) -> None:
    admin = open_clinic(service, "staff")
    sam = onboard(service, admin, "sam@staff.example", "therapist")
    kim = onboard(service, sam, "kim@staff.example", "client")
    other_admin = open_clinic(service, "faraway")

    for who, target in [(admin, sam), (other_admin, kim)]:
        with pytest.raises(NotFound):
            service.erase_client(who, target["subject"])
    assert service.get_client(admin, kim["subject"])["status"] == "active"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "10"),
        (" " * 10, "only spaces"),
        ("password12", "most common passwords"),
        ("qwertyuiop", "most common passwords"),
        ("guessme@weak.example", "your username"),
        ("guessme-guessme-guessme", "your username"),
        ("aaaaaaaaaaaa", "too easy to guess"),
    ],
)
def test_an_easily_guessed_password_is_refused_naming_it_and_the_code_still_works(
    service: IdentityService, password: str, reason: str
) -> None:
    created = service.create_clinic(OPERATOR, {"name": "Weak", "admin_username": "guessme@weak.example"})
    code = created["invitation"]["code"]

    with pytest.raises(ValidationFailed) as refused:
        service.redeem_invitation({"code": code, "password": password})

    assert any(reason in message for message in refused.value.fields["password"])
    assert service.redeem_invitation({"code": code, "password": PASSWORD})["status"] == "active"


def test_an_unknown_code_is_refused_before_the_password_is_judged(service: IdentityService) -> None:
    with pytest.raises(NotAuthenticated):
        service.redeem_invitation({"code": "no-such-code-at-all", "password": "password12"})
