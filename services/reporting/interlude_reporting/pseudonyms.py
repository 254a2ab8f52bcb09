"""Pseudonyms: how analysts name a client, so that nothing they read carries the client's account id.

Each client of a clinic gets a random pseudonym (``anon-`` and 16 hex digits)
the first time reporting hears of them. Analysts read every report and export
with pseudonyms in place of client ids, and ask for one client's report by
pseudonym (docs/security.md). The table is not a projection: a rebuild keeps
it, so a client's pseudonym does not change; an erasure deletes the row.
"""

import uuid
from collections.abc import Iterable

from interlude_contracts.errors import NotFound
from interlude_runtime.storage import Cursor, Database
from interlude_runtime.tombstones import hold_client, is_erased

PSEUDONYMS_TABLE = "client_pseudonyms"
PSEUDONYMS = [
    f"""CREATE TABLE IF NOT EXISTS {PSEUDONYMS_TABLE} (
        clinic_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        pseudonym TEXT NOT NULL UNIQUE,
        PRIMARY KEY (clinic_id, client_id)
    )""",
]


def new_pseudonym() -> str:
    return f"anon-{uuid.uuid4().hex[:16]}"


def remember(cursor: Cursor, clinic_id: str, client_id: str) -> None:
    """Give the client a pseudonym unless they have one (idempotent)."""
    cursor.execute(
        f"""INSERT INTO {PSEUDONYMS_TABLE} (clinic_id, client_id, pseudonym)
        VALUES (:clinic_id, :client_id, :pseudonym) ON CONFLICT (clinic_id, client_id) DO NOTHING""",
        {"clinic_id": clinic_id, "client_id": client_id, "pseudonym": new_pseudonym()},
    )


def pseudonyms_of(database: Database, clinic_id: str, client_ids: Iterable[str]) -> dict[str, str]:
    """Each client's pseudonym; a client reporting has never heard of gets one now.

    Read first and written only for the clients without one: an export page names a thousand clients
    who all have theirs, and a write per client made the export crawl.

    A client erased since the rows naming them were read gets a pseudonym for this answer only: never their
    id, and no row that names them again. The erasure's burial and these writes are held apart
    (``hold_client``), as the consumer's are.
    """
    wanted = sorted(set(client_ids))
    if not wanted:
        return {}
    with database.transaction() as cursor:
        known = _known(cursor, clinic_id, wanted)
        missing = [client_id for client_id in wanted if client_id not in known]
        for client_id in missing:
            hold_client(cursor, clinic_id, client_id, postgres=database.is_postgres)
        erased = {client_id for client_id in missing if is_erased(cursor, clinic_id, client_id)}
        kept = [client_id for client_id in missing if client_id not in erased]
        for client_id in kept:
            remember(cursor, clinic_id, client_id)
        named = {**known, **(_known(cursor, clinic_id, kept) if kept else {})}
        return {**named, **{client_id: new_pseudonym() for client_id in erased}}


def _known(cursor: Cursor, clinic_id: str, client_ids: list[str]) -> dict[str, str]:
    names = {f"client_{index}": client_id for index, client_id in enumerate(client_ids)}
    cursor.execute(
        f"""SELECT client_id, pseudonym FROM {PSEUDONYMS_TABLE}
        WHERE clinic_id = :clinic_id AND client_id IN ({", ".join(":" + name for name in names)})""",
        {"clinic_id": clinic_id, **names},
    )
    return {row["client_id"]: row["pseudonym"] for row in cursor.fetchall()}


def client_of(database: Database, clinic_id: str, pseudonym: str) -> str:
    """The client a pseudonym names in the clinic; NotFound for any other text (a real client id included)."""
    with database.transaction() as cursor:
        cursor.execute(
            f"SELECT client_id FROM {PSEUDONYMS_TABLE} WHERE clinic_id = :clinic_id AND pseudonym = :pseudonym",
            {"clinic_id": clinic_id, "pseudonym": pseudonym},
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound("No such client.", {"client_id": ["No client with this pseudonym in this clinic."]})
    return str(row["client_id"])
