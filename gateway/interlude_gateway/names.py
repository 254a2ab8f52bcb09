"""Display names for personalisation tokens, from configuration until identity management owns them.

``THERAPIST_NAMES`` maps a therapist's subject to the name clients see ({{therapist.name}});
``CLINIC_NAMES`` maps a clinic id to its name ({{clinic.name}}).
"""

from typing import Any

from nameko.extensions import DependencyProvider


class DisplayNames:
    def __init__(self, therapists: dict[str, str], clinics: dict[str, str]) -> None:
        self.therapists = therapists
        self.clinics = clinics

    def fill(self, body: dict[str, Any], therapist: str, clinic_id: str) -> dict[str, Any]:
        """A body that creates assignments, with the names the caller did not give filled from configuration."""
        filled = dict(body)
        if not filled.get("therapist_name") and therapist in self.therapists:
            filled["therapist_name"] = self.therapists[therapist]
        if not filled.get("clinic_name") and clinic_id in self.clinics:
            filled["clinic_name"] = self.clinics[clinic_id]
        return filled


class Names(DependencyProvider):
    def setup(self) -> None:
        config = self.container.config
        self.names = DisplayNames(
            {str(k): str(v) for k, v in (config.get("THERAPIST_NAMES") or {}).items()},
            {str(k): str(v) for k, v in (config.get("CLINIC_NAMES") or {}).items()},
        )

    def get_dependency(self, worker_ctx: Any) -> DisplayNames:
        return self.names
