"""Secrets from configuration, and the development mode that alone may run without them.

A process that needs a secret (the gateway's token key, the client-data master
key) refuses to start when it is unset or is one of the development defaults
published in this repository: with a public key anyone could sign tokens or
read client data. Only ``INTERLUDE_DEVELOPMENT=1`` (``make run``, the tests)
lets a process fall back to the development default.
"""

import logging
import os
from collections.abc import Mapping
from typing import NoReturn

log = logging.getLogger(__name__)

DEVELOPMENT_VARIABLE = "INTERLUDE_DEVELOPMENT"


class MissingSecret(SystemExit):
    """A required secret is unset, or a public development default, outside development mode.

    A SystemExit, so that the process (nameko's runner or a relay) ends with status 1 and the message
    alone, not with tracebacks of every greenthread the start went through.
    """


def development_mode(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(DEVELOPMENT_VARIABLE, "").strip().lower() in ("1", "true", "yes")


def required_secret(variable: str, value: str | None, development_defaults: tuple[str, ...]) -> str:
    """``value`` when it is a real secret; in development mode, else the first development default.

    Outside development mode an unset value or a development default logs one
    line naming ``variable`` and raises MissingSecret, which stops the process.
    """
    if value and value not in development_defaults:
        return value
    if development_mode():
        return value or development_defaults[0]
    problem = "is not set" if not value else "is a public development default"
    refuse_to_start(f"{variable} {problem}", "set it to a secret of your own")


def refuse_to_start(problem: str, remedy: str) -> NoReturn:
    """Log one line saying what is wrong and how to fix it, and stop the process (MissingSecret)."""
    message = (
        f"{problem}: refusing to start. Outside development mode {remedy} (see docs/security.md), "
        f"or set {DEVELOPMENT_VARIABLE}=1 on a development machine."
    )
    log.critical(message)
    raise MissingSecret(message)
