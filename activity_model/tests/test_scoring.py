"""Scoring rules: option values, reverse items, sum and mean, multipliers, subscales, bands, cutoffs, risk rules."""

from typing import Any

from interlude_activity_model.draft import CheckedDraftSchema
from interlude_activity_model.personalise import personalise
from interlude_activity_model.scoring import band_of, score_response


def agreement(item_id: str) -> dict[str, Any]:
    labels = ["Disagree", "Neutral", "Agree"]
    return {
        "id": item_id,
        "type": "single_choice",
        "prompt": f"Statement {item_id}",
        "options": [{"value": label.lower(), "label": label, "score": score} for score, label in enumerate(labels, 1)],
    }


def activity(scoring: dict[str, Any], **extra: Any) -> dict[str, Any]:
    items = [
        agreement("a"),
        agreement("b"),
        {"id": "c", "type": "linear_scale", "prompt": "C", "min": 1, "max": 5},
        {"id": "d", "type": "yes_no", "prompt": "D"},
        {
            "id": "e",
            "type": "multiple_choice",
            "prompt": "E",
            "required": False,
            "options": [{"value": "x", "label": "X", "score": 1}, {"value": "y", "label": "Y", "score": 2}],
        },
    ]
    return CheckedDraftSchema().load(
        {"title": "Scored", "measure": "TEST", "items": items, "scoring": scoring, **extra}
    )


ANSWERS = {"a": "agree", "b": "disagree", "c": 2, "d": True, "e": ["x", "y"]}


def test_a_sum_uses_option_scores_scale_values_yes_as_one_and_chosen_options() -> None:
    result = score_response(activity({"total": {"items": ["a", "b", "c", "d", "e"]}}), ANSWERS)

    assert result == {
        "measure": "TEST",
        "scores": {"total": {"value": 10, "band": None, "above_cutoff": None}},
        "risk_flags": [],
    }


def test_reverse_items_are_mirrored_within_their_own_range() -> None:
    result = score_response(activity({"total": {"items": ["a", "b", "c"], "reverse": ["b", "c"]}}), ANSWERS)

    # a=3, b: 1 -> 3 (range 1..3), c: 2 -> 4 (range 1..5)
    assert result["scores"]["total"]["value"] == 10


def test_a_mean_with_a_multiplier_rounds_to_two_places() -> None:
    result = score_response(
        activity({"total": {"items": ["a", "b", "c"], "method": "mean", "multiplier": 10}}), ANSWERS
    )

    assert result["scores"]["total"]["value"] == 20.0
    result = score_response(activity({"total": {"items": ["a", "b"], "method": "mean", "multiplier": 1 / 3}}), ANSWERS)
    assert result["scores"]["total"]["value"] == 0.67


def test_subscales_bands_and_cutoff() -> None:
    bands = [{"min": 0, "max": 3, "label": "low"}, {"min": 4, "max": 6, "label": "high"}]
    scoring = {
        "total": {
            "items": ["a", "b", "c"],
            "bands": [{"min": 3, "max": 6, "label": "low"}, {"min": 7, "max": 11, "label": "high"}],
            "cutoff": 6,
        },
        "subscales": {"agreement": {"items": ["a", "b"], "bands": bands, "cutoff": 5}},
    }
    scores = score_response(activity(scoring), ANSWERS)["scores"]

    assert scores["total"] == {"value": 6, "band": "low", "above_cutoff": True}
    assert scores["agreement"] == {"value": 4, "band": "high", "above_cutoff": False}


def test_an_unanswered_optional_item_leaves_its_score_out() -> None:
    result = score_response(
        activity({"total": {"items": ["e"]}, "subscales": {"ab": {"items": ["a", "b"]}}}), {**ANSWERS, "e": None}
    )

    assert set(result["scores"]) == {"ab"}


def test_risk_rules_fire_only_when_their_condition_holds_on_an_answer() -> None:
    rule = {"id": "agree-a", "item_id": "a", "operator": "equals", "value": "agree", "message": "Check in."}
    scored = activity({"risk_rules": [rule]})

    assert score_response(scored, ANSWERS)["risk_flags"] == [
        {"rule_id": "agree-a", "item_id": "a", "message": "Check in."}
    ]
    assert score_response(scored, {**ANSWERS, "a": "neutral"})["risk_flags"] == []
    assert score_response(scored, {})["risk_flags"] == []


def test_bands_outside_their_span_give_no_label() -> None:
    bands = [{"min": 0, "max": 4, "label": "minimal"}, {"min": 5, "max": 9, "label": "mild"}]

    assert [band_of(bands, value) for value in (-1, 0, 4, 4.5, 5, 9, 10)] == [
        None,
        "minimal",
        "minimal",
        "minimal",
        "mild",
        "mild",
        None,
    ]


def test_scoring_an_unscored_activity_gives_nothing() -> None:
    plain = CheckedDraftSchema().load({"title": "T", "items": [{"id": "n", "type": "free_text", "prompt": "?"}]})

    assert score_response(plain, {"n": "x"}) == {"measure": None, "scores": {}, "risk_flags": []}


def test_personalisation_fills_known_tokens_and_falls_back_politely() -> None:
    content = {
        "title": "Hi {{client.first_name}}",
        "items": [{"id": "n", "type": "free_text", "prompt": "{{therapist.name}} at {{ clinic.name }} asks"}],
    }

    filled = personalise(content, {"client.first_name": "Ada", "therapist.name": "Dr Lee", "clinic.name": None})

    assert filled == {
        "title": "Hi Ada",
        "items": [{"id": "n", "type": "free_text", "prompt": "Dr Lee at your clinic asks"}],
    }
    assert personalise({"title": "Hi {{client.first_name}}"}, {})["title"] == "Hi there"
    assert content["title"] == "Hi {{client.first_name}}"
