"""The shared library: ready activities every clinic can browse and copy into its own library.

Each entry is a JSON data file in this package: ``slug``, ``title``, ``summary``, ``tags``,
``source``, ``licence``, optional ``scoring_notes`` and the ``activity`` draft itself.
Entries are checked against the draft contract when loaded, so a broken file fails loudly.
"""

import json
from functools import cache
from importlib import resources
from typing import Any

from interlude_contracts.activity import ActivityDraftSchema

TAGS = ("assessment", "reflection", "meditation", "lesson", "metaphor", "check-in")


class UnknownEntry(KeyError):
    pass


@cache
def entries() -> dict[str, dict[str, Any]]:
    """Every library entry by slug, its draft validated."""
    found: dict[str, dict[str, Any]] = {}
    for resource in sorted(resources.files(__package__).iterdir(), key=lambda r: r.name):
        if not resource.name.endswith(".json"):
            continue
        entry = json.loads(resource.read_text(encoding="utf-8"))
        entry["activity"] = ActivityDraftSchema().load(entry["activity"])
        found[entry["slug"]] = entry
    return found


def summary(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry without its content, for browsing."""
    activity = entry["activity"]
    return {
        **{key: entry[key] for key in ("slug", "title", "summary", "tags", "source", "licence")},
        "measure": activity.get("measure"),
        "item_count": len(activity["items"]),
    }


def browse(tag: str | None = None) -> list[dict[str, Any]]:
    return [summary(entry) for entry in entries().values() if tag is None or tag in entry["tags"]]


def entry(slug: str) -> dict[str, Any]:
    try:
        return entries()[slug]
    except KeyError:
        raise UnknownEntry(slug) from None
