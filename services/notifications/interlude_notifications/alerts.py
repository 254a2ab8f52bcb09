"""Alerts addressed to therapists: a risk flag on one of their clients' responses.

Recorded in the notifications store (delivery channels come later) and read
by the therapist through RPC and the gateway. The alert's id derives from the
RiskFlagRaised event, so a redelivered event finds it already there.
"""

from datetime import UTC, datetime
from typing import Any

from interlude_contracts.events import Event
from interlude_runtime.storage import Database

from .store import notification_id_for

RISK_FLAG = "risk_flag"


def risk_flag_body(client_id: str, measure: str | None, message: str) -> str:
    on = f" on {measure}" if measure else ""
    return f"A response from {client_id}{on} raised a risk flag: {message} Please review and acknowledge it."


def record_risk_alert(database: Database, event: Event) -> bool:
    """Record the therapist's alert of a RiskFlagRaised event; False if already there."""
    payload = event.payload
    with database.transaction() as cursor:
        cursor.execute(
            """INSERT INTO therapist_notifications (notification_id, event_id, clinic_id, therapist_id, client_id,
                kind, assignment_id, flag_id, title, body, created_at)
            VALUES (:notification_id, :event_id, :clinic_id, :therapist_id, :client_id,
                :kind, :assignment_id, :flag_id, :title, :body, :created_at)
            ON CONFLICT (notification_id) DO NOTHING RETURNING notification_id""",
            {
                "notification_id": str(notification_id_for(event.event_id, RISK_FLAG)),
                "event_id": str(event.event_id),
                "clinic_id": event.clinic_id,
                "therapist_id": payload["therapist_id"],
                "client_id": payload["client_id"],
                "kind": RISK_FLAG,
                "assignment_id": str(payload["assignment_id"]),
                "flag_id": str(payload["flag_id"]),
                "title": "Risk flag",
                "body": risk_flag_body(payload["client_id"], payload["measure"], payload["message"]),
                "created_at": event.occurred_at.astimezone(UTC).isoformat(),
            },
        )
        return cursor.fetchone() is not None


def for_therapist(database: Database, clinic_id: str, therapist_id: str) -> list[dict[str, Any]]:
    """The therapist's alerts, newest first (times as UTC ISO 8601 strings)."""
    with database.transaction() as cursor:
        cursor.execute(
            """SELECT notification_id, clinic_id, therapist_id, client_id, kind, assignment_id, flag_id, title, body,
                created_at
            FROM therapist_notifications WHERE clinic_id = :clinic_id AND therapist_id = :therapist_id
            ORDER BY created_at DESC, notification_id""",
            {"clinic_id": clinic_id, "therapist_id": therapist_id},
        )
        rows = cursor.fetchall()
    return [{**row, "created_at": datetime.fromisoformat(row["created_at"]).isoformat()} for row in rows]
