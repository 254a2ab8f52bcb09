"""Errors that cross RPC boundaries: field maps, and the same class on the caller's side."""

import json
import uuid

import pytest
from marshmallow import Schema, fields
from nameko.exceptions import RemoteError, deserialize, serialize

from interlude_contracts.activity import ActivityDraftSchema
from interlude_contracts.api import AssignRequest
from interlude_contracts.errors import (
    Conflict,
    Forbidden,
    InterludeError,
    NotFound,
    ValidationFailed,
    parse_uuid,
    validated,
)


def over_the_wire(error: Exception) -> Exception:
    """What an RPC caller gets back: nameko's serialisation through JSON, as on the bus."""
    return deserialize(json.loads(json.dumps(serialize(error))))


def test_validated_returns_the_loaded_data() -> None:
    activity_id = uuid.uuid4()

    body = validated(AssignRequest(), {"client_id": "client-ada", "activity_id": str(activity_id)})

    assert body["activity_id"] == activity_id
    assert body["due_at"] is None


def test_validated_raises_validation_failed_with_a_field_map() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validated(AssignRequest(), {"activity_id": "not-a-uuid"})

    error = caught.value
    assert set(error.fields) == {"client_id", "activity_id"}
    assert error.detail == "The request body is not valid."
    assert error.http_status == 422
    assert error.code == "validation_failed"


def test_validated_treats_none_as_an_empty_body() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validated(AssignRequest(), None)

    assert "client_id" in caught.value.fields


def test_validated_with_partial_skips_missing_required_fields() -> None:
    class Named(Schema):
        name = fields.String(required=True)
        age = fields.Integer(required=True)

    assert validated(Named(), {"age": 3}, partial=True) == {"age": 3}
    with pytest.raises(ValidationFailed) as caught:
        validated(Named(), {"age": "old"}, partial=True)
    assert set(caught.value.fields) == {"age"}


def test_validated_keys_the_field_map_by_strings() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validated(ActivityDraftSchema(), {"title": "x", "items": [{"id": "1", "type": "free_text", "prompt": "p"}]})

    assert all(isinstance(key, str) for key in caught.value.fields)
    assert "id" in caught.value.fields["items"][0]


def test_parse_uuid_accepts_a_uuid_and_names_the_field_otherwise() -> None:
    value = uuid.uuid4()
    assert parse_uuid(str(value), "activity_id") == value

    with pytest.raises(ValidationFailed) as caught:
        parse_uuid("nope", "activity_id")

    assert caught.value.fields == {"activity_id": ["Not a valid UUID."]}


def test_an_error_without_fields_has_an_empty_field_map() -> None:
    assert NotFound("No such activity.").fields == {}


def test_validation_failed_round_trips_through_nameko_serialisation() -> None:
    original = ValidationFailed("The request body is not valid.", {"client_id": ["Missing data for required field."]})

    received = over_the_wire(original)

    assert type(received) is ValidationFailed
    assert received.detail == original.detail
    assert received.fields == {"client_id": ["Missing data for required field."]}
    assert received.http_status == 422


def test_nested_field_maps_survive_with_string_keys() -> None:
    original = ValidationFailed("bad", {"items": {0: {"max": ["max must be greater than min."]}}})

    received = over_the_wire(original)

    assert isinstance(received, ValidationFailed)
    assert received.fields == {"items": {"0": {"max": ["max must be greater than min."]}}}


@pytest.mark.parametrize(
    ("error_class", "status"),
    [(NotFound, 404), (Conflict, 409), (Forbidden, 403), (ValidationFailed, 422)],
)
def test_every_registered_error_keeps_its_class_and_status(error_class: type[InterludeError], status: int) -> None:
    received = over_the_wire(error_class("detail", {"assignment_id": "42"}))

    assert type(received) is error_class
    assert received.http_status == status
    assert (received.detail, received.fields) == ("detail", {"assignment_id": "42"})


def test_an_unregistered_error_arrives_as_a_remote_error() -> None:
    received = over_the_wire(InterludeError("internal"))

    assert isinstance(received, RemoteError)
    assert not isinstance(received, InterludeError)
