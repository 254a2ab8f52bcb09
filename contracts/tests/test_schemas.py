"""One schema instance per class and options, reused however many workers load and dump at once."""

import eventlet
from marshmallow import Schema, ValidationError, fields

from interlude_contracts.schemas import shared


class Answer(Schema):
    mood = fields.Integer(required=True)


def test_the_instance_is_made_once_per_class_and_many() -> None:
    assert shared(Answer) is shared(Answer)
    assert shared(Answer, many=True) is shared(Answer, many=True)
    assert shared(Answer) is not shared(Answer, many=True)
    assert shared(Answer, many=True).many and not shared(Answer).many


def test_a_shared_instance_keeps_nothing_from_one_load_to_the_next() -> None:
    def load(value: object) -> object:
        try:
            return shared(Answer).load({"mood": value})
        except ValidationError as error:
            return error.messages

    results = list(eventlet.GreenPool(20).imap(load, [1, "x", 2, None] * 25))

    assert results[:4] == [
        {"mood": 1},
        {"mood": ["Not a valid integer."]},
        {"mood": 2},
        {"mood": ["Field may not be null."]},
    ]
    assert results == results[:4] * 25
