"""The activities store's migration (``interlude-migrate activities``): what its shape creates."""

from .relay import SHAPE

migrate = SHAPE.migrate
