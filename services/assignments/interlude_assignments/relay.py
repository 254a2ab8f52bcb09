"""The assignments outbox relay: publishes the assignment log to RabbitMQ.

Runs as its own process, exactly one per deployment: ``interlude-assignments-relay``.
"""

from interlude_contracts.runtime.outbox import relay_main

from .application import SERVICE, create_application
from .translation import to_envelope


def main() -> None:
    relay_main(SERVICE, create_application, to_envelope)


if __name__ == "__main__":
    main()
