"""Client data at rest: stored events encrypted with a key per client, erasable by destroying the key.

Every stored event whose state names a ``client_id`` (with its ``clinic_id``)
is encrypted with AES-256-GCM under that client's data key; any other event
under the master key. Data keys are random, kept in the service's own
database (table ``client_keys``) wrapped (AES-GCM) by the master key from
configuration (``CLIENT_DATA_MASTER_KEY``, 32 bytes, base64). Erasing a client
deletes their key row for good (SQLite: ``secure_delete`` and a WAL
checkpoint; PostgreSQL: ``VACUUM FULL`` of the key table), after which their
events are unreadable ciphertext even to someone holding the master key:
crypto-shredding, since an append-only log cannot be edited.

Keys are looked up per event and never cached, so an erasure in one process
holds at once in every other (the service's replicas and its relay).

Stored state layout: ``b"C" + key_id (16 bytes) + nonce (12) + ciphertext``
for a client's event, ``b"M" + nonce + ciphertext`` for the rest.
"""

import base64
import binascii
import logging
import os
import sqlite3
import uuid
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent, Transcoder

from .storage import Database, postgres_conninfo, postgres_params, sqlite_path

log = logging.getLogger(__name__)

MASTER_KEY_VARIABLE = "CLIENT_DATA_MASTER_KEY"
# For laptops and tests only: any real deployment sets its own (see docs/security.md).
DEVELOPMENT_MASTER_KEY = base64.b64encode(b"interlude-development-master-key").decode()
KEY_NAMESPACE = uuid.UUID("0c1a7f3e-5b2d-4c8a-9e61-7d4f2a9b3c55")
CLIENT_EVENT = b"C"
MASTER_EVENT = b"M"
NONCE_BYTES = 12

KEY_TABLE = [
    """CREATE TABLE IF NOT EXISTS client_keys (
        key_id TEXT PRIMARY KEY,
        wrapped_key TEXT NOT NULL
    )"""
]


class ClientDataErased(MapperDeserialisationError):
    """The event belongs to a client whose key was destroyed: its content is gone for good."""


def master_key_from(environ: Mapping[str, str]) -> bytes:
    encoded = environ.get(MASTER_KEY_VARIABLE) or DEVELOPMENT_MASTER_KEY
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise ValueError(f"{MASTER_KEY_VARIABLE} must be base64.") from None
    if len(key) != 32:
        raise ValueError(f"{MASTER_KEY_VARIABLE} must decode to 32 bytes (AES-256).")
    return key


def client_key_id(clinic_id: str, client_id: str) -> bytes:
    return uuid.uuid5(KEY_NAMESPACE, f"{clinic_id}\x00{client_id}").bytes


class ClientKeys:
    """Data keys per client, wrapped by the master key; in the service's SQL database or in memory."""

    def __init__(self, master_key: bytes, database: Database | None) -> None:
        self._master = AESGCM(master_key)
        self._database = database
        self._memory: dict[str, str] = {}
        if database is not None:
            database.execute_script(KEY_TABLE)

    def key(self, key_id: bytes, *, create: bool) -> bytes | None:
        """The client's data key; made on first use when ``create``; None once erased (or never made)."""
        wrapped = self._load(key_id.hex())
        if wrapped is None and create:
            self._store(key_id.hex(), self._wrap(key_id, AESGCM.generate_key(bit_length=256)))
            wrapped = self._load(key_id.hex())
        return self._unwrap(key_id, wrapped) if wrapped is not None else None

    def close(self) -> None:
        if self._database is not None:
            self._database.close()

    def destroy(self, key_id: bytes) -> None:
        if self._database is None:
            self._memory.pop(key_id.hex(), None)
            return
        erase_rows(self._database, {"client_keys": "key_id = :key_id"}, {"key_id": key_id.hex()})

    def _load(self, key_id: str) -> str | None:
        if self._database is None:
            return self._memory.get(key_id)
        with self._database.transaction() as cursor:
            cursor.execute("SELECT wrapped_key FROM client_keys WHERE key_id = :key_id", {"key_id": key_id})
            row = cursor.fetchone()
        return row["wrapped_key"] if row else None

    def _store(self, key_id: str, wrapped: str) -> None:
        if self._database is None:
            self._memory.setdefault(key_id, wrapped)
            return
        with self._database.transaction() as cursor:
            cursor.execute(
                """INSERT INTO client_keys (key_id, wrapped_key) VALUES (:key_id, :wrapped)
                ON CONFLICT (key_id) DO NOTHING""",
                {"key_id": key_id, "wrapped": wrapped},
            )

    def _wrap(self, key_id: bytes, key: bytes) -> str:
        nonce = os.urandom(NONCE_BYTES)
        return base64.b64encode(nonce + self._master.encrypt(nonce, key, key_id)).decode()

    def _unwrap(self, key_id: bytes, wrapped: str) -> bytes:
        raw = base64.b64decode(wrapped)
        return self._master.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], key_id)


class ClientKeyMapper(Mapper):
    """eventsourcing's mapper with per-client encryption of the stored state."""

    def __init__(self, transcoder: Transcoder, keys: ClientKeys, master_key: bytes) -> None:
        super().__init__(transcoder=transcoder)
        self.keys = keys
        self._master = AESGCM(master_key)

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        stored = super().to_stored_event(domain_event)
        state = vars(domain_event)
        if "client_id" in state and "clinic_id" in state:
            key_id = client_key_id(state["clinic_id"], state["client_id"])
            key = self.keys.key(key_id, create=True)
            assert key is not None
            sealed = CLIENT_EVENT + key_id + _seal(AESGCM(key), stored.state, key_id)
        else:
            sealed = MASTER_EVENT + _seal(self._master, stored.state, MASTER_EVENT)
        return StoredEvent(stored.originator_id, stored.originator_version, stored.topic, sealed)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        state = stored_event.state
        if state[:1] == CLIENT_EVENT:
            key_id = state[1:17]
            key = self.keys.key(key_id, create=False)
            if key is None:
                raise ClientDataErased(f"Event {stored_event.originator_id}/{stored_event.originator_version} erased.")
            plain = _open(AESGCM(key), state[17:], key_id)
        elif state[:1] == MASTER_EVENT:
            plain = _open(self._master, state[1:], MASTER_EVENT)
        else:
            raise MapperDeserialisationError("Stored event without an encryption header.")
        return super().to_domain_event(
            StoredEvent(stored_event.originator_id, stored_event.originator_version, stored_event.topic, plain)
        )


def erase_rows(database: Database, where_by_table: Mapping[str, str], params: Mapping[str, Any]) -> None:
    """Delete rows so that no copy stays in the database files.

    SQLite: ``secure_delete`` overwrites freed content with zeros, and a WAL
    checkpoint (TRUNCATE) drops the log that still held the old pages.
    PostgreSQL: ``VACUUM FULL`` rewrites each table without its dead tuples.
    """
    with database.transaction() as cursor:
        if not database.is_postgres:
            cursor.execute("PRAGMA secure_delete = ON")
        for table, where in where_by_table.items():
            cursor.execute(f"DELETE FROM {table} WHERE {where}", params)
    if database.is_postgres:
        import psycopg

        with psycopg.connect(postgres_conninfo(postgres_params(database.url)), autocommit=True) as connection:
            for table in where_by_table:
                connection.execute(f"VACUUM FULL {table}")
    else:
        connection = sqlite3.connect(sqlite_path(database.url), timeout=30)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()


def _seal(cipher: AESGCM, plain: bytes, associated: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + cipher.encrypt(nonce, plain, associated)


def _open(cipher: AESGCM, sealed: bytes, associated: bytes) -> bytes:
    return cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)


def client_keys_for(url: str, master_key: bytes) -> ClientKeys:
    """The key table beside the event store ``url`` (in memory for ``memory://``)."""
    return ClientKeys(master_key, None if url.startswith("memory://") else Database(url))
