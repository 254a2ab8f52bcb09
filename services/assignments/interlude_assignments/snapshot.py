"""What an assignment keeps of the activity version it was created from: one path for every way one comes to exist.

A one-off assignment, a recurrence's occurrence, a group's assignment or
recurrence, a pathway step and a late group joiner all get their activity from
``assignment_snapshot``. Schedules that create assignments later (recurrences,
pathways, group programmes) keep the ``pinned_version`` now and personalise it
for each client when the assignment is created, so every assignment holds the
same keys, scored and risk-checked the same, however it was created.
"""

from collections.abc import Mapping
from copy import deepcopy
from dataclasses import asdict, dataclass
from typing import Any

from interlude_activity_model.personalise import personalise
from interlude_contracts.errors import Conflict

# Enough to render, validate and score the assignment forever.
SNAPSHOT_KEYS = ("activity_id", "version", "title", "instructions", "measure", "items", "pages", "scoring")


@dataclass(frozen=True)
class Personalisation:
    """The names an assignment's personalisation tokens are filled with (fallback wording where None)."""

    client_first_name: str | None = None
    therapist_name: str | None = None
    clinic_name: str | None = None

    @classmethod
    def of(cls, body: Mapping[str, Any] | None) -> "Personalisation":
        """From a request body or a stored dict; keys it lacks stay None."""
        body = body or {}
        return cls(**{name: body.get(name) for name in ("client_first_name", "therapist_name", "clinic_name")})

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)

    def tokens(self) -> dict[str, str | None]:
        return {
            "client.first_name": self.client_first_name,
            "therapist.name": self.therapist_name,
            "clinic.name": self.clinic_name,
        }


NO_NAMES = Personalisation()


def pinned_version(version: Mapping[str, Any]) -> dict[str, Any]:
    """Every key of a published version an assignment needs (None where it has none); refused when archived."""
    _refuse_archived(version)
    return _kept_keys(version)


def assignment_snapshot(version: Mapping[str, Any], personalisation: Personalisation) -> dict[str, Any]:
    """The activity an assignment keeps: the version's keys, personalised for its client.

    ``personalise`` returns a copy sharing nothing with the version, so the keys are not copied first.
    """
    _refuse_archived(version)
    kept = {key: version.get(key) for key in SNAPSHOT_KEYS}
    personalised: dict[str, Any] = personalise(kept, personalisation.tokens())
    return personalised


def _refuse_archived(version: Mapping[str, Any]) -> None:
    if version.get("archived"):
        detail = "The activity is archived: restore it to assign it."
        raise Conflict(detail, {"activity_id": [detail]})


def missing_keys(snapshot: Mapping[str, Any]) -> bool:
    """Whether a stored snapshot lacks keys: it was written before every path kept the whole version."""
    return any(key not in snapshot for key in SNAPSHOT_KEYS)


def completed_snapshot(snapshot: Mapping[str, Any], version: Mapping[str, Any]) -> dict[str, Any]:
    """A snapshot stored without some keys, completed from the exact version it was taken from.

    Only the missing keys are added; what was kept, and what the client saw, stays.
    """
    if (str(snapshot["activity_id"]), int(snapshot["version"])) != (str(version["activity_id"]), version["version"]):
        raise ValueError("The version is not the one the snapshot was taken from.")
    return {**_kept_keys(version), **snapshot}


def _kept_keys(version: Mapping[str, Any]) -> dict[str, Any]:
    return {key: deepcopy(version.get(key)) for key in SNAPSHOT_KEYS}
