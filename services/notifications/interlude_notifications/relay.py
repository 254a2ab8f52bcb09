"""The notifications service's shape, SQL with an outbox table (docs/architecture.md), and its relay's entry point.

The relay runs as its own process, one per deployment: ``interlude-notifications-relay``.
"""

from interlude_runtime.relay import relay_main
from interlude_runtime.shapes import SqlShape

from .dependencies import SERVICE
from .schema import create_tables

SHAPE = SqlShape(SERVICE, create_tables)


def main() -> None:
    relay_main(SHAPE)


if __name__ == "__main__":
    main()
