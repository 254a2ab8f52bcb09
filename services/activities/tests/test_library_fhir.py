"""Every library entry survives a FHIR Questionnaire round trip unchanged."""

import pytest

from interlude_activities import library
from interlude_activities.fhir import to_questionnaire
from interlude_activities.fhir_import import from_questionnaire
from interlude_activity_model.draft import CheckedDraftSchema


@pytest.mark.parametrize("slug", sorted(library.entries()))
def test_library_entry_round_trips_through_fhir(slug: str) -> None:
    activity = library.entry(slug)["activity"]
    draft, unmapped = from_questionnaire(to_questionnaire(activity))

    assert unmapped == []
    assert CheckedDraftSchema().load(draft) == activity
