"""A draft checked as a whole: the schema every place that accepts a draft loads it with."""

from typing import Any

from marshmallow import ValidationError, validates_schema

from interlude_contracts.activity import ActivityDraftSchema

from .structure import structure_errors


class CheckedDraftSchema(ActivityDraftSchema):
    """The draft's wire shape, then the checks that span items; each error names the item."""

    @validates_schema
    def check_whole_activity(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors = structure_errors(data)
        if errors:
            raise ValidationError(errors)
