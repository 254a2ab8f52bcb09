"""Every library entry survives a FHIR Questionnaire round trip unchanged."""

import pytest

from interlude_activities import library
from interlude_contracts.activity import ActivityDraftSchema
from interlude_contracts.fhir import from_questionnaire, to_questionnaire


@pytest.mark.parametrize("slug", sorted(library.entries()))
def test_library_entry_round_trips_through_fhir(slug: str) -> None:
    activity = library.entry(slug)["activity"]
    draft, unmapped = from_questionnaire(to_questionnaire(activity))

    assert unmapped == []
    assert ActivityDraftSchema().load(draft) == activity
