"""Reports read from the projection tables: JSON-ready dicts (times as UTC ISO 8601 strings).

Every query is scoped to one clinic. ``now`` is passed in (overdue depends on
it), so reports are reproducible in tests.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from statistics import median
from typing import Any

from interlude_runtime.storage import Database

from .measures import DETERIORATED, classify_change, measure_norms

TOTAL = "total"
# Stages of the completion funnel, in order; released/opened/started join when their events exist.
FUNNEL_STAGES = ("assigned", "submitted")


def _rows(database: Database, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with database.transaction() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def assignment_timeline(database: Database, clinic_id: str, assignment_id: str) -> dict[str, Any]:
    events = _rows(
        database,
        """SELECT status, occurred_at FROM assignment_events
        WHERE clinic_id = :clinic_id AND assignment_id = :assignment_id ORDER BY occurred_at, event_id""",
        {"clinic_id": clinic_id, "assignment_id": assignment_id},
    )
    client_id = _rows(
        database,
        "SELECT client_id FROM assignment_events WHERE clinic_id = :clinic_id AND assignment_id = :assignment_id",
        {"clinic_id": clinic_id, "assignment_id": assignment_id},
    )
    return {
        "assignment_id": assignment_id,
        "client_id": client_id[0]["client_id"] if client_id else None,
        "timeline": events,
    }


# -- adherence ------------------------------------------------------------------


ADHERENCE_COLUMNS = "client_id, therapist_id, status, assigned_at, due_at, submitted_at, cancelled_at"


def _client_assignments(database: Database, clinic_id: str, client_id: str | None = None) -> list[dict[str, Any]]:
    where = "clinic_id = :clinic_id" + (" AND client_id = :client_id" if client_id else "")
    return _rows(
        database,
        f"""SELECT {ADHERENCE_COLUMNS} FROM assignments WHERE {where} ORDER BY client_id, assignment_id""",
        {"clinic_id": clinic_id, "client_id": client_id},
    )


def adherence_of(rows: Iterable[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """Counts, completion rate and median hours to complete of one client's assignments."""
    rows = list(rows)
    completed = [row for row in rows if row["status"] == "submitted"]
    cancelled = sum(1 for row in rows if row["status"] == "cancelled")
    overdue = sum(
        1
        for row in rows
        if row["status"] == "assigned" and row["due_at"] and datetime.fromisoformat(row["due_at"]) < now
    )
    assigned = len(rows) - cancelled
    hours = [
        (datetime.fromisoformat(row["submitted_at"]) - datetime.fromisoformat(row["assigned_at"])).total_seconds()
        / 3600
        for row in completed
        if row["assigned_at"] and row["submitted_at"]
    ]
    moments = [row[key] for row in rows for key in ("assigned_at", "submitted_at", "cancelled_at") if row[key]]
    return {
        "assigned": assigned,
        "completed": len(completed),
        "overdue": overdue,
        "cancelled": cancelled,
        "completion_rate": round(len(completed) / assigned, 4) if assigned else None,
        "median_hours_to_complete": round(median(hours), 2) if hours else None,
        "last_activity_at": max(moments) if moments else None,
    }


def client_adherence(database: Database, clinic_id: str, client_id: str, now: datetime) -> dict[str, Any]:
    return {"client_id": client_id, **adherence_of(_client_assignments(database, clinic_id, client_id), now)}


def clinic_adherence(
    database: Database, clinic_id: str, now: datetime, offset: int = 0, limit: int | None = None
) -> list[dict[str, Any]]:
    """Adherence of the clinic's clients, by client id: every client, or the window ``offset``/``limit`` of them
    (chosen in the query, so a page reads only its own clients' assignments)."""
    clients = "SELECT DISTINCT client_id FROM assignments WHERE clinic_id = :clinic_id ORDER BY client_id"
    if limit is not None:
        clients += " LIMIT :limit OFFSET :offset"
    rows = _rows(
        database,
        f"""SELECT {ADHERENCE_COLUMNS} FROM assignments
        WHERE clinic_id = :clinic_id AND client_id IN ({clients}) ORDER BY client_id, assignment_id""",
        {"clinic_id": clinic_id, "limit": limit, "offset": offset},
    )
    by_client: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_client[row["client_id"]].append(row)
    return [{"client_id": client, **adherence_of(rows, now)} for client, rows in sorted(by_client.items())]


# -- scores and change ----------------------------------------------------------


SERIES_COLUMNS = "assignment_id, value, band, above_cutoff, submitted_at"


def score_series(database: Database, clinic_id: str, client_id: str, measure: str) -> list[dict[str, Any]]:
    """The client's total scores on one measure, oldest first."""
    rows = _rows(
        database,
        f"""SELECT {SERIES_COLUMNS} FROM scores
        WHERE clinic_id = :clinic_id AND client_id = :client_id AND measure = :measure AND score_key = :total
        ORDER BY submitted_at, assignment_id""",
        {"clinic_id": clinic_id, "client_id": client_id, "measure": measure, "total": TOTAL},
    )
    return [_series_row(row) for row in rows]


def _series_row(row: dict[str, Any]) -> dict[str, Any]:
    """A point of a score series: its columns (``SERIES_COLUMNS``), ``above_cutoff`` as a boolean."""
    point = {column: row[column] for column in SERIES_COLUMNS.split(", ")}
    return {**point, "above_cutoff": None if row["above_cutoff"] is None else bool(row["above_cutoff"])}


def change_of(measure: str, series: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Jacobson-Truax change from the first to the latest score; None without norms or two scores."""
    norms = measure_norms(measure)
    if norms is None or len(series) < 2:
        return None
    return classify_change(norms, series[0]["value"], series[-1]["value"])


def client_measures(database: Database, clinic_id: str, client_id: str) -> list[str]:
    rows = _rows(
        database,
        """SELECT DISTINCT measure FROM scores
        WHERE clinic_id = :clinic_id AND client_id = :client_id AND measure IS NOT NULL ORDER BY measure""",
        {"clinic_id": clinic_id, "client_id": client_id},
    )
    return [row["measure"] for row in rows]


def measure_progress(database: Database, clinic_id: str, client_id: str, measure: str) -> dict[str, Any]:
    series = score_series(database, clinic_id, client_id, measure)
    norms = measure_norms(measure)
    return {
        "measure": measure,
        "norms": norms.as_dict() if norms else None,
        "series": series,
        "change": change_of(measure, series),
    }


def client_progress(database: Database, clinic_id: str, client_id: str) -> dict[str, Any]:
    """Per measure: the score series, the measure's norms and the classified change."""
    return {
        "client_id": client_id,
        "measures": [
            measure_progress(database, clinic_id, client_id, measure)
            for measure in client_measures(database, clinic_id, client_id)
        ],
    }


# -- risk flags -----------------------------------------------------------------

FLAG_COLUMNS = """flag_id, client_id, assignment_id, activity_id, therapist_id, measure, rule_id, item_id, message,
    raised_at, acknowledged_by, acknowledged_at, note"""


def risk_flags(
    database: Database, clinic_id: str, client_id: str | None = None, *, open_only: bool = False
) -> list[dict[str, Any]]:
    """Flags raised (an acknowledgement seen before its flag is not listed until the flag arrives)."""
    where = "clinic_id = :clinic_id AND raised_at IS NOT NULL"
    if client_id:
        where += " AND client_id = :client_id"
    if open_only:
        where += " AND acknowledged_at IS NULL"
    return _rows(
        database,
        f"SELECT {FLAG_COLUMNS} FROM risk_flags WHERE {where} ORDER BY raised_at DESC, flag_id",
        {"clinic_id": clinic_id, "client_id": client_id},
    )


def risk_flag(database: Database, clinic_id: str, flag_id: str) -> dict[str, Any] | None:
    rows = _rows(
        database,
        f"SELECT {FLAG_COLUMNS} FROM risk_flags WHERE clinic_id = :clinic_id AND flag_id = :flag_id",
        {"clinic_id": clinic_id, "flag_id": flag_id},
    )
    return rows[0] if rows else None


# -- the therapist's caseload ---------------------------------------------------


_THERAPISTS_CLIENTS = (
    "SELECT DISTINCT client_id FROM assignments WHERE clinic_id = :clinic_id AND therapist_id = :therapist_id"
)


def caseload(database: Database, clinic_id: str, therapist_id: str, now: datetime) -> list[dict[str, Any]]:
    """The therapist's clients, who needs attention first.

    Order: open risk flags (most first), then worsening (a reliable deterioration
    on any measure) or overdue work, then the longest silent, then client id.
    Four queries in one transaction whatever the caseload's size (a query per client
    took seconds for a few hundred). The clients are found first and then named in
    each query: asked for as a subquery, PostgreSQL guessed thousands of them and
    scanned whole tables.
    """
    params: dict[str, Any] = {"clinic_id": clinic_id, "therapist_id": therapist_id, "total": TOTAL}
    with database.transaction() as cursor:

        def rows(sql: str) -> list[dict[str, Any]]:
            cursor.execute(sql, params)
            return cursor.fetchall()

        clients = [row["client_id"] for row in rows(f"{_THERAPISTS_CLIENTS} ORDER BY client_id")]
        if not clients:
            return []
        named = {f"client_{index}": client_id for index, client_id in enumerate(clients)}
        params.update(named)
        among = f"client_id IN ({', '.join(':' + name for name in named)})"
        assignments = _by_client(
            rows(
                f"""SELECT {ADHERENCE_COLUMNS} FROM assignments WHERE clinic_id = :clinic_id AND {among}
                ORDER BY client_id, assignment_id"""
            )
        )
        scores = _by_client(
            rows(
                f"""SELECT client_id, measure, score_key, {SERIES_COLUMNS} FROM scores
                WHERE clinic_id = :clinic_id AND measure IS NOT NULL AND score_key = :total AND {among}
                ORDER BY client_id, measure, submitted_at, assignment_id"""
            )
        )
        flags = _by_client(
            rows(
                f"""SELECT {FLAG_COLUMNS} FROM risk_flags
                WHERE clinic_id = :clinic_id AND raised_at IS NOT NULL AND acknowledged_at IS NULL AND {among}
                ORDER BY raised_at DESC, flag_id"""
            )
        )
    entries = [
        _caseload_entry(client_id, assignments[client_id], scores[client_id], flags[client_id], now)
        for client_id in clients
    ]
    return sorted(entries, key=_attention)


def _by_client(rows: list[dict[str, Any]]) -> defaultdict[str, list[dict[str, Any]]]:
    grouped: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["client_id"]].append(row)
    return grouped


def _caseload_entry(
    client_id: str,
    assignments: list[dict[str, Any]],
    scores: list[dict[str, Any]],
    open_flags: list[dict[str, Any]],
    now: datetime,
) -> dict[str, Any]:
    """One client's line, from their assignments, total score rows (every measure) and open flags."""
    adherence = adherence_of(assignments, now)
    latest = []
    for measure in sorted({row["measure"] for row in scores}):
        series = [_series_row(row) for row in scores if row["measure"] == measure and row["score_key"] == TOTAL]
        if not series:
            continue  # subscales without a total: nothing to show as the latest score
        change = change_of(measure, series)
        latest.append(
            {
                "measure": measure,
                "value": series[-1]["value"],
                "band": series[-1]["band"],
                "above_cutoff": series[-1]["above_cutoff"],
                "submitted_at": series[-1]["submitted_at"],
                "classification": change["classification"] if change else None,
            }
        )
    return {
        "client_id": client_id,
        "last_activity_at": adherence.pop("last_activity_at"),
        "adherence": adherence,
        "latest_scores": latest,
        "open_risk_flags": open_flags,
        "worsening": any(score["classification"] == DETERIORATED for score in latest),
    }


def _attention(entry: dict[str, Any]) -> tuple[Any, ...]:
    needs_a_look = entry["worsening"] or entry["adherence"]["overdue"] > 0
    return (-len(entry["open_risk_flags"]), not needs_a_look, entry["last_activity_at"] or "", entry["client_id"])


# -- the clinic: activity usage and funnels -------------------------------------


def activity_usage(database: Database, clinic_id: str) -> list[dict[str, Any]]:
    """Per activity: versions, assignments by outcome, clients reached and the completion funnel."""
    usage = _rows(
        database,
        """SELECT a.activity_id, MAX(a.activity_title) AS title, COUNT(*) AS assignments,
            SUM(CASE WHEN a.status = 'submitted' THEN 1 ELSE 0 END) AS submitted,
            SUM(CASE WHEN a.status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled,
            COUNT(DISTINCT a.client_id) AS clients
        FROM assignments a WHERE a.clinic_id = :clinic_id AND a.activity_id IS NOT NULL
        GROUP BY a.activity_id ORDER BY a.activity_id""",
        {"clinic_id": clinic_id},
    )
    versions = {
        row["activity_id"]: row["versions"]
        for row in _rows(
            database,
            """SELECT activity_id, COUNT(*) AS versions FROM activity_versions WHERE clinic_id = :clinic_id
            GROUP BY activity_id""",
            {"clinic_id": clinic_id},
        )
    }
    funnels = _funnels(database, clinic_id)
    return [
        {
            **{
                key: int(value) if key in ("assignments", "submitted", "cancelled", "clients") else value
                for key, value in row.items()
            },
            "versions": int(versions.get(row["activity_id"], 0)),
            "funnel": funnels.get(row["activity_id"], _empty_funnel()),
        }
        for row in usage
    ]


def _empty_funnel() -> list[dict[str, Any]]:
    return [{"stage": stage, "count": 0, "rate": None} for stage in FUNNEL_STAGES]


def _funnels(database: Database, clinic_id: str) -> dict[str, list[dict[str, Any]]]:
    """Distinct assignments that reached each stage, per activity; rate relative to the first stage."""
    rows = _rows(
        database,
        """SELECT a.activity_id, e.status, COUNT(DISTINCT e.assignment_id) AS reached
        FROM assignment_events e JOIN assignments a ON a.assignment_id = e.assignment_id
        WHERE e.clinic_id = :clinic_id AND a.activity_id IS NOT NULL
        GROUP BY a.activity_id, e.status""",
        {"clinic_id": clinic_id},
    )
    reached: defaultdict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        reached[row["activity_id"]][row["status"]] = int(row["reached"])
    funnels = {}
    for activity_id, counts in reached.items():
        first = counts.get(FUNNEL_STAGES[0], 0)
        funnels[activity_id] = [
            {
                "stage": stage,
                "count": counts.get(stage, 0),
                "rate": round(counts.get(stage, 0) / first, 4) if first else None,
            }
            for stage in FUNNEL_STAGES
        ]
    return funnels


def clinic_usage(database: Database, clinic_id: str) -> dict[str, Any]:
    activities = activity_usage(database, clinic_id)
    totals = {stage: sum(_stage(a, stage) for a in activities) for stage in FUNNEL_STAGES}
    first = totals[FUNNEL_STAGES[0]]
    return {
        "clinic_id": clinic_id,
        "activities": activities,
        "funnel": [
            {"stage": stage, "count": count, "rate": round(count / first, 4) if first else None}
            for stage, count in totals.items()
        ],
    }


def _stage(activity: dict[str, Any], stage: str) -> int:
    return next(step["count"] for step in activity["funnel"] if step["stage"] == stage)
