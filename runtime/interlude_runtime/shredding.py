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

An erasure holds at once in every process (the service's replicas and its
relay): each read of stored events (an aggregate's load, a page of the log)
checks the keys it needs against the key table in one query, so a key
destroyed before that query began is never used to open anything. Only the
unwrapping is cached, by wrapped value (a key erased and made again is a new
entry), for at most ``UNWRAPPED_KEY_SECONDS`` (docs/security.md, *Client data
at rest*). Sealing a new event uses a key unwrapped lately without asking the
table (``ClientKeys.for_sealing``): an erasure meanwhile elsewhere only makes
that event as unreadable as the rest of the client's.

Stored state layout: ``b"C" + key_id (16 bytes) + nonce (12) + ciphertext``
for a client's event, ``b"M" + nonce + ciphertext`` for the rest.
"""

import base64
import binascii
import logging
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import (
    EventStore,
    Mapper,
    MapperDeserialisationError,
    Notification,
    Recording,
    StoredEvent,
    Transcoder,
)

from .secrets import required_secret
from .storage import Database, postgres_conninfo, postgres_params, sqlite_path

log = logging.getLogger(__name__)

MASTER_KEY_VARIABLE = "CLIENT_DATA_MASTER_KEY"
# Development mode only (INTERLUDE_DEVELOPMENT=1): elsewhere a process refuses to start on it.
DEVELOPMENT_MASTER_KEY = base64.b64encode(b"interlude-development-master-key").decode()
KEY_NAMESPACE = uuid.UUID("0c1a7f3e-5b2d-4c8a-9e61-7d4f2a9b3c55")
CLIENT_EVENT = b"C"
MASTER_EVENT = b"M"
NONCE_BYTES = 12
KEY_ID_BYTES = 16
# Memory hygiene, not correctness (every read checks the key table): how long an unwrapped key may stay in memory.
UNWRAPPED_KEY_SECONDS = 300.0
UNWRAPPED_KEYS_KEPT = 10_000

KEY_TABLE = [
    """CREATE TABLE IF NOT EXISTS client_keys (
        key_id TEXT PRIMARY KEY,
        wrapped_key TEXT NOT NULL
    )"""
]


class ClientDataErased(MapperDeserialisationError):
    """The event belongs to a client whose key was destroyed: its content is gone for good."""


def master_key_from(environ: Mapping[str, str]) -> bytes:
    """The master key the environment names; outside development mode it must be set and not the public default."""
    encoded = required_secret(MASTER_KEY_VARIABLE, environ.get(MASTER_KEY_VARIABLE), (DEVELOPMENT_MASTER_KEY,))
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

    def __init__(
        self, master_key: bytes, database: Database | None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._master = AESGCM(master_key)
        self._database = database
        self._memory: dict[str, str] = {}
        self._clock = clock
        # key id (hex) -> (wrapped key it was unwrapped from, the key, when unwrapped)
        self._unwrapped: dict[str, tuple[str, bytes, float]] = {}
        if database is not None:
            database.execute_script(KEY_TABLE)

    def key(self, key_id: bytes, *, create: bool) -> bytes | None:
        """The client's data key; made on first use when ``create``; None once erased (or never made)."""
        return self.current({key_id}, create=create).get(key_id)

    def current(self, key_ids: Iterable[bytes], *, create: bool = False) -> dict[bytes, bytes]:
        """The data keys of ``key_ids`` that exist now (one query), made first when ``create``; erased ones absent."""
        wanted = {key_id.hex(): key_id for key_id in key_ids}
        if not wanted:
            return {}
        wrapped = self._load(list(wanted))
        missing = [hex_id for hex_id in wanted if hex_id not in wrapped]
        if missing and create:
            for hex_id in missing:
                self._store(hex_id, self._wrap(wanted[hex_id], AESGCM.generate_key(bit_length=256)))
            wrapped.update(self._load(missing))
        for hex_id in wanted.keys() - wrapped.keys():
            self._unwrapped.pop(hex_id, None)  # erased: drop it from memory too
        return {wanted[hex_id]: self._unwrapped_key(wanted[hex_id], value) for hex_id, value in wrapped.items()}

    def for_sealing(self, key_ids: Iterable[bytes]) -> dict[bytes, bytes]:
        """The keys to seal new events with: one unwrapped lately is used as it is, without a query; the rest
        are looked up, and made when missing, as ``current(create=True)`` does.

        Only reads must see an erasure at once. A key destroyed by another process since it was unwrapped
        here only seals the new event as unreadable as the client's others; this process's own erasure
        (``destroy``) forgets the key first.
        """
        now = self._clock()
        wanted = list(key_ids)
        recent = {}
        for key_id in wanted:
            cached = self._unwrapped.get(key_id.hex())
            if cached is not None and now - cached[2] < UNWRAPPED_KEY_SECONDS:
                recent[key_id] = cached[1]
        unknown = [key_id for key_id in wanted if key_id not in recent]
        return recent | (self.current(unknown, create=True) if unknown else {})

    def close(self) -> None:
        if self._database is not None:
            self._database.close()

    def destroy(self, key_id: bytes) -> None:
        self._unwrapped.pop(key_id.hex(), None)
        if self._database is None:
            self._memory.pop(key_id.hex(), None)
            return
        erase_rows(self._database, {"client_keys": "key_id = :key_id"}, {"key_id": key_id.hex()})

    def _load(self, key_ids: Sequence[str]) -> dict[str, str]:
        """Wrapped keys by id, of those that exist: one indexed query (the primary key)."""
        if self._database is None:
            return {key_id: self._memory[key_id] for key_id in key_ids if key_id in self._memory}
        names = {f"key_{index}": key_id for index, key_id in enumerate(key_ids)}
        placeholders = ", ".join(f":{name}" for name in names)
        with self._database.transaction() as cursor:
            cursor.execute(f"SELECT key_id, wrapped_key FROM client_keys WHERE key_id IN ({placeholders})", names)
            rows = cursor.fetchall()
        return {row["key_id"]: row["wrapped_key"] for row in rows}

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

    def _unwrapped_key(self, key_id: bytes, wrapped: str) -> bytes:
        """The key ``wrapped`` holds; unwrapped again when the row changed (erased and made anew) or aged."""
        now = self._clock()
        cached = self._unwrapped.get(key_id.hex())
        if cached is not None and cached[0] == wrapped and now - cached[2] < UNWRAPPED_KEY_SECONDS:
            return cached[1]
        key = self._unwrap(key_id, wrapped)
        if len(self._unwrapped) >= UNWRAPPED_KEYS_KEPT:
            self._unwrapped.pop(next(iter(self._unwrapped)))
        self._unwrapped[key_id.hex()] = (wrapped, key, now)
        return key

    def _wrap(self, key_id: bytes, key: bytes) -> str:
        nonce = os.urandom(NONCE_BYTES)
        return base64.b64encode(nonce + self._master.encrypt(nonce, key, key_id)).decode()

    def _unwrap(self, key_id: bytes, wrapped: str) -> bytes:
        raw = base64.b64decode(wrapped)
        return self._master.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], key_id)


class ClientKeyMapper(Mapper):
    """eventsourcing's mapper with per-client encryption of the stored state.

    The batch forms (``to_stored_events``, ``keys_for`` with ``decoded``) look the keys of many events up
    in one query; ``KeyCheckingEventStore`` uses them for every aggregate load and save.
    """

    def __init__(self, transcoder: Transcoder, keys: ClientKeys, master_key: bytes) -> None:
        super().__init__(transcoder=transcoder)
        self.keys = keys
        self._master = AESGCM(master_key)

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        return self.to_stored_events([domain_event])[0]

    def to_stored_events(
        self, domain_events: Sequence[Any], owners: Mapping[Any, bytes] | None = None
    ) -> list[StoredEvent]:
        """The events sealed, with their clients' keys (made on first use) looked up in one query.

        An event whose state names no client is sealed under the key ``owners`` gives its aggregate (one
        client's own aggregate: see ``owner_keys``), else under the master key.
        """
        owners = owners or {}
        key_ids = [
            _client_key_id_of(vars(domain_event)) or owners.get(domain_event.originator_id)
            for domain_event in domain_events
        ]
        keys = self.keys.for_sealing({key_id for key_id in key_ids if key_id is not None})
        return [self._sealed(event, key_id, keys) for event, key_id in zip(domain_events, key_ids, strict=True)]

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        return self.decoded(stored_event, self.keys_for([stored_event]))

    def keys_for(self, stored_events: Iterable[StoredEvent]) -> dict[bytes, bytes]:
        """The keys the events were sealed with that still exist now: one query for them all."""
        return self.keys.current(
            {event.state[1 : 1 + KEY_ID_BYTES] for event in stored_events if event.state[:1] == CLIENT_EVENT}
        )

    def decoded(self, stored_event: StoredEvent, keys: Mapping[bytes, bytes]) -> Any:
        """The domain event, opened with ``keys`` (from ``keys_for``); ClientDataErased when its key is gone."""
        state = stored_event.state
        if state[:1] == CLIENT_EVENT:
            key_id = state[1 : 1 + KEY_ID_BYTES]
            key = keys.get(key_id)
            if key is None:
                raise ClientDataErased(f"Event {stored_event.originator_id}/{stored_event.originator_version} erased.")
            plain = _open(AESGCM(key), state[1 + KEY_ID_BYTES :], key_id)
        elif state[:1] == MASTER_EVENT:
            plain = _open(self._master, state[1:], MASTER_EVENT)
        else:
            raise MapperDeserialisationError("Stored event without an encryption header.")
        return super().to_domain_event(
            StoredEvent(stored_event.originator_id, stored_event.originator_version, stored_event.topic, plain)
        )

    def _sealed(self, domain_event: Any, key_id: bytes | None, keys: Mapping[bytes, bytes]) -> StoredEvent:
        stored = super().to_stored_event(domain_event)
        if key_id is not None:
            sealed = CLIENT_EVENT + key_id + _seal(AESGCM(keys[key_id]), stored.state, key_id)
        else:
            sealed = MASTER_EVENT + _seal(self._master, stored.state, MASTER_EVENT)
        return StoredEvent(stored.originator_id, stored.originator_version, stored.topic, sealed)


class ErasedClientEvent:
    """Stands in for one client's event, erased, in an aggregate that others share (a group, a pathway's index).

    It keeps the aggregate's sequence of versions and changes nothing else: the aggregate loads as if that
    client had never been in it, while its other clients' events still apply.
    """

    def __init__(self, originator_id: Any, originator_version: int) -> None:
        self.originator_id = originator_id
        self.originator_version = originator_version

    def mutate(self, aggregate: Any) -> Any:
        aggregate.version = self.originator_version
        return aggregate


class KeyCheckingEventStore(EventStore[Any]):
    """An event store whose reads and writes look their clients' keys up once per aggregate, not once per event.

    ``shared_topics`` name the events of one client inside aggregates shared with others: once that client
    is erased, each loads as an ``ErasedClientEvent``; any other erased event raises ``ClientDataErased``.
    """

    mapper: ClientKeyMapper

    def __init__(self, mapper: ClientKeyMapper, recorder: Any, shared_topics: Iterable[str] = ()) -> None:
        super().__init__(mapper=mapper, recorder=recorder)
        self.shared_topics = frozenset(shared_topics)

    def put(
        self, domain_events: Sequence[Any], owners: Mapping[Any, bytes] | None = None, **kwargs: Any
    ) -> list[Recording[Any]]:
        stored_events = self.mapper.to_stored_events(domain_events, owners)
        notification_ids = self.recorder.insert_events(stored_events, **kwargs)
        if not notification_ids:
            return []
        return [
            Recording(domain, _notification(stored, notification_id))
            for domain, stored, notification_id in zip(domain_events, stored_events, notification_ids, strict=True)
        ]

    def get(
        self,
        originator_id: Any,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Iterator[Any]:
        stored_events = self.recorder.select_events(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        keys = self.mapper.keys_for(stored_events)  # checked after the events were read: see docs/security.md
        return (self._opened(stored_event, keys) for stored_event in stored_events)

    def get_many(self, originator_ids: Sequence[Any]) -> dict[Any, list[Any]]:
        """Every event of these aggregates, opened, by aggregate in version order: one query for the events
        and one for their keys, where ``get`` for each would cost two per aggregate."""
        stored = select_events_of_many(self.recorder, originator_ids)
        keys = self.mapper.keys_for(event for events in stored.values() for event in events)
        return {
            originator_id: [self._opened(event, keys) for event in events] for originator_id, events in stored.items()
        }

    def with_any_of(self, originator_ids: Sequence[Any], topics: Sequence[str]) -> set[Any]:
        """Those of these aggregates that stored an event of one of ``topics`` (a topic is stored in the
        clear beside its sealed state): one query, nothing opened."""
        stored = select_events_of_many(self.recorder, originator_ids, topics)
        return {originator_id for originator_id, events in stored.items() if events}

    def _opened(self, stored_event: StoredEvent, keys: Mapping[bytes, bytes]) -> Any:
        try:
            return self.mapper.decoded(stored_event, keys)
        except ClientDataErased:
            if stored_event.topic not in self.shared_topics:
                raise
            return ErasedClientEvent(stored_event.originator_id, stored_event.originator_version)


MANY_PER_QUERY = 500  # below SQLite's limit of bound parameters in one statement


def select_events_of_many(
    recorder: Any, originator_ids: Sequence[Any], topics: Sequence[str] | None = None
) -> dict[Any, list[StoredEvent]]:
    """The stored events of each aggregate (only those of ``topics``, when given), in version order, read a
    few hundred aggregates per query.

    eventsourcing's recorders read one aggregate per query; this reads their tables the same way for many.
    """
    from eventsourcing.postgres import PostgresAggregateRecorder
    from eventsourcing.sqlite import SQLiteAggregateRecorder

    found: dict[Any, list[StoredEvent]] = {originator_id: [] for originator_id in originator_ids}
    unique = list(found)  # an id named twice is read once
    chunks = [unique[start : start + MANY_PER_QUERY] for start in range(0, len(unique), MANY_PER_QUERY)]
    for chunk in chunks:
        if isinstance(recorder, PostgresAggregateRecorder):
            rows = _postgres_events_of(recorder, chunk, topics)
        elif isinstance(recorder, SQLiteAggregateRecorder):
            rows = _sqlite_events_of(recorder, chunk, topics)
        else:
            rows = [event for originator_id in chunk for event in recorder.select_events(originator_id)]
            rows = [event for event in rows if topics is None or event.topic in topics]
        for event in rows:
            found[event.originator_id].append(event)
    return found


def _postgres_events_of(recorder: Any, originator_ids: list[Any], topics: Sequence[str] | None) -> list[StoredEvent]:
    from psycopg.sql import SQL, Identifier

    of_topics = " AND topic = ANY(%s)" if topics is not None else ""
    statement = SQL(
        "SELECT * FROM {schema}.{table} WHERE originator_id = ANY(%s)"
        + of_topics
        + " ORDER BY originator_id, originator_version"
    ).format(schema=Identifier(recorder.datastore.schema), table=Identifier(recorder.events_table_name))
    with recorder.datastore.get_connection() as connection, connection.cursor() as cursor:
        cursor.execute(statement, [originator_ids, *([list(topics)] if topics is not None else [])])
        return [
            StoredEvent(row["originator_id"], row["originator_version"], row["topic"], bytes(row["state"]))
            for row in cursor.fetchall()
        ]


def _sqlite_events_of(recorder: Any, originator_ids: list[Any], topics: Sequence[str] | None) -> list[StoredEvent]:
    placeholders = ", ".join("?" for _ in originator_ids)
    of_topics = f" AND topic IN ({', '.join('?' for _ in topics)})" if topics is not None else ""
    statement = (
        f"SELECT * FROM {recorder.events_table_name} WHERE originator_id IN ({placeholders}){of_topics} "
        "ORDER BY originator_id, originator_version"
    )
    params = [
        originator_id.hex if isinstance(originator_id, uuid.UUID) else originator_id for originator_id in originator_ids
    ] + list(topics or [])
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(statement, params)
        return [
            StoredEvent(
                recorder.convert_originator_id(row["originator_id"]),
                row["originator_version"],
                row["topic"],
                row["state"],
            )
            for row in cursor.fetchall()
        ]


def _notification(stored: StoredEvent, notification_id: int) -> Notification:
    return Notification(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=stored.state,
        id=notification_id,
    )


def owner_keys(aggregates: Iterable[Any]) -> dict[Any, bytes]:
    """The key of each aggregate that is one client's own (it has their ``clinic_id`` and ``client_id``):
    every event of it is sealed under that client's key, whether or not the event names the client."""
    return {
        aggregate.id: client_key_id(aggregate.clinic_id, aggregate.client_id)
        for aggregate in aggregates
        if getattr(aggregate, "client_id", None) and getattr(aggregate, "clinic_id", None)
    }


def _client_key_id_of(state: Mapping[str, Any]) -> bytes | None:
    """The key a new event's state is sealed with: its client's, when it names one."""
    if "client_id" in state and "clinic_id" in state:
        return client_key_id(state["clinic_id"], state["client_id"])
    return None


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
        sqlite_connection = sqlite3.connect(sqlite_path(database.url), timeout=30)
        try:
            sqlite_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            sqlite_connection.close()


def _seal(cipher: AESGCM, plain: bytes, associated: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + cipher.encrypt(nonce, plain, associated)


def _open(cipher: AESGCM, sealed: bytes, associated: bytes) -> bytes:
    return cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)


def client_keys_for(url: str, master_key: bytes) -> ClientKeys:
    """The key table beside the event store ``url`` (in memory for ``memory://``)."""
    return ClientKeys(master_key, None if url.startswith("memory://") else Database(url))
