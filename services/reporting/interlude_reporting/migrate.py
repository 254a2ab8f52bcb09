"""The reporting store's migration (``interlude-migrate reporting``): an SQL shape without an outbox."""

from interlude_runtime.shapes import SqlShape

from .dependencies import SERVICE
from .projection import create_tables

migrate = SqlShape(SERVICE, create_tables).migrate
