"""The identity store: clinics, accounts, invitations, refresh tokens and the audit trail.

Secrets are never stored as given: passwords as scrypt hashes, invitation
codes and refresh tokens as SHA-256 digests (they are random, 192+ bits, so a
plain digest suffices and lookups stay indexable). Expiry times are epoch
seconds. The audit table is only ever inserted into.
"""

import hashlib
import secrets
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from interlude_contracts.errors import Conflict
from interlude_contracts.identity import ANALYST, CLIENT, CLINIC_ADMIN, THERAPIST
from interlude_contracts.runtime.shredding import erase_rows
from interlude_contracts.runtime.storage import Cursor, Database

ACCOUNT_COLUMNS = "account_id, clinic_id, username, role, display_name, therapist_id, status, created_at"

COMMON_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS clinics (
        clinic_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS accounts (
        account_id TEXT PRIMARY KEY,
        clinic_id TEXT NOT NULL,
        username TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        display_name TEXT,
        therapist_id TEXT,
        status TEXT NOT NULL,
        password_hash TEXT,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS accounts_by_therapist ON accounts (clinic_id, therapist_id)",
    """CREATE TABLE IF NOT EXISTS invitations (
        code_digest TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        redeemed_at BIGINT
    )""",
    """CREATE TABLE IF NOT EXISTS refresh_tokens (
        token_digest TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        revoked_at BIGINT
    )""",
    "CREATE INDEX IF NOT EXISTS refresh_tokens_by_account ON refresh_tokens (account_id)",
]
AUDIT_COLUMNS = """clinic_id TEXT NOT NULL,
        at TEXT NOT NULL,
        actor_id TEXT NOT NULL,
        actor_role TEXT NOT NULL,
        action TEXT NOT NULL,
        client_id TEXT,
        resource TEXT NOT NULL,
        correlation_id TEXT NOT NULL"""


APPEND_ONLY = "The audit trail is append-only."
# The database itself refuses to change or remove an audit entry, whatever code asks.
SQLITE_APPEND_ONLY = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_entries_no_{verb.lower()} BEFORE {verb} ON audit_entries
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"""
    for verb in ("UPDATE", "DELETE")
]
POSTGRES_APPEND_ONLY = [
    f"""CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()""",
]


def create_tables(database: Database) -> None:
    key = "entry_id BIGSERIAL PRIMARY KEY" if database.is_postgres else "entry_id INTEGER PRIMARY KEY AUTOINCREMENT"
    audit = [
        f"CREATE TABLE IF NOT EXISTS audit_entries ({key}, {AUDIT_COLUMNS})",
        "CREATE INDEX IF NOT EXISTS audit_by_clinic ON audit_entries (clinic_id, client_id, entry_id)",
        *(POSTGRES_APPEND_ONLY if database.is_postgres else SQLITE_APPEND_ONLY),
    ]
    database.execute_script([*COMMON_SCHEMA, *audit])


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _account(row: Mapping[str, Any]) -> dict[str, Any]:
    return {**{key: row[key] for key in ACCOUNT_COLUMNS.split(", ")}, "created_at": _parsed(row["created_at"])}


def _parsed(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


# -- clinics -------------------------------------------------------------------


def create_clinic(database: Database, name: str, clinic_id: str | None = None) -> dict[str, Any]:
    clinic = {"clinic_id": clinic_id or f"clinic-{uuid.uuid4().hex[:12]}", "name": name, "created_at": _now_iso()}
    with database.transaction() as cursor:
        cursor.execute(
            """INSERT INTO clinics (clinic_id, name, created_at) VALUES (:clinic_id, :name, :created_at)
            ON CONFLICT (clinic_id) DO NOTHING""",
            clinic,
        )
    return {**clinic, "created_at": _parsed(clinic["created_at"])}


def list_clinics(database: Database, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    with database.transaction() as cursor:
        cursor.execute("SELECT COUNT(*) AS total FROM clinics")
        total = cursor.fetchone()["total"]
        cursor.execute(
            """SELECT clinic_id, name, created_at FROM clinics
            ORDER BY created_at, clinic_id LIMIT :limit OFFSET :offset""",
            {"limit": limit, "offset": offset},
        )
        rows = [{**row, "created_at": _parsed(row["created_at"])} for row in cursor.fetchall()]
    return rows, total


def clinic_exists(database: Database, clinic_id: str) -> bool:
    with database.transaction() as cursor:
        cursor.execute("SELECT 1 AS found FROM clinics WHERE clinic_id = :clinic_id", {"clinic_id": clinic_id})
        return cursor.fetchone() is not None


# -- accounts and invitations ---------------------------------------------------


def create_account(
    database: Database,
    *,
    clinic_id: str,
    username: str,
    role: str,
    display_name: str | None = None,
    therapist_id: str | None = None,
    password_hash: str | None = None,
    account_id: str | None = None,
) -> dict[str, Any]:
    """A new account: active when a password hash is given, else invited. Conflict if the username is taken."""
    row = {
        "account_id": account_id or f"{role.replace('_', '-')}-{uuid.uuid4().hex[:12]}",
        "clinic_id": clinic_id,
        "username": username.strip().lower(),
        "role": role,
        "display_name": display_name,
        "therapist_id": therapist_id,
        "status": "active" if password_hash else "invited",
        "password_hash": password_hash,
        "created_at": _now_iso(),
    }
    with database.transaction() as cursor:
        cursor.execute(
            f"""INSERT INTO accounts ({ACCOUNT_COLUMNS}, password_hash)
            VALUES (:account_id, :clinic_id, :username, :role, :display_name, :therapist_id, :status,
                :created_at, :password_hash)
            ON CONFLICT DO NOTHING RETURNING account_id""",
            row,
        )
        if cursor.fetchone() is None:
            raise Conflict("That username is taken.", {"username": ["An account with this username exists."]})
    return _account(row)


def invite(database: Database, account_id: str, ttl_seconds: int) -> tuple[str, datetime]:
    """A one-time code for the account (shown once; only its digest is kept)."""
    code = secrets.token_urlsafe(24)
    expires_at = int(time.time()) + ttl_seconds
    with database.transaction() as cursor:
        cursor.execute(
            "INSERT INTO invitations (code_digest, account_id, expires_at) VALUES (:code, :account_id, :expires_at)",
            {"code": digest(code), "account_id": account_id, "expires_at": expires_at},
        )
    return code, datetime.fromtimestamp(expires_at, UTC)


def redeem(database: Database, code: str, password_hash: str) -> dict[str, Any] | None:
    """Set the invited account's password and activate it; None for an unknown, used or expired code."""
    with database.transaction() as cursor:
        cursor.execute(
            """UPDATE invitations SET redeemed_at = :now
            WHERE code_digest = :code AND redeemed_at IS NULL AND expires_at > :now RETURNING account_id""",
            {"code": digest(code), "now": int(time.time())},
        )
        invitation = cursor.fetchone()
        if invitation is None:
            return None
        cursor.execute(
            f"""UPDATE accounts SET password_hash = :password_hash, status = 'active'
            WHERE account_id = :account_id RETURNING {ACCOUNT_COLUMNS}""",
            {"password_hash": password_hash, "account_id": invitation["account_id"]},
        )
        return _account(cursor.fetchone())


def login_record(database: Database, username: str) -> dict[str, Any] | None:
    with database.transaction() as cursor:
        cursor.execute(
            f"SELECT {ACCOUNT_COLUMNS}, password_hash FROM accounts WHERE username = :username AND status = 'active'",
            {"username": username.strip().lower()},
        )
        return cursor.fetchone()


def account(database: Database, account_id: str) -> dict[str, Any] | None:
    with database.transaction() as cursor:
        cursor.execute(f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE account_id = :id", {"id": account_id})
        row = cursor.fetchone()
    return _account(row) if row else None


def _scope_filter(caller: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The clients a caller may see: a therapist their own; a clinic admin or analyst the clinic's; others none."""
    params = {"clinic_id": caller["clinic_id"], "role": CLIENT, "therapist_id": caller["subject"]}
    if caller["role"] == THERAPIST:
        return "clinic_id = :clinic_id AND role = :role AND therapist_id = :therapist_id", params
    if caller["role"] in (CLINIC_ADMIN, ANALYST):
        return "clinic_id = :clinic_id AND role = :role", params
    return "1 = 0", params


def clients_of(
    database: Database, caller: Mapping[str, Any], limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    where, params = _scope_filter(caller)
    with database.transaction() as cursor:
        cursor.execute(f"SELECT COUNT(*) AS total FROM accounts WHERE {where}", params)
        total = cursor.fetchone()["total"]
        cursor.execute(
            f"""SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE {where}
            ORDER BY created_at, account_id LIMIT :limit OFFSET :offset""",
            {**params, "limit": limit, "offset": offset},
        )
        rows = [_account(row) for row in cursor.fetchall()]
    return rows, total


def client_visible(database: Database, caller: Mapping[str, Any], client_id: str) -> bool:
    where, params = _scope_filter(caller)
    with database.transaction() as cursor:
        cursor.execute(
            f"SELECT 1 AS found FROM accounts WHERE {where} AND account_id = :client_id",
            {**params, "client_id": client_id},
        )
        return cursor.fetchone() is not None


def erase_client(database: Database, clinic_id: str, client_id: str) -> bool:
    """Delete the client's account, invitations and sessions for good; False if there was none."""
    params = {"clinic_id": clinic_id, "client_id": client_id, "role": CLIENT}
    found = account(database, client_id)
    if found is None or found["clinic_id"] != clinic_id or found["role"] != CLIENT:
        return False
    erase_rows(
        database,
        {
            "invitations": "account_id = :client_id",
            "refresh_tokens": "account_id = :client_id",
            "accounts": "account_id = :client_id AND clinic_id = :clinic_id AND role = :role",
        },
        params,
    )
    return True


# -- refresh tokens ------------------------------------------------------------


def issue_refresh_token(database: Database, account_id: str, ttl_seconds: int) -> str:
    token = secrets.token_urlsafe(32)
    with database.transaction() as cursor:
        cursor.execute(
            """INSERT INTO refresh_tokens (token_digest, account_id, expires_at)
            VALUES (:token, :account_id, :expires_at)""",
            {"token": digest(token), "account_id": account_id, "expires_at": int(time.time()) + ttl_seconds},
        )
    return token


def use_refresh_token(database: Database, token: str) -> str | None:
    """Revoke the token and return its account id; None when unknown, expired or already used.

    A token presented again after use means it leaked: every token of that
    account is revoked, so whoever holds the rotated one must log in again.
    """
    now = int(time.time())
    with database.transaction() as cursor:
        cursor.execute(
            "SELECT account_id, expires_at, revoked_at FROM refresh_tokens WHERE token_digest = :token",
            {"token": digest(token)},
        )
        row = cursor.fetchone()
        if row is None:
            return None
        if row["revoked_at"] is not None:
            _revoke_all(cursor, row["account_id"], now)
            return None
        cursor.execute(
            "UPDATE refresh_tokens SET revoked_at = :now WHERE token_digest = :token",
            {"now": now, "token": digest(token)},
        )
        return row["account_id"] if row["expires_at"] > now else None


def revoke_refresh_token(database: Database, token: str) -> None:
    with database.transaction() as cursor:
        cursor.execute(
            "UPDATE refresh_tokens SET revoked_at = :now WHERE token_digest = :token AND revoked_at IS NULL",
            {"now": int(time.time()), "token": digest(token)},
        )


def _revoke_all(cursor: Cursor, account_id: str, now: int) -> None:
    cursor.execute(
        "UPDATE refresh_tokens SET revoked_at = :now WHERE account_id = :account_id AND revoked_at IS NULL",
        {"now": now, "account_id": account_id},
    )


# -- audit trail -----------------------------------------------------------------


def append_audit(database: Database, entry: Mapping[str, Any]) -> None:
    with database.transaction() as cursor:
        cursor.execute(
            """INSERT INTO audit_entries (clinic_id, at, actor_id, actor_role, action, client_id, resource,
                correlation_id)
            VALUES (:clinic_id, :at, :actor_id, :actor_role, :action, :client_id, :resource, :correlation_id)""",
            {**entry, "at": _now_iso()},
        )


def audit_trail(
    database: Database, clinic_id: str, client_id: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """The clinic's entries, newest first; only one client's when named."""
    where = "clinic_id = :clinic_id" + (" AND client_id = :client_id" if client_id else "")
    params = {"clinic_id": clinic_id, "client_id": client_id}
    with database.transaction() as cursor:
        cursor.execute(f"SELECT COUNT(*) AS total FROM audit_entries WHERE {where}", params)
        total = cursor.fetchone()["total"]
        cursor.execute(
            f"""SELECT entry_id, at, clinic_id, actor_id, actor_role, action, client_id, resource, correlation_id
            FROM audit_entries WHERE {where} ORDER BY entry_id DESC LIMIT :limit OFFSET :offset""",
            {**params, "limit": limit, "offset": offset},
        )
        rows = [{**row, "at": _parsed(row["at"])} for row in cursor.fetchall()]
    return rows, total


# -- seed --------------------------------------------------------------------------


def seed(database: Database, data: Mapping[str, Any]) -> None:
    """Create the configured clinics and accounts that do not exist yet; never change existing ones."""
    for clinic in data.get("clinics") or []:
        create_clinic(database, clinic["name"], clinic["clinic_id"])
    for entry in data.get("accounts") or []:
        if account(database, entry["account_id"]) is not None:
            continue
        fields = ("clinic_id", "username", "role", "display_name", "therapist_id", "password_hash", "account_id")
        try:
            create_account(database, **{key: entry.get(key) for key in fields})
        except Conflict:
            continue  # another replica seeded it at the same moment
