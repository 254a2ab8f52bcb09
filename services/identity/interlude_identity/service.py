"""The identity service's entrypoints: clinics, invitations, logins, refresh tokens, client scope, audit.

Every call that acts for someone takes ``caller`` ({subject, role, clinic_id},
from a token the gateway verified) and checks the role rules here as well, so
no other caller of this RPC API can step outside them.
"""

import secrets
import time
from datetime import UTC, datetime
from typing import Any

from interlude_contracts.errors import Conflict, Forbidden, NotFound, ValidationFailed, validated
from interlude_contracts.events import RESPONSE_SUBMITTED, Event
from interlude_contracts.identity import (
    CLIENT,
    CLINIC_ADMIN,
    INVITABLE_BY,
    MAX_PAGE_OFFSET,
    MAX_PAGE_SIZE,
    OPERATOR,
    THERAPIST,
    AccountSchema,
    AuditEntrySchema,
    CallerSchema,
    ClinicSchema,
    CreateClinicRequest,
    InvitationRequest,
    NotAuthenticated,
    RedeemRequest,
)
from interlude_contracts.schemas import shared
from interlude_runtime.consuming import event_consumer
from interlude_runtime.health import HealthRpc
from interlude_runtime.metrics import Metrics
from interlude_runtime.rpc import rpc

from . import store
from .dependencies import IdentitySettings, identity_database
from .password_policy import require_acceptable_password
from .passwords import DUMMY_HASH, hash_password, verify_password


class IdentityService(HealthRpc):
    name = "identity"

    database = identity_database()
    settings = IdentitySettings()
    metrics = Metrics()

    # -- clinics and invitations ------------------------------------------------

    @rpc
    def create_clinic(self, caller: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
        """The operator opens a clinic; its first admin gets an invitation."""
        _caller(caller, OPERATOR)
        body = validated(shared(CreateClinicRequest), request)
        clinic = store.create_clinic(self.database, body["name"])
        admin = store.create_account(
            self.database, clinic_id=clinic["clinic_id"], username=body["admin_username"], role=CLINIC_ADMIN
        )
        return {"clinic": shared(ClinicSchema).dump(clinic), "invitation": self._invitation(admin)}

    @rpc
    def list_clinics(self, caller: dict[str, Any], limit: int, offset: int) -> dict[str, Any]:
        _caller(caller, OPERATOR)
        rows, total = store.list_clinics(self.database, *_page(limit, offset))
        return {"clinics": shared(ClinicSchema, many=True).dump(rows), "total": total}

    @rpc
    def invite(self, caller: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
        """A clinic admin invites staff; a therapist invites their clients (who become theirs)."""
        who = _caller(caller, CLINIC_ADMIN, THERAPIST)
        body = validated(shared(InvitationRequest), request)
        if body["role"] not in INVITABLE_BY[who["role"]]:
            allowed = ", ".join(INVITABLE_BY[who["role"]])
            raise Forbidden(f"A {who['role']} may invite: {allowed}.", {"role": [f"May be: {allowed}."]})
        fields = {
            "clinic_id": who["clinic_id"],
            "username": body["username"],
            "role": body["role"],
            "display_name": body["display_name"],
            "therapist_id": who["subject"] if body["role"] == CLIENT else None,
        }
        try:
            account = store.create_account(self.database, **fields)
        except Conflict:
            if store.clinic_of_username(self.database, body["username"]) in (None, who["clinic_id"]):
                raise
            # Taken in another clinic: answered exactly like a new invitation, so that no clinic learns another's
            # usernames. Nothing is stored and the code redeems nothing; usernames stay unique (docs/security.md).
            return self._unusable_invitation(fields)
        return self._invitation(account)

    @rpc
    def redeem_invitation(self, request: dict[str, Any]) -> dict[str, Any]:
        """Activate an invited account with a password of the invitee's choice (refused if easy to guess).

        The code is checked first, so a weak password reveals nothing about unknown codes and does not spend a good one.
        """
        body = validated(shared(RedeemRequest), request)
        username = store.invited_username(self.database, body["code"])
        if username is None:
            raise _invalid_invitation()
        require_acceptable_password(body["password"], username)
        account = store.redeem(self.database, body["code"], hash_password(body["password"]))
        if account is None:
            raise _invalid_invitation()
        return shared(AccountSchema).dump(account)

    # -- logins and refresh tokens --------------------------------------------------

    @rpc
    def authenticate(self, username: str, password: str) -> dict[str, Any]:
        """The account's claims and a fresh refresh token; NotAuthenticated on any mismatch."""
        record = store.login_record(self.database, str(username))
        # Hash even for unknown users so timing does not reveal which usernames exist.
        matches = verify_password(str(password), record["password_hash"] if record else DUMMY_HASH)
        if record is None or not matches:
            raise NotAuthenticated("Wrong username or password.")
        token = store.issue_refresh_token(self.database, record["account_id"], self.settings.refresh_ttl)
        return self._session(record, token)

    @rpc
    def refresh(self, refresh_token: str, rotation_key: str | None = None) -> dict[str, Any]:
        """Rotate a refresh token: the old one is spent; a reused one revokes the account's sessions.

        ``rotation_key`` names the request (its Idempotency-Key or correlation id): the same
        rotation redelivered within ``store.ROTATION_GRACE_SECONDS`` answers with the same token.
        """
        key = str(rotation_key) if rotation_key else None
        rotated = store.rotate_refresh_token(self.database, str(refresh_token), self.settings.refresh_ttl, key)
        record = store.account(self.database, rotated[0]) if rotated else None
        if rotated is None or record is None or record["status"] != "active":
            raise NotAuthenticated("Unknown, expired or revoked refresh token.", {"refresh_token": ["Not valid."]})
        return self._session(record, rotated[1])

    @rpc
    def revoke(self, refresh_token: str) -> None:
        """Spend the refresh token; the account's access tokens end with it (``session_generation``)."""
        store.revoke_refresh_token(self.database, str(refresh_token))

    @rpc
    def session_generation(self, account_id: str) -> int | None:
        """The generation the account's current access tokens carry; None for no active account (erased too).

        Revoking a refresh token, reusing a spent one and erasure bump it, so the
        gateway refuses every access token issued before.
        """
        return store.session_generation(self.database, str(account_id))

    # -- who sees which client ---------------------------------------------------------

    @rpc
    def list_clients(self, caller: dict[str, Any], limit: int, offset: int) -> dict[str, Any]:
        who = _caller(caller, THERAPIST, CLINIC_ADMIN)
        rows, total = store.clients_of(self.database, who, *_page(limit, offset))
        return {"clients": shared(AccountSchema, many=True).dump(rows), "total": total}

    @rpc
    def require_client(self, caller: dict[str, Any], client_id: str) -> None:
        """NotFound unless the caller may see this client (their own, or any in the clinic for an admin)."""
        who = validated(shared(CallerSchema), caller)
        if not store.client_visible(self.database, who, str(client_id)):
            raise NotFound("No such client.", {"client_id": [f"No client {client_id} of yours in this clinic."]})

    @rpc
    def get_client(self, caller: dict[str, Any], client_id: str) -> dict[str, Any]:
        """The client's account, if the caller may see it (a client may see their own)."""
        who = validated(shared(CallerSchema), caller)
        own = who["role"] == CLIENT and who["subject"] == client_id
        if not own:
            self.require_client(who, client_id)
        found = store.account(self.database, str(client_id))
        if found is None or found["clinic_id"] != who["clinic_id"]:
            raise NotFound("No such client.", {"client_id": [f"No client {client_id} in this clinic."]})
        return shared(AccountSchema).dump(found)

    @rpc
    def erase_client(self, caller: dict[str, Any], client_id: str) -> None:
        """The clinic admin erases a client's account (name, login, sessions) for good."""
        who = _caller(caller, CLINIC_ADMIN)
        if not store.erase_client(self.database, who["clinic_id"], str(client_id)):
            raise NotFound("No such client.", {"client_id": [f"No client {client_id} in this clinic."]})

    # -- audit ---------------------------------------------------------------------------

    @rpc
    def record_audit(self, caller: dict[str, Any], entry: dict[str, Any]) -> None:
        who = validated(shared(CallerSchema), caller)
        store.append_audit(
            self.database,
            {
                "clinic_id": who["clinic_id"],
                "actor_id": who["subject"],
                "actor_role": who["role"],
                "action": str(entry["action"]),
                "client_id": entry.get("client_id"),
                "resource": str(entry["resource"]),
                "correlation_id": str(entry["correlation_id"]),
            },
        )

    @event_consumer("identity.events")
    def on_event(self, event: Event) -> None:
        """A stored submission's audit entry: redelivered, or consumed after an outage, it is still one entry."""
        if event.event_type == RESPONSE_SUBMITTED:
            store.append_audit(self.database, submission_audit_entry(event))

    @rpc
    def audit_trail(self, caller: dict[str, Any], client_id: str | None, limit: int, offset: int) -> dict[str, Any]:
        who = _caller(caller, CLINIC_ADMIN)
        rows, total = store.audit_trail(self.database, who["clinic_id"], client_id, *_page(limit, offset))
        return {"entries": shared(AuditEntrySchema, many=True).dump(rows), "total": total}

    # -- helpers ---------------------------------------------------------------------------

    def _invitation(self, account: dict[str, Any]) -> dict[str, Any]:
        code, expires_at = store.invite(self.database, account["account_id"], self.settings.invitation_ttl)
        return {"code": code, "account": shared(AccountSchema).dump(account), "expires_at": expires_at.isoformat()}

    def _unusable_invitation(self, fields: dict[str, Any]) -> dict[str, Any]:
        account = {
            **fields,
            "account_id": f"{fields['role'].replace('_', '-')}-{secrets.token_hex(6)}",
            "username": fields["username"].strip().lower(),
            "status": "invited",
            "created_at": datetime.now(UTC),
        }
        expires_at = datetime.fromtimestamp(int(time.time()) + self.settings.invitation_ttl, UTC)
        return {
            "code": secrets.token_urlsafe(24),
            "account": shared(AccountSchema).dump(account),
            "expires_at": expires_at.isoformat(),
        }

    def _session(self, record: dict[str, Any], token: str) -> dict[str, Any]:
        return {
            "caller": {"subject": record["account_id"], "role": record["role"], "clinic_id": record["clinic_id"]},
            "session_generation": store.session_generation(self.database, record["account_id"]) or 0,
            "refresh_token": token,
            "refresh_expires_in": self.settings.refresh_ttl,
        }


def _caller(caller: Any, *roles: str) -> dict[str, Any]:
    who = validated(shared(CallerSchema), caller)
    if who["role"] not in roles:
        raise Forbidden(f"This needs the role {' or '.join(roles)}.")
    return who


def _page(limit: Any, offset: Any) -> tuple[int, int]:
    try:
        limit, offset = int(limit), int(offset)
    except (TypeError, ValueError):
        raise ValidationFailed("limit and offset must be integers.", {"limit": ["Not an integer."]}) from None
    if not 1 <= limit <= MAX_PAGE_SIZE or not 0 <= offset <= MAX_PAGE_OFFSET:
        raise ValidationFailed(
            "Page out of range.", {"limit": [f"1 to {MAX_PAGE_SIZE}."], "offset": [f"0 to {MAX_PAGE_OFFSET}."]}
        )
    return limit, offset


def _invalid_invitation() -> NotAuthenticated:
    return NotAuthenticated("Unknown, used or expired invitation code.", {"code": ["Not valid."]})


def submission_audit_entry(event: Event) -> dict[str, Any]:
    """What the gateway recorded for ``POST /assignments/<id>/responses``: the client submitted their own answers."""
    client_id = str(event.payload["client_id"])
    return {
        "clinic_id": event.clinic_id,
        "at": event.occurred_at.isoformat(),
        "actor_id": client_id,
        "actor_role": CLIENT,
        "action": "submit",
        "client_id": client_id,
        "resource": f"POST /assignments/{event.payload['assignment_id']}/responses",
        "correlation_id": event.correlation_id,
    }
