"""Message templates: a subject and a text per kind, addressed to the client by name."""

from datetime import UTC, datetime

from .channels import Message
from .planning import FOLLOW_UP, NEW_ACTIVITY, REMINDER
from .preferences import Preferences
from .schedule import Entry
from .store import new_activity_body


def _due_text(due_at: str | None) -> str:
    if not due_at:
        return ""
    return f" It is due {datetime.fromisoformat(due_at).astimezone(UTC):%A %d %B %Y at %H:%M} UTC."


def render(entry: Entry, preferences: Preferences) -> Message:
    """The message of an entry for this client (their name when known)."""
    greeting = f"Hi {preferences.name}, " if preferences.name else ""
    payload = entry.payload
    if entry.kind == NEW_ACTIVITY:
        due = datetime.fromisoformat(payload["due_at"]) if payload.get("due_at") else None
        subject, text = "New activity", new_activity_body(payload["activity_title"], due)
    elif entry.kind == REMINDER:
        subject = "Reminder"
        text = f"A reminder: {payload['activity_title']} is waiting for you.{_due_text(payload.get('due_at'))}"
    elif entry.kind == FOLLOW_UP:
        subject, text = "A message from your therapist", payload["text"]
    else:
        raise ValueError(f"No template for {entry.kind!r}.")
    return Message(
        entry_id=entry.entry_id,
        clinic_id=entry.clinic_id,
        client_id=entry.client_id,
        kind=entry.kind,
        subject=subject,
        text=_greeted(greeting, text),
    )


def _greeted(greeting: str, text: str) -> str:
    return greeting + text[0].lower() + text[1:] if greeting else text
