"""The shared library's content: ready activities every clinic can browse and copy.

Each entry is a JSON data file in this package: ``slug``, ``title``, ``summary``, ``tags``,
``source``, ``licence``, optional ``scoring_notes`` and the ``activity`` draft itself.
Entries are checked as whole drafts when loaded, so a broken file fails loudly.

The data lives in the activity model because two services read it: activities serves and
copies the entries; reporting takes each library measure's bands and clinical cutoff from
the entry's ``scoring`` (the one place they are written down; docs/data-dictionary.md, Measures).
"""

import json
from functools import cache
from importlib import resources
from typing import Any

from interlude_contracts.schemas import shared

from ..draft import CheckedDraftSchema


@cache
def entries() -> dict[str, dict[str, Any]]:
    """Every library entry by slug, its draft validated."""
    found: dict[str, dict[str, Any]] = {}
    for resource in sorted(resources.files(__package__).iterdir(), key=lambda r: r.name):
        if not resource.name.endswith(".json"):
            continue
        entry = json.loads(resource.read_text(encoding="utf-8"))
        entry["activity"] = shared(CheckedDraftSchema).load(entry["activity"])
        found[entry["slug"]] = entry
    return found


@cache
def measure_activities() -> dict[str, dict[str, Any]]:
    """The library's activity of each measure code, e.g. ``"PHQ-9"`` to the PHQ-9 draft."""
    by_measure: dict[str, dict[str, Any]] = {}
    for entry in entries().values():
        code = entry["activity"].get("measure")
        if code:
            assert code not in by_measure, f"Two library entries score {code}"
            by_measure[code] = entry["activity"]
    return by_measure
