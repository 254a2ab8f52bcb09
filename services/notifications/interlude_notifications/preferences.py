"""Each client's delivery preferences: contact addresses, channels, opt-out, time zone and quiet hours.

Quiet hours are wall-clock times in the client's time zone; a window may run
over midnight (22:00 to 07:00). A message that comes due inside it waits for
the window's end.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from interlude_runtime.storage import Cursor, Database

EXTERNAL_CHANNELS = ("email", "webhook")


@dataclass(frozen=True)
class Preferences:
    name: str | None = None
    email: str | None = None
    push_address: str | None = None
    channels: tuple[str, ...] = EXTERNAL_CHANNELS
    opted_out: bool = False
    time_zone: str = "UTC"
    quiet_start: time | None = None
    quiet_end: time | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def external_channels(self) -> list[str]:
        """The channels this client can and wants to be reached on (none when opted out)."""
        if self.opted_out:
            return []
        addresses = {"email": self.email, "webhook": self.push_address}
        return [channel for channel in self.channels if addresses.get(channel)]

    def quiet_until(self, now: datetime) -> datetime | None:
        """The end of the quiet window ``now`` falls in, or None when it is not quiet."""
        if self.quiet_start is None or self.quiet_end is None or self.quiet_start == self.quiet_end:
            return None
        zone = ZoneInfo(self.time_zone)
        local = now.astimezone(zone)
        clock = local.time().replace(tzinfo=None)
        start, end = self.quiet_start, self.quiet_end
        quiet = start <= clock < end if start < end else (clock >= start or clock < end)
        if not quiet:
            return None
        end_day = local.date() if clock < end else local.date() + timedelta(days=1)
        return datetime.combine(end_day, end, tzinfo=zone)

    def to_body(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "email": self.email,
            "push_address": self.push_address,
            "channels": list(self.channels),
            "opted_out": self.opted_out,
            "time_zone": self.time_zone,
            "quiet_hours": (
                {"start": self.quiet_start.strftime("%H:%M"), "end": self.quiet_end.strftime("%H:%M")}
                if self.quiet_start and self.quiet_end
                else None
            ),
        }

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> "Preferences":
        quiet = body.get("quiet_hours")
        return cls(
            name=body.get("name"),
            email=body.get("email"),
            push_address=body.get("push_address"),
            channels=tuple(body.get("channels", EXTERNAL_CHANNELS)),
            opted_out=bool(body.get("opted_out", False)),
            time_zone=body.get("time_zone") or "UTC",
            quiet_start=time.fromisoformat(quiet["start"]) if quiet else None,
            quiet_end=time.fromisoformat(quiet["end"]) if quiet else None,
        )


def load_preferences(cursor: Cursor, clinic_id: str, client_id: str) -> Preferences:
    cursor.execute(
        "SELECT body FROM preferences WHERE clinic_id = :clinic_id AND client_id = :client_id",
        {"clinic_id": clinic_id, "client_id": client_id},
    )
    row = cursor.fetchone()
    return Preferences.from_body(json.loads(row["body"])) if row else Preferences()


def get_preferences(database: Database, clinic_id: str, client_id: str) -> Preferences:
    with database.transaction() as cursor:
        return load_preferences(cursor, clinic_id, client_id)


def save_preferences(database: Database, clinic_id: str, client_id: str, preferences: Preferences) -> None:
    with database.transaction() as cursor:
        cursor.execute(
            """INSERT INTO preferences (clinic_id, client_id, body) VALUES (:clinic_id, :client_id, :body)
            ON CONFLICT (clinic_id, client_id) DO UPDATE SET body = excluded.body""",
            {"clinic_id": clinic_id, "client_id": client_id, "body": json.dumps(preferences.to_body())},
        )
