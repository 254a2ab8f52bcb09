"""The shared library: every entry valid and attributed; every measure scored as published,
at its minimum, its maximum and both sides of every band boundary."""

from typing import Any

import pytest

from interlude_activities import library
from interlude_activity_model.answers import answer_errors
from interlude_activity_model.scoring import item_range, score_response

REQUIRED_MEASURES = {"PHQ-9", "GAD-7", "WHO-5", "PCL-5", "K10", "OUTCOME-4"}


def activity(slug: str) -> dict[str, Any]:
    return library.entry(slug)["activity"]


def answers_for(slug: str, total: float, items: list[str] | None = None) -> dict[str, Any]:
    """Answers whose scored items add up to ``total``: filled greedily, first items highest."""
    scored = activity(slug)
    by_id = {item["id"]: item for item in scored["items"]}
    item_ids = items or scored["scoring"]["total"]["items"]
    remaining = total - sum(item_range(by_id[i])[0] for i in item_ids)
    answers: dict[str, Any] = {}
    for item_id in item_ids:
        item = by_id[item_id]
        low, high = item_range(item)
        extra = min(high - low, remaining)
        remaining -= extra
        answers[item_id] = _answer_scoring(item, low + extra)
    assert remaining == 0, f"{total} is out of reach"
    return answers


def _answer_scoring(item: dict[str, Any], score: float) -> Any:
    if "options" in item:
        return next(option["value"] for option in item["options"] if option["score"] == score)
    return score


def total_of(slug: str, answers: dict[str, Any]) -> dict[str, Any]:
    assert answer_errors(activity(slug)["items"], answers, activity(slug).get("pages")) == {}
    return score_response(activity(slug), answers)["scores"]["total"]


# -- the library as a whole -------------------------------------------------------


def test_the_library_has_at_least_15_entries_each_tagged_sourced_and_licensed() -> None:
    entries = library.entries()

    assert len(entries) >= 15
    for slug, entry in entries.items():
        assert entry["tags"] and set(entry["tags"]) <= set(library.TAGS), slug
        assert len(entry["source"]) > 20 and len(entry["licence"]) > 10, slug
    assert {tag for entry in entries.values() for tag in entry["tags"]} == set(library.TAGS)


def test_the_library_ships_the_required_measures_and_no_commercial_instruments() -> None:
    measures = {entry["activity"].get("measure") for entry in library.entries().values()}

    assert measures >= REQUIRED_MEASURES
    text = str(library.entries()).lower()
    assert "bdi" not in text and "beck depression" not in text


def test_browsing_by_tag_returns_summaries_only() -> None:
    lessons = library.browse("metaphor")

    assert {entry["slug"] for entry in lessons} >= {"metaphor-ball-under-water"}
    assert all("activity" not in entry and "metaphor" in entry["tags"] for entry in lessons)


def test_an_unknown_entry_is_reported() -> None:
    with pytest.raises(library.UnknownEntry):
        library.entry("bdi-ii")


# -- the measures at their boundaries ---------------------------------------------

PHQ9 = [(0, "minimal", False), (4, "minimal", False), (5, "mild", False), (9, "mild", False),
        (10, "moderate", True), (14, "moderate", True), (15, "moderately severe", True),
        (19, "moderately severe", True), (20, "severe", True), (27, "severe", True)]  # fmt: skip
GAD7 = [(0, "minimal", False), (4, "minimal", False), (5, "mild", False), (9, "mild", False),
        (10, "moderate", True), (14, "moderate", True), (15, "severe", True), (21, "severe", True)]  # fmt: skip
K10 = [(10, "low", False), (15, "low", False), (16, "moderate", False), (21, "moderate", False),
       (22, "high", True), (29, "high", True), (30, "very high", True), (50, "very high", True)]  # fmt: skip
PCL5 = [(0, "below provisional cutoff", False), (32, "below provisional cutoff", False),
        (33, "probable PTSD (provisional)", True), (80, "probable PTSD (provisional)", True)]  # fmt: skip


@pytest.mark.parametrize(("slug", "total", "band", "above"), [
    *[("phq-9", *case) for case in PHQ9],
    *[("gad-7", *case) for case in GAD7],
    *[("k10", *case) for case in K10],
    *[("pcl-5", *case) for case in PCL5],
])  # fmt: skip
def test_measure_totals_bands_and_cutoffs(slug: str, total: int, band: str, above: bool) -> None:
    answers = answers_for(slug, total)
    if slug in ("phq-9", "gad-7") and total:
        answers[slug.replace("-", "") + "_difficulty"] = "somewhat"  # shown once any problem is reported

    assert total_of(slug, answers) == {"value": total, "band": band, "above_cutoff": above}


@pytest.mark.parametrize(
    ("raw", "band", "above"),
    [
        (0, "likely depression", False),
        (7, "likely depression", False),
        (8, "poor wellbeing", False),
        (12, "poor wellbeing", False),
        (13, "not indicative of poor wellbeing", True),
        (25, "not indicative of poor wellbeing", True),
    ],
)
def test_who5_raw_and_percentage(raw: int, band: str, above: bool) -> None:
    """Topp et al. 2015: raw below 13 (50 % or less) is poor wellbeing, 7 or below (28 % or less) likely
    depression. Higher is better, so at or above the cutoff 13 is the side not indicative of poor wellbeing."""
    scores = score_response(activity("who-5"), answers_for("who-5", raw))["scores"]

    assert scores["total"] == {"value": raw, "band": band, "above_cutoff": above}
    assert scores["percentage"] == {"value": raw * 4, "band": band, "above_cutoff": above}


def test_phq9_item_9_above_zero_raises_the_risk_flag_and_zero_does_not() -> None:
    calm = answers_for("phq-9", 3)
    at_risk = {**answers_for("phq-9", 0), "phq9_9": "1", "phq9_difficulty": "very"}

    assert score_response(activity("phq-9"), calm | {"phq9_difficulty": "not"})["risk_flags"] == []
    flags = score_response(activity("phq-9"), at_risk)["risk_flags"]
    assert [(flag["rule_id"], flag["item_id"]) for flag in flags] == [("phq9-item9", "phq9_9")]
    assert score_response(activity("phq-9"), at_risk)["scores"]["total"]["value"] == 1


def test_phq9_difficulty_question_is_skipped_when_no_problem_is_reported() -> None:
    none = answers_for("phq-9", 0)

    assert answer_errors(activity("phq-9")["items"], none) == {}
    assert "phq9_difficulty" in answer_errors(activity("phq-9")["items"], none | {"phq9_difficulty": "not"})
    assert "phq9_difficulty" in answer_errors(activity("phq-9")["items"], answers_for("phq-9", 1))


@pytest.mark.parametrize("slug", ["phq-9", "gad-7"])
def test_the_unscored_difficulty_question_follows_any_reported_problem_and_leaves_the_total(slug: str) -> None:
    """PHQ-9 and GAD-7 both end with the published difficulty question: shown only once a problem is
    reported, then required; never scored, so the totals stay 0-27 and 0-21."""
    difficulty = slug.replace("-", "") + "_difficulty"
    [item] = [item for item in activity(slug)["items"] if item["id"] == difficulty]
    assert [option["label"] for option in item["options"]] == [
        "Not difficult at all",
        "Somewhat difficult",
        "Very difficult",
        "Extremely difficult",
    ]
    assert item["prompt"].startswith("How difficult have these problems made it for you to do your work")
    assert all("score" not in option for option in item["options"])
    assert difficulty not in activity(slug)["scoring"]["total"]["items"]

    assert answer_errors(activity(slug)["items"], answers_for(slug, 0)) == {}
    assert difficulty in answer_errors(activity(slug)["items"], answers_for(slug, 1))
    highest = 27 if slug == "phq-9" else 21
    for answer in ("not", "extremely"):
        assert total_of(slug, answers_for(slug, highest) | {difficulty: answer})["value"] == highest


def test_pcl5_cluster_subscales_add_up_to_the_total() -> None:
    scores = score_response(activity("pcl-5"), answers_for("pcl-5", 41))["scores"]

    # filled greedily: items 1-10 at 4 and item 11 at 1
    assert {key: scores[key]["value"] for key in ("intrusion", "avoidance", "cognition_mood", "arousal")} == {
        "intrusion": 20, "avoidance": 8, "cognition_mood": 13, "arousal": 0
    }  # fmt: skip


@pytest.mark.parametrize(
    ("ratings", "total"),
    [((0, 0, 0, 0), 0), ((0, 0, 0.1, 0), 0.1), ((7.5, 6.2, 8, 2), 23.7), ((10, 10, 10, 10), 40)],
)
def test_outcome_rating_totals_four_visual_analogue_scales(ratings: tuple[float, ...], total: float) -> None:
    domains = ("overall", "individual", "interpersonal", "social")

    assert total_of("outcome-rating", dict(zip(domains, ratings, strict=True)))["value"] == total
    assert [item["type"] for item in activity("outcome-rating")["items"]] == ["visual_analogue_scale"] * 4
