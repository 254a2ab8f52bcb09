"""The shared library: ready activities every clinic can browse and copy into its own library.

The entries are data in ``interlude_activity_model.library`` (reporting reads the measures'
bands and cutoffs from them too); this module browses and looks them up.
"""

from typing import Any

from interlude_activity_model.library import entries

__all__ = ["TAGS", "UnknownEntry", "browse", "entries", "entry", "summary"]

TAGS = ("assessment", "reflection", "meditation", "lesson", "metaphor", "check-in")


class UnknownEntry(KeyError):
    pass


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
