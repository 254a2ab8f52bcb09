"""Erased clients, remembered without their ids, so that a message about one arriving late writes nothing.

An event published before an erasure may still be in a consumer's queue when
the erasure returns (or be redelivered later). A SQL service that purges a
client records a tombstone in the same transaction as the purge, and its
consumer drops any event about a tombstoned client. The tombstone is a SHA-256
digest of clinic and client id: it lets the service recognise the client in an
event, and names no one to a reader of the table (docs/security.md).
"""

import hashlib

from .storage import Cursor

ERASED_CLIENTS_TABLE = "erased_clients"
TOMBSTONES = [
    f"""CREATE TABLE IF NOT EXISTS {ERASED_CLIENTS_TABLE} (
        digest TEXT PRIMARY KEY
    )"""
]


def client_digest(clinic_id: str, client_id: str) -> str:
    return hashlib.sha256(f"interlude-erased\x00{clinic_id}\x00{client_id}".encode()).hexdigest()


def hold_client(cursor: Cursor, clinic_id: str, client_id: str, *, postgres: bool, exclusive: bool = False) -> None:
    """Keep an erasure's burial (``exclusive``) and writes about the client (shared) apart until this
    transaction ends.

    A writer that checked for a tombstone before the burial committed, and wrote after the purge had
    deleted, left rows of an erased client behind. Under this lock the burial waits for the writers
    already under way (the purge, after it, deletes their rows), and a writer after it sees the tombstone.
    SQLite has one writer at a time already.
    """
    if postgres:
        key = int.from_bytes(bytes.fromhex(client_digest(clinic_id, client_id))[:8], "big", signed=True)
        lock = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        cursor.execute(f"SELECT {lock}(:key)", {"key": key})


def bury(cursor: Cursor, clinic_id: str, client_id: str) -> None:
    """Remember that the client was erased (idempotent)."""
    cursor.execute(
        "INSERT INTO erased_clients (digest) VALUES (:digest) ON CONFLICT (digest) DO NOTHING",
        {"digest": client_digest(clinic_id, client_id)},
    )


def is_erased(cursor: Cursor, clinic_id: str, client_id: str | None) -> bool:
    """Whether the client named (if any) was erased here."""
    if client_id is None:
        return False
    cursor.execute(
        "SELECT 1 AS erased FROM erased_clients WHERE digest = :digest",
        {"digest": client_digest(clinic_id, client_id)},
    )
    return cursor.fetchone() is not None
