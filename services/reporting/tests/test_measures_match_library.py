"""Reporting's view of each library measure agrees with the activity that scores it.

The activity's ``scoring`` (interlude_activity_model.library) is the one source of a measure's
bands and clinical cutoff; ``measures.json`` adds only what the activity does not know
(direction, SD, reliability, name, range, source). These tests keep the two from drifting:
the bands and cutoff reporting classifies and charts by are the activity's, the range is
what the activity can score, and the side of the cutoff reporting calls clinical is the
side ``above_cutoff`` (as the activity scores it) puts there for the measure's direction.
"""

import json
from typing import Any

import pytest

from interlude_activity_model.library import measure_activities
from interlude_activity_model.scoring import above_cutoff, item_range
from interlude_activity_model.structure import band_problems
from interlude_reporting.measures import NORMS_FILE, load_measures

LIBRARY = measure_activities()
BANDED = sorted(
    code
    for code, activity in LIBRARY.items()
    if (activity.get("scoring") or {}).get("total", {}).get("bands")
    or (activity.get("scoring") or {}).get("total", {}).get("cutoff") is not None
)


def score_range(activity: dict[str, Any]) -> tuple[float, float]:
    """The lowest and highest total the activity's scoring can give."""
    rule = activity["scoring"]["total"]
    assert rule.get("method", "sum") == "sum"
    by_id = {item["id"]: item for item in activity["items"]}
    ranges = [item_range(by_id[item_id]) for item_id in rule["items"]]
    multiplier = rule.get("multiplier", 1)
    return sum(low for low, _ in ranges) * multiplier, sum(high for _, high in ranges) * multiplier


def test_the_library_measures_with_bands_or_a_cutoff_are_the_published_instruments() -> None:
    assert BANDED == ["GAD-7", "K10", "PCL-5", "PHQ-9", "WHO-5"]


@pytest.mark.parametrize("code", BANDED)
def test_reporting_uses_the_activity_bands_cutoff_and_range_of_each_library_measure(code: str) -> None:
    activity = LIBRARY[code]
    rule = activity["scoring"]["total"]
    norms = load_measures().get(code)

    assert norms is not None, f"{code} is scored with bands in the library but reporting has no norms for it"
    bands = sorted(rule.get("bands") or [], key=lambda band: band["min"])
    assert [(band.lower, band.upper, band.label) for band in norms.bands] == [
        (band["min"], band["max"], band["label"]) for band in bands
    ]
    assert norms.cutoff == rule.get("cutoff")
    assert (norms.minimum, norms.maximum) == score_range(activity)


@pytest.mark.parametrize("code", BANDED)
def test_the_clinical_side_of_the_cutoff_is_the_same_in_reporting_and_in_the_activity(code: str) -> None:
    norms = load_measures()[code]
    cutoff = LIBRARY[code]["scoring"]["total"].get("cutoff")
    assert cutoff is not None, f"{code}: the activity has no cutoff, so reporting cannot tell recovery"
    # A cutoff starts a band: no band straddles the clinical and the non-clinical side.
    assert cutoff in [band.lower for band in norms.bands]
    low, high = int(norms.minimum), int(norms.maximum)
    for value in range(low, high + 1):
        above = above_cutoff(value, cutoff)
        assert norms.is_clinical(value) == (above if norms.lower_is_better else not above), (code, value)
    # The clinical side is the worse end of the range.
    worst, best = (high, low) if norms.lower_is_better else (low, high)
    assert norms.is_clinical(worst) and not norms.is_clinical(best)


def test_every_measure_has_bands_that_neither_overlap_nor_leave_gaps_and_span_its_range() -> None:
    for code, norms in load_measures().items():
        bands = [{"min": band.lower, "max": band.upper, "label": band.label} for band in norms.bands]
        assert band_problems(bands) == [], code
        if bands:
            assert (bands[0]["min"], bands[-1]["max"]) == (norms.minimum, norms.maximum), code


def test_the_norms_file_holds_no_bands_or_cutoffs_of_its_own() -> None:
    """Bands and cutoffs come from the activity's scoring only: a second copy would drift."""
    for row in json.loads(NORMS_FILE.read_text())["measures"]:
        assert not {"bands", "cutoff"} & set(row), row["measure"]
