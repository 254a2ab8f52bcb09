"""The notifications store's migration (``interlude-migrate notifications``): what its shape creates."""

from .relay import SHAPE

migrate = SHAPE.migrate
