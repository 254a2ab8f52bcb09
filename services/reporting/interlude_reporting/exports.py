"""Reports as tables for CSV export, fetched page by page.

The gateway streams a report by asking for page after page (``offset`` and
``limit``) until ``next_offset`` is None, so a large report never sits whole in
one RPC reply or in the gateway's memory. Table reports page in SQL, and so does
the clinic's adherence (its page's clients are chosen in the query); a therapist's
caseload and the activity usage (bounded by one caseload, one clinic's library)
are computed and sliced.
"""

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from interlude_contracts.analytics import CSV_REPORTS
from interlude_contracts.errors import Forbidden, ValidationFailed
from interlude_contracts.spreadsheet import csv_text
from interlude_runtime.storage import Database

from .pseudonyms import PSEUDONYMS_TABLE, pseudonyms_of
from .reports import FUNNEL_STAGES, activity_usage, caseload, clinic_adherence

MAX_PAGE = 5000
CURSOR = "after:"

# name: (columns, table, order: a unique key of exported NOT NULL columns, filters the caller may pass)
TABLE_EXPORTS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...], tuple[str, ...]]] = {
    "assignments": (
        (
            "assignment_id",
            "client_id",
            "therapist_id",
            "activity_id",
            "activity_version",
            "activity_title",
            "status",
            "assigned_at",
            "due_at",
            "submitted_at",
            "cancelled_at",
        ),
        "assignments",
        ("assignment_id",),
        ("client_id",),
    ),
    "timeline": (
        ("assignment_id", "client_id", "status", "occurred_at", "event_id"),
        "assignment_events",
        ("assignment_id", "occurred_at", "event_id"),
        ("client_id", "assignment_id"),
    ),
    "scores": (
        (
            "client_id",
            "measure",
            "score_key",
            "value",
            "band",
            "above_cutoff",
            "submitted_at",
            "assignment_id",
            "activity_id",
            "activity_version",
        ),
        "scores",
        # Each client's scores in time order (every key NOT NULL: a page starts after the last row's key).
        ("client_id", "submitted_at", "assignment_id", "score_key"),
        ("client_id", "measure"),
    ),
    "risk-flags": (
        (
            "flag_id",
            "client_id",
            "assignment_id",
            "therapist_id",
            "measure",
            "rule_id",
            "item_id",
            "message",
            "raised_at",
            "acknowledged_by",
            "acknowledged_at",
            "note",
        ),
        "risk_flags",
        ("raised_at", "flag_id"),
        ("client_id",),
    ),
}

ADHERENCE_COLUMNS = (
    "client_id",
    "assigned",
    "completed",
    "overdue",
    "cancelled",
    "completion_rate",
    "median_hours_to_complete",
    "last_activity_at",
)
CASELOAD_COLUMNS = (
    "client_id",
    "open_risk_flags",
    "worsening",
    "overdue",
    "completion_rate",
    "last_activity_at",
    "latest_scores",
)
USAGE_COLUMNS = (
    "activity_id",
    "title",
    "versions",
    "assignments",
    "submitted",
    "cancelled",
    "clients",
    *(f"funnel_{stage}" for stage in FUNNEL_STAGES),
)

REPORTS = CSV_REPORTS
if set(REPORTS) != {*TABLE_EXPORTS, "adherence", "caseload", "activity-usage"}:
    raise RuntimeError("interlude_contracts.analytics.CSV_REPORTS must name exactly the reports made here.")


def export_page(
    database: Database,
    clinic_id: str,
    report: str,
    filters: dict[str, str],
    offset: int | str,
    limit: int,
    now: datetime,
    pseudonymised: bool = False,
) -> dict[str, Any]:
    """One page of a report: ``{"columns", "rows" (lists), "next_offset" (None at the end)}``.

    ``pseudonymised`` (an analyst's export): each ``client_id`` is the client's pseudonym. A table page reads
    them in its own query; asked for afterwards, a page of a thousand rows named a thousand clients.

    A table report's ``next_offset`` is a cursor (``after:`` and the last row's key): its next page starts
    there in the index, however deep into the report, where an offset would step over every row before it.
    A number still works as an offset (a gateway of the previous release asks that way).
    """
    limit = max(1, min(int(limit), MAX_PAGE))
    if report in TABLE_EXPORTS:
        return _table_page(database, clinic_id, report, filters, offset, limit, pseudonymised)
    if report not in COMPUTED:
        raise ValidationFailed("No such report.", {"report": [f"One of: {', '.join(REPORTS)}."]})
    if filters.get("therapist_id") and report != "caseload":
        detail = "This report covers the whole clinic: a clinic admin or an analyst can export it."
        raise Forbidden(detail, {"report": [detail]})
    start = _offset(offset)
    columns, compute = COMPUTED[report]
    rows = compute(database, clinic_id, filters, now, start, limit + 1)
    if pseudonymised and "client_id" in columns:
        names = pseudonyms_of(database, clinic_id, [row["client_id"] for row in rows if row["client_id"]])
        rows = [{**row, "client_id": names.get(row["client_id"])} for row in rows]
    return _page(columns, rows, limit, start + limit if len(rows) > limit else None)


def as_csv(page: dict[str, Any]) -> dict[str, Any]:
    """The page with its rows as CSV lines (``"csv"``) in place of ``"rows"``."""
    return {"columns": page["columns"], "csv": csv_text(page["rows"]), "next_offset": page["next_offset"]}


def _page(columns: tuple[str, ...], rows: list[dict[str, Any]], limit: int, next_offset: int | str | None) -> dict:
    return {
        "columns": list(columns),
        "rows": [[row[column] for column in columns] for row in rows[:limit]],
        "next_offset": next_offset,
    }


def _offset(offset: int | str) -> int:
    try:
        return max(0, int(offset))
    except (TypeError, ValueError):
        raise ValidationFailed("Not a page of this report.", {"offset": ["A number."]}) from None


def _after(offset: int | str, order: tuple[str, ...]) -> list[Any] | None:
    """The key a cursor names, or None for a number (an offset)."""
    if not isinstance(offset, str) or not offset.startswith(CURSOR):
        return None
    try:
        key = json.loads(offset[len(CURSOR) :])
    except ValueError:
        key = None
    if not isinstance(key, list) or len(key) != len(order):
        raise ValidationFailed("Not a page of this report.", {"offset": ["A cursor this report gave."]})
    return key


def _table_page(
    database: Database,
    clinic_id: str,
    report: str,
    filters: dict[str, str],
    offset: int | str,
    limit: int,
    pseudonymised: bool,
) -> dict[str, Any]:
    columns, table, order, allowed = TABLE_EXPORTS[report]
    wanted: dict[str, Any] = {key: value for key, value in filters.items() if key in allowed and value}
    where = " AND ".join(["clinic_id = :clinic_id", *(f"{key} = :{key}" for key in wanted)])
    if filters.get("therapist_id"):
        # A therapist's export: only the assignments they made (every exported table has assignment_id).
        where += (
            " AND assignment_id IN (SELECT assignment_id FROM assignments"
            " WHERE clinic_id = :clinic_id AND therapist_id = :therapist_id)"
        )
        wanted["therapist_id"] = filters["therapist_id"]
    if table == "risk_flags":
        where += " AND raised_at IS NOT NULL"
    after = _after(offset, order)
    skip = 0 if after is not None else _offset(offset)
    if after is not None:
        where += f" AND ({', '.join(order)}) > ({', '.join(f':after_{i}' for i in range(len(order)))})"
        wanted.update({f"after_{i}": value for i, value in enumerate(after)})
    query = (
        f"SELECT {', '.join(columns)} FROM {table} WHERE {where} ORDER BY {', '.join(order)}"
        " LIMIT :limit OFFSET :offset"
    )
    if pseudonymised and "client_id" in columns:
        query = f"""SELECT page.*, (SELECT pseudonym FROM {PSEUDONYMS_TABLE} known
            WHERE known.clinic_id = :clinic_id AND known.client_id = page.client_id) AS pseudonym
            FROM ({query}) page ORDER BY {", ".join(f"page.{key}" for key in order)}"""
    with database.transaction() as cursor:
        cursor.execute(query, {"clinic_id": clinic_id, "limit": limit + 1, "offset": skip, **wanted})
        rows = cursor.fetchall()
    last = rows[limit - 1] if len(rows) > limit else None
    next_offset = CURSOR + json.dumps([last[key] for key in order]) if last else None
    if pseudonymised and "client_id" in columns:
        rows = _named_by_pseudonym(database, clinic_id, rows)
    return _page(columns, rows, limit, next_offset)


def _named_by_pseudonym(database: Database, clinic_id: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with each ``client_id`` replaced by the ``pseudonym`` read with it (given one now where none)."""
    without = [row["client_id"] for row in rows if row["pseudonym"] is None and row["client_id"]]
    unnamed = pseudonyms_of(database, clinic_id, without)
    return [{**row, "client_id": row["pseudonym"] or unnamed.get(row["client_id"])} for row in rows]


def _adherence(
    database: Database, clinic_id: str, filters: dict[str, str], now: datetime, offset: int, limit: int
) -> list[dict[str, Any]]:
    return clinic_adherence(database, clinic_id, now, offset, limit)


def _caseload(
    database: Database, clinic_id: str, filters: dict[str, str], now: datetime, offset: int, limit: int
) -> list[dict[str, Any]]:
    therapist_id = filters.get("therapist_id")
    if not therapist_id:
        raise ValidationFailed("Which therapist's caseload?", {"therapist_id": ["Required for the caseload."]})
    return [
        {
            "client_id": entry["client_id"],
            "open_risk_flags": len(entry["open_risk_flags"]),
            "worsening": entry["worsening"],
            "overdue": entry["adherence"]["overdue"],
            "completion_rate": entry["adherence"]["completion_rate"],
            "last_activity_at": entry["last_activity_at"],
            "latest_scores": "; ".join(
                f"{score['measure']} {score['value']:g} ({score['band'] or '-'}, {score['classification'] or '-'})"
                for score in entry["latest_scores"]
            ),
        }
        # In attention order, computed over the whole caseload: one therapist's clients, a few hundred at most.
        for entry in caseload(database, clinic_id, therapist_id, now)[offset : offset + limit]
    ]


def _usage(
    database: Database, clinic_id: str, filters: dict[str, str], now: datetime, offset: int, limit: int
) -> list[dict[str, Any]]:
    return [
        {**activity, **{f"funnel_{step['stage']}": step["count"] for step in activity["funnel"]}}
        # One row per activity of the clinic's library: computed whole, then sliced.
        for activity in activity_usage(database, clinic_id)[offset : offset + limit]
    ]


# (database, clinic_id, filters, now, offset, limit) -> the report's rows in that window
ComputedReport = Callable[[Database, str, dict[str, str], datetime, int, int], list[dict[str, Any]]]
COMPUTED: dict[str, tuple[tuple[str, ...], ComputedReport]] = {
    "adherence": (ADHERENCE_COLUMNS, _adherence),
    "caseload": (CASELOAD_COLUMNS, _caseload),
    "activity-usage": (USAGE_COLUMNS, _usage),
}
