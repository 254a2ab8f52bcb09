"""Norms of the standardised measures and the Jacobson-Truax classification of change.

The norms (range, direction, clinical cutoff, bands, standard deviation and
reliability) are data, in ``measures.json``, with their sources.

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
    cutoff: float
    sd: float
    reliability: float
    bands: tuple[Band, ...]
    source: str

    def is_clinical(self, value: float) -> bool:
        """On the clinical side of the cutoff (the cutoff itself counts as clinical)."""
        return value >= self.cutoff if self.lower_is_better else value <= self.cutoff

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
    rows = json.loads(path.read_text())["measures"]
    return {
        row["measure"]: Measure(
            **{key: value for key, value in row.items() if key != "bands"},
            bands=tuple(Band(lower, upper, label) for lower, upper, label in row["bands"]),
        )
        for row in rows
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
    crossed_to_healthy = measure.is_clinical(baseline) and not measure.is_clinical(latest)
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
