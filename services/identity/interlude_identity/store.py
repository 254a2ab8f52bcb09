"""The identity store: clinics, accounts, invitations, refresh tokens, session generations and the audit trail.

Secrets are never stored as given: passwords as scrypt hashes, invitation
codes and refresh tokens as SHA-256 digests (they are random, 192+ bits, so a
plain digest suffices and lookups stay indexable). Expiry times are epoch
seconds. The audit table is only ever inserted into.

An account's session generation (0 until first bumped) is the number every
access token of the account carries; ending the account's sessions bumps it,
so the gateway refuses the access tokens issued before.
"""

import base64
import hashlib
import hmac
import os
import secrets
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from interlude_contracts.errors import Conflict
from interlude_contracts.identity import ANALYST, CLIENT, CLINIC_ADMIN, THERAPIST
from interlude_runtime.shredding import erase_rows
from interlude_runtime.storage import Cursor, Database

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
    # Which token a rotation issued, sealed so that only whoever presents the spent token again can read it.
    """CREATE TABLE IF NOT EXISTS refresh_rotations (
        token_digest TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        sealed_successor TEXT NOT NULL,
        rotated_at BIGINT NOT NULL
    )""",
    # A table of its own rather than a column of accounts, so stores of earlier versions need no migration.
    """CREATE TABLE IF NOT EXISTS session_generations (
        account_id TEXT PRIMARY KEY,
        generation BIGINT NOT NULL
    )""",
]
AUDIT_COLUMNS_V1 = """clinic_id TEXT NOT NULL,
        at TEXT NOT NULL,
        actor_id TEXT NOT NULL,
        actor_role TEXT NOT NULL,
        action TEXT NOT NULL,
        client_id TEXT,
        resource TEXT NOT NULL,
        correlation_id TEXT NOT NULL"""
AUDIT_COLUMNS = f"""{AUDIT_COLUMNS_V1},
        entry_key TEXT"""


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


def _only_row(cursor: Cursor) -> dict[str, Any]:
    """The row of a statement that always returns one: a COUNT, or an UPDATE of a row read in the same transaction."""
    row = cursor.fetchone()
    if row is None:
        raise LookupError("The statement returned no row.")
    return row


def _entry_key_column(database: Database) -> list[str]:
    """Adds ``entry_key`` to a store created before it existed (its older entries keep NULL, which never conflicts)."""
    if database.is_postgres:
        return ["ALTER TABLE audit_entries ADD COLUMN IF NOT EXISTS entry_key TEXT"]
    with database.transaction() as cursor:
        cursor.execute("SELECT name FROM pragma_table_info('audit_entries')")
        columns = {row["name"] for row in cursor.fetchall()}
    return [] if not columns or "entry_key" in columns else ["ALTER TABLE audit_entries ADD COLUMN entry_key TEXT"]


def create_tables(database: Database) -> None:
    key = "entry_id BIGSERIAL PRIMARY KEY" if database.is_postgres else "entry_id INTEGER PRIMARY KEY AUTOINCREMENT"
    audit = [
        f"CREATE TABLE IF NOT EXISTS audit_entries ({key}, {AUDIT_COLUMNS})",
        "CREATE INDEX IF NOT EXISTS audit_by_clinic ON audit_entries (clinic_id, client_id, entry_id)",
        *_entry_key_column(database),
        "CREATE UNIQUE INDEX IF NOT EXISTS audit_by_entry_key ON audit_entries (entry_key)",
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
        total = _only_row(cursor)["total"]
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


def clinic_of_username(database: Database, username: str) -> str | None:
    """The clinic whose account holds the username, if any."""
    with database.transaction() as cursor:
        cursor.execute(
            "SELECT clinic_id FROM accounts WHERE username = :username", {"username": username.strip().lower()}
        )
        row = cursor.fetchone()
    return row["clinic_id"] if row else None


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


def invited_username(database: Database, code: str) -> str | None:
    """The username an unredeemed, unexpired invitation code is for; None otherwise (nothing is spent)."""
    with database.transaction() as cursor:
        cursor.execute(
            """SELECT accounts.username FROM invitations JOIN accounts USING (account_id)
            WHERE invitations.code_digest = :code AND invitations.redeemed_at IS NULL
            AND invitations.expires_at > :now""",
            {"code": digest(code), "now": int(time.time())},
        )
        row = cursor.fetchone()
    return row["username"] if row else None


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
        return _account(_only_row(cursor))


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
        total = _only_row(cursor)["total"]
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
            "refresh_rotations": "account_id = :client_id",
            "session_generations": "account_id = :client_id",
            "accounts": "account_id = :client_id AND clinic_id = :clinic_id AND role = :role",
        },
        params,
    )
    return True


# -- refresh tokens ------------------------------------------------------------


# A rotation redelivered (identity committed it and died before answering, or the gateway retried)
# presents the spent token again with the same rotation key; within this window it gets the same successor.
# Longer than an app keeps retrying one refresh through an outage: the fault harness's clients retried one
# for over a minute (identity down longer than the gateway's 30 s timeout, then its queued requests), and a
# 30 s window ended every session of those accounts. Reuse stays detected: the successor is given only to
# the holder of the spent token and the request's key, and any second use of the successor revokes them all.
ROTATION_GRACE_SECONDS = 300
NONCE_BYTES = 12


def issue_refresh_token(database: Database, account_id: str, ttl_seconds: int) -> str:
    with database.transaction() as cursor:
        return _issue(cursor, account_id, ttl_seconds)


def rotate_refresh_token(
    database: Database, token: str, ttl_seconds: int, rotation_key: str | None = None
) -> tuple[str, str] | None:
    """Spend the token and issue its successor: (account id, new token); None when unknown, expired or already used.

    A token presented again after use means it leaked: every token of that
    account is revoked, so whoever holds the rotated one must log in again. The
    one exception is the same rotation redelivered: the same rotation key within
    ``ROTATION_GRACE_SECONDS`` gets the successor the first rotation issued.
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
        account_id = row["account_id"]
        if row["revoked_at"] is None and _spend(cursor, token, now):
            if row["expires_at"] <= now:
                return None
            return account_id, _issue_successor(cursor, token, account_id, ttl_seconds, rotation_key, now)
        successor = _redelivered_successor(cursor, token, rotation_key, now)
        if successor is None:
            _revoke_all(cursor, account_id, now)
            return None
        return account_id, successor


def _issue(cursor: Cursor, account_id: str, ttl_seconds: int) -> str:
    token = secrets.token_urlsafe(32)
    cursor.execute(
        """INSERT INTO refresh_tokens (token_digest, account_id, expires_at)
        VALUES (:token, :account_id, :expires_at)""",
        {"token": digest(token), "account_id": account_id, "expires_at": int(time.time()) + ttl_seconds},
    )
    return token


def _spend(cursor: Cursor, token: str, now: int) -> bool:
    """False when a concurrent rotation spent the token first."""
    cursor.execute(
        """UPDATE refresh_tokens SET revoked_at = :now
        WHERE token_digest = :token AND revoked_at IS NULL RETURNING account_id""",
        {"now": now, "token": digest(token)},
    )
    return cursor.fetchone() is not None


def _issue_successor(
    cursor: Cursor, token: str, account_id: str, ttl_seconds: int, rotation_key: str | None, now: int
) -> str:
    successor = _issue(cursor, account_id, ttl_seconds)
    if rotation_key:
        cursor.execute(
            """INSERT INTO refresh_rotations (token_digest, account_id, sealed_successor, rotated_at)
            VALUES (:token, :account_id, :sealed, :now)""",
            {
                "token": digest(token),
                "account_id": account_id,
                "sealed": _seal_successor(token, rotation_key, successor),
                "now": now,
            },
        )
    return successor


def _redelivered_successor(cursor: Cursor, token: str, rotation_key: str | None, now: int) -> str | None:
    """The successor of the same rotation seen again within the grace window, if it is still unused."""
    if not rotation_key:
        return None
    cursor.execute(
        "SELECT sealed_successor, rotated_at FROM refresh_rotations WHERE token_digest = :token",
        {"token": digest(token)},
    )
    rotation = cursor.fetchone()
    if rotation is None or now - rotation["rotated_at"] > ROTATION_GRACE_SECONDS:
        return None
    successor = _open_successor(token, rotation_key, rotation["sealed_successor"])
    if successor is None:
        return None
    cursor.execute(
        "SELECT 1 AS live FROM refresh_tokens WHERE token_digest = :token AND revoked_at IS NULL",
        {"token": digest(successor)},
    )
    return successor if cursor.fetchone() is not None else None


def _rotation_cipher(token: str, rotation_key: str) -> AESGCM:
    # Keyed by the spent token (stored only as a digest) and the rotation key: a copy of the store
    # reveals no successor, and another rotation key cannot open it (the tag fails).
    key = hmac.new(token.encode(), b"refresh-rotation\0" + rotation_key.encode(), hashlib.sha256).digest()
    return AESGCM(key)


def _seal_successor(token: str, rotation_key: str, successor: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = _rotation_cipher(token, rotation_key).encrypt(nonce, successor.encode(), digest(token).encode())
    return base64.b64encode(nonce + sealed).decode()


def _open_successor(token: str, rotation_key: str, sealed: str) -> str | None:
    raw = base64.b64decode(sealed)
    try:
        plain = _rotation_cipher(token, rotation_key).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], digest(token).encode()
        )
    except InvalidTag:
        return None
    return plain.decode()


def revoke_refresh_token(database: Database, token: str) -> None:
    """Spend the token and end the account's access tokens (its other devices renew theirs by refresh)."""
    with database.transaction() as cursor:
        cursor.execute(
            """UPDATE refresh_tokens SET revoked_at = :now
            WHERE token_digest = :token AND revoked_at IS NULL RETURNING account_id""",
            {"now": int(time.time()), "token": digest(token)},
        )
        revoked = cursor.fetchone()
        if revoked is not None:
            _bump_generation(cursor, revoked["account_id"])


def end_sessions(database: Database, account_id: str) -> None:
    """Revoke every refresh token of the account and end its access tokens."""
    with database.transaction() as cursor:
        _revoke_all(cursor, account_id, int(time.time()))


def _revoke_all(cursor: Cursor, account_id: str, now: int) -> None:
    cursor.execute(
        "UPDATE refresh_tokens SET revoked_at = :now WHERE account_id = :account_id AND revoked_at IS NULL",
        {"now": now, "account_id": account_id},
    )
    _bump_generation(cursor, account_id)


# -- session generations -----------------------------------------------------------


def _bump_generation(cursor: Cursor, account_id: str) -> None:
    cursor.execute(
        """INSERT INTO session_generations (account_id, generation) VALUES (:account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET generation = session_generations.generation + 1""",
        {"account_id": account_id},
    )


def session_generation(database: Database, account_id: str) -> int | None:
    """The generation current access tokens of the account carry; None unless the account exists and is active."""
    with database.transaction() as cursor:
        cursor.execute(
            """SELECT COALESCE(g.generation, 0) AS generation FROM accounts a
            LEFT JOIN session_generations g ON g.account_id = a.account_id
            WHERE a.account_id = :account_id AND a.status = 'active'""",
            {"account_id": account_id},
        )
        row = cursor.fetchone()
    return int(row["generation"]) if row else None


# -- audit trail -----------------------------------------------------------------


AUDIT_KEY_NAMESPACE = uuid.UUID("6f1c8e52-3a57-4c1e-9a0e-5d7a2b9c4e11")
AUDIT_KEY_FIELDS = ("clinic_id", "actor_id", "action", "client_id", "resource", "correlation_id")


def audit_entry_key(entry: Mapping[str, Any]) -> str:
    """The entry's identity: one request (its correlation id) doing one action to one client's data once."""
    return str(uuid.uuid5(AUDIT_KEY_NAMESPACE, "\x1f".join(str(entry.get(name) or "") for name in AUDIT_KEY_FIELDS)))


def append_audit(database: Database, entry: Mapping[str, Any]) -> None:
    """Insert the entry unless one with its key is already there: a retried request is audited once."""
    with database.transaction() as cursor:
        cursor.execute(
            """INSERT INTO audit_entries (clinic_id, at, actor_id, actor_role, action, client_id, resource,
                correlation_id, entry_key)
            VALUES (:clinic_id, :at, :actor_id, :actor_role, :action, :client_id, :resource, :correlation_id,
                :entry_key)
            ON CONFLICT (entry_key) DO NOTHING""",
            {"at": _now_iso(), **entry, "entry_key": audit_entry_key(entry)},
        )


def audit_trail(
    database: Database, clinic_id: str, client_id: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """The clinic's entries, newest first; only one client's when named."""
    where = "clinic_id = :clinic_id" + (" AND client_id = :client_id" if client_id else "")
    params = {"clinic_id": clinic_id, "client_id": client_id}
    with database.transaction() as cursor:
        cursor.execute(f"SELECT COUNT(*) AS total FROM audit_entries WHERE {where}", params)
        total = _only_row(cursor)["total"]
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
