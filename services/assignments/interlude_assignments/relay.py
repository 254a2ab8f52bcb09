"""The assignments service's shape, event-sourced (docs/architecture.md), and its relay's entry point.

The relay runs as its own process, exactly one per deployment: ``interlude-assignments-relay``.
"""

from interlude_runtime.relay import relay_main
from interlude_runtime.shapes import EventSourcedShape

from .application import SERVICE, create_application
from .translation import to_envelope

SHAPE = EventSourcedShape(SERVICE, create_application, to_envelope)


def main() -> None:
    relay_main(SHAPE)


if __name__ == "__main__":
    main()
