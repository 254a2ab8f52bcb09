"""The identity store's migration (``interlude-migrate identity``): an SQL shape without an outbox."""

from interlude_runtime.shapes import SqlShape

from .dependencies import SERVICE
from .store import create_tables

migrate = SqlShape(SERVICE, create_tables).migrate
