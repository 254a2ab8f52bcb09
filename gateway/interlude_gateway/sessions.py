"""Whether a verified access token's session is still current: its ``gen`` against the account's, from identity.

Identity answers with the account's session generation, or None when there
is no active account (erased, or never existed). The answer is kept for
``SESSION_CHECK_SECONDS`` (5 by default) per gateway process, so a revoked
token is refused at most that long after the revocation, at the cost of one
RPC per account and interval. The replica that ends a session forgets its
answer at once.
"""

import time
from collections.abc import Callable
from typing import Any

from nameko.extensions import DependencyProvider

from .auth import Unauthenticated, VerifiedToken

DEFAULT_CHECK_SECONDS = 5.0
# Past this many remembered accounts the expired answers are dropped (a sweep costs one pass).
SWEEP_AT = 10_000

GenerationLookup = Callable[[str], int | None]


class SessionCheck:
    """Answers of identity's ``session_generation``, kept for ``ttl_seconds``."""

    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._known: dict[str, tuple[int | None, float]] = {}

    def require_current(self, token: VerifiedToken, lookup: GenerationLookup) -> None:
        """Unauthenticated unless the token's account is active and still in the token's generation."""
        current = self._generation(token.caller.subject, lookup)
        if current is None or current != token.generation:
            raise Unauthenticated("This session has ended: sign in again.")

    def forget(self, subject: str) -> None:
        """Drop what is known of the account, so its next request asks identity."""
        self._known.pop(subject, None)

    def _generation(self, subject: str, lookup: GenerationLookup) -> int | None:
        now = self._clock()
        known = self._known.get(subject)
        if known is not None and known[1] > now:
            return known[0]
        generation = lookup(subject)
        if len(self._known) >= SWEEP_AT:
            self._known = {key: value for key, value in self._known.items() if value[1] > now}
        self._known[subject] = (generation, now + self.ttl_seconds)
        return generation


class Sessions(DependencyProvider):
    """One ``SessionCheck`` shared by the process's workers."""

    def setup(self) -> None:
        seconds = float(self.container.config.get("SESSION_CHECK_SECONDS", DEFAULT_CHECK_SECONDS))
        self.check = SessionCheck(seconds)

    def get_dependency(self, worker_ctx: Any) -> SessionCheck:
        return self.check
