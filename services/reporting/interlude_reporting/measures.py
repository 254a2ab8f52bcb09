"""Norms of the standardised measures and the Jacobson-Truax classification of change.

A measure's bands and clinical cutoff are the library activity's scoring (the total's
``bands`` and ``cutoff`` in ``interlude_activity_model.library``): the one place they are
written down, the same the activity scores each response by. ``measures.json`` holds
only what the activity does not know: direction, range, standard deviation and
reliability, with their sources. A measure without a library activity (ORS) has norms
but no bands or cutoff, so its change is never classified as recovery.

The cutoff means what it means in ``interlude_activity_model.scoring``: the first score of the
upper side (``above_cutoff`` is ``value >= cutoff``). The clinical side is the upper one
where lower is better (PHQ-9 10 and above) and the lower one where higher is better
(WHO-5 below 13).

Reliable change index (Jacobson & Truax 1991)::

    RCI = (x2 - x1) / (SD1 * sqrt(2) * sqrt(1 - r))

A change is reliable when |RCI| > 1.96. Improvement is a reliable change in the
measure's better direction (down for most measures; up for WHO-5 and the ORS).
A reliably improved client who also crossed the clinical cutoff from the
clinical to the non-clinical side is *recovered*.
"""

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from interlude_activity_model.library import measure_activities
from interlude_activity_model.scoring import above_cutoff

RELIABLE_Z = 1.96
RECOVERED = "recovered"
IMPROVED = "improved"
UNCHANGED = "unchanged"
DETERIORATED = "deteriorated"
CLASSIFICATIONS = (RECOVERED, IMPROVED, UNCHANGED, DETERIORATED)

NORMS_FILE = Path(__file__).with_name("measures.json")


@dataclass(frozen=True)
class Band:
    lower: float
    upper: float
    label: str


@dataclass(frozen=True)
class Measure:
    measure: str
    name: str
    minimum: float
    maximum: float
    lower_is_better: bool
    sd: float
    reliability: float
    source: str
    cutoff: float | None = None
    bands: tuple[Band, ...] = ()

    def is_clinical(self, value: float) -> bool | None:
        """On the clinical side of the cutoff; None without a cutoff.

        At or above the cutoff where lower is better, below it where higher is better:
        ``above_cutoff`` as the activity scores it, read with the measure's direction.
        """
        if self.cutoff is None:
            return None
        return above_cutoff(value, self.cutoff) == self.lower_is_better

    def band_of(self, value: float) -> str | None:
        return next((band.label for band in self.bands if band.lower <= value <= band.upper), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "name": self.name,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "lower_is_better": self.lower_is_better,
            "cutoff": self.cutoff,
            "sd": self.sd,
            "reliability": self.reliability,
            "bands": [{"lower": b.lower, "upper": b.upper, "label": b.label} for b in self.bands],
            "source": self.source,
        }


@cache
def load_measures(path: Path = NORMS_FILE) -> dict[str, Measure]:
    """The norms of ``measures.json``, each with the bands and cutoff of its library activity."""
    rows = json.loads(path.read_text())["measures"]
    return {row["measure"]: Measure(**row, **activity_bands(row["measure"])) for row in rows}


def activity_bands(code: str) -> dict[str, Any]:
    """The ``cutoff`` and ``bands`` of the library activity's total score of a measure (none without one)."""
    activity = measure_activities().get(code)
    rule = ((activity or {}).get("scoring") or {}).get("total") or {}
    bands = sorted(rule.get("bands") or [], key=lambda band: band["min"])
    return {
        "cutoff": rule.get("cutoff"),
        "bands": tuple(Band(band["min"], band["max"], band["label"]) for band in bands),
    }


def measure_norms(code: str | None) -> Measure | None:
    return load_measures().get(code) if code else None


def reliable_change_index(baseline: float, latest: float, sd: float, reliability: float) -> float:
    standard_error_of_difference = sd * math.sqrt(2) * math.sqrt(1 - reliability)
    return (latest - baseline) / standard_error_of_difference


def classify_change(measure: Measure, baseline: float, latest: float) -> dict[str, Any]:
    """Jacobson-Truax: the RCI, whether the change is reliable, the cutoff crossing and the class."""
    rci = reliable_change_index(baseline, latest, measure.sd, measure.reliability)
    reliable = abs(rci) > RELIABLE_Z
    better = (rci < 0) if measure.lower_is_better else (rci > 0)
    crossed_to_healthy = measure.is_clinical(baseline) is True and measure.is_clinical(latest) is False
    if reliable and better:
        classification = RECOVERED if crossed_to_healthy else IMPROVED
    elif reliable:
        classification = DETERIORATED
    else:
        classification = UNCHANGED
    return {
        "baseline": baseline,
        "latest": latest,
        "rci": round(rci, 4),
        "reliable": reliable,
        "baseline_clinical": measure.is_clinical(baseline),
        "latest_clinical": measure.is_clinical(latest),
        "classification": classification,
    }
