"""Reliable change (Jacobson-Truax) against hand-computed cases, and the norms file."""

import math
from collections.abc import Callable

import pytest

from interlude_reporting.analytics import MEASURES_SCHEMA
from interlude_reporting.measures import (
    DETERIORATED,
    IMPROVED,
    RECOVERED,
    UNCHANGED,
    classify_change,
    load_measures,
    reliable_change_index,
)
from interlude_reporting.projection import create_tables
from interlude_runtime.storage import Database


def test_rci_of_the_textbook_case() -> None:
    # SD 7.5, r 0.88: SEdiff = 7.5 * 1.414214 * 0.346410 = 3.674235; a 10-point rise gives 2.72166.
    assert reliable_change_index(20, 30, sd=7.5, reliability=0.88) == pytest.approx(2.72166, abs=1e-5)
    assert reliable_change_index(30, 20, sd=7.5, reliability=0.88) == pytest.approx(-2.72166, abs=1e-5)
    assert reliable_change_index(12, 12, sd=7.5, reliability=0.88) == 0


def test_phq9_recovery_deterioration_and_no_reliable_change() -> None:
    phq9 = load_measures()["PHQ-9"]
    # SEdiff = 5.72 * 1.414214 * sqrt(0.11) = 8.089302 * 0.331662 = 2.682939
    recovered = classify_change(phq9, 18, 7)  # RCI = -11 / 2.682939 = -4.09998
    assert recovered["rci"] == pytest.approx(-4.1000, abs=1e-4)
    assert recovered["reliable"] and recovered["baseline_clinical"] and not recovered["latest_clinical"]
    assert recovered["classification"] == RECOVERED

    improved = classify_change(phq9, 24, 14)  # -10 / 2.682939 = -3.72725: reliable, still at or above 10
    assert improved["rci"] == pytest.approx(-3.7273, abs=1e-4)
    assert improved["classification"] == IMPROVED

    worse = classify_change(phq9, 8, 16)  # 8 / 2.682939 = 2.98180
    assert worse["rci"] == pytest.approx(2.9818, abs=1e-4)
    assert worse["classification"] == DETERIORATED

    small = classify_change(phq9, 12, 9)  # -3 / 2.682939 = -1.11818: crosses the cutoff, but not reliably
    assert small["rci"] == pytest.approx(-1.1182, abs=1e-4)
    assert small["classification"] == UNCHANGED


def test_who5_is_better_when_higher() -> None:
    who5 = load_measures()["WHO-5"]
    # SEdiff = 5 * 1.414214 * sqrt(0.16) = 2.828427
    up = classify_change(who5, 8, 20)  # 12 / 2.828427 = 4.24264, from poor wellbeing (< 13) to not indicative
    assert up["rci"] == pytest.approx(4.2426, abs=1e-4)
    assert up["classification"] == RECOVERED
    down = classify_change(who5, 20, 12)  # -8 / 2.828427 = -2.82843
    assert down["classification"] == DETERIORATED


def test_who5_13_is_not_poor_wellbeing_so_5_to_13_is_recovery() -> None:
    """Topp et al. 2015: a raw score below 13 is poor wellbeing, 7 or below likely depression."""
    who5 = load_measures()["WHO-5"]
    assert who5.cutoff == 13
    assert [who5.is_clinical(value) for value in (0, 7, 8, 12, 13, 25)] == [True, True, True, True, False, False]
    assert [who5.band_of(value) for value in (7, 8, 12, 13)] == [
        "likely depression",
        "poor wellbeing",
        "poor wellbeing",
        "not indicative of poor wellbeing",
    ]
    change = classify_change(who5, 5, 13)  # 8 / 2.828427 = 2.82843: reliable, and across the cutoff
    assert change["baseline_clinical"] and not change["latest_clinical"]
    assert change["classification"] == RECOVERED
    assert classify_change(who5, 4, 12)["classification"] == IMPROVED  # reliable, still below 13


def test_a_change_of_exactly_1_96_is_not_reliable() -> None:
    gad7 = load_measures()["GAD-7"]
    se_diff = gad7.sd * math.sqrt(2) * math.sqrt(1 - gad7.reliability)
    assert classify_change(gad7, 12, 12 - 1.96 * se_diff)["classification"] == UNCHANGED
    assert classify_change(gad7, 12, 12 - 1.97 * se_diff)["classification"] == RECOVERED  # 12 -> 8.06


def test_every_measure_of_the_issue_has_norms_and_bands_covering_its_range() -> None:
    measures = load_measures()
    assert {"PHQ-9", "GAD-7", "WHO-5", "PCL-5", "K10", "ORS"} <= set(measures)
    for measure in measures.values():
        assert 0 < measure.reliability < 1 and measure.sd > 0 and measure.source
        if measure.measure == "ORS":  # no library activity: no bands, no cutoff
            continue
        assert measure.cutoff is not None and measure.minimum <= measure.cutoff <= measure.maximum
        assert measure.bands[0].lower == measure.minimum and measure.bands[-1].upper == measure.maximum
    assert [code for code, m in measures.items() if not m.lower_is_better] == ["WHO-5", "ORS"]
    assert measures["PHQ-9"].band_of(12) == "moderate" and measures["K10"].band_of(30) == "very high"


def test_a_measure_without_a_cutoff_is_classified_without_recovery() -> None:
    ors = load_measures()["ORS"]
    assert ors.cutoff is None and ors.bands == () and ors.is_clinical(10) is None
    change = classify_change(ors, 10, 30)  # 20 / (7 * 1.414214 * sqrt(0.07)) = 7.6376: reliable
    assert change["baseline_clinical"] is None and change["latest_clinical"] is None
    assert change["classification"] == IMPROVED


def test_an_old_measures_table_with_a_required_cutoff_is_reseeded_with_the_activity_cutoffs(
    make_database: Callable[[str], Database],
) -> None:
    """Before cutoffs came from the library activities, ``measures.cutoff`` was NOT NULL; ORS has none now."""
    database = make_database("old_measures")
    database.execute_script([MEASURES_SCHEMA.replace("cutoff DOUBLE PRECISION,", "cutoff DOUBLE PRECISION NOT NULL,")])
    with database.transaction() as cursor:
        cursor.execute(
            """INSERT INTO measures (measure, name, minimum, maximum, lower_is_better, cutoff, sd, reliability, source)
            VALUES ('WHO-5', 'old', 0, 25, 0, 14, 5, 0.84, 'old')"""
        )

    create_tables(database)
    create_tables(database)  # idempotent

    with database.transaction() as cursor:
        cursor.execute("SELECT measure, cutoff FROM measures ORDER BY measure")
        cutoffs = {row["measure"]: row["cutoff"] for row in cursor.fetchall()}
    assert cutoffs == {"GAD-7": 10, "K10": 22, "ORS": None, "PCL-5": 33, "PHQ-9": 10, "WHO-5": 13}
