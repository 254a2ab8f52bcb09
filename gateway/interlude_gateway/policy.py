"""Request policy from configuration: rate limits and the origins allowed by CORS.

Rate limits are sliding windows kept in the gateway's memory, so each replica
counts its own requests (N replicas admit up to N times the limit). That
bounds password guessing and submission floods per replica; see
docs/security.md for what it does not cover.
"""

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nameko.extensions import DependencyProvider

from .web import HttpProblem


@dataclass
class RateLimiter:
    """At most ``limit`` hits per key in any ``window_seconds``."""

    limit: int
    window_seconds: float
    clock: Callable[[], float] = time.monotonic
    _hits: dict[str, deque[float]] = field(default_factory=dict)

    def hit(self, key: str) -> None:
        """Count a hit, or raise a 429 problem (with Retry-After) when the key is over its limit."""
        now = self.clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_seconds:
            hits.popleft()
        if len(hits) >= self.limit:
            retry_after = max(1, int(hits[0] + self.window_seconds - now + 0.999))
            raise HttpProblem(
                429, "too_many_requests", f"Too many requests; try again in {retry_after} s.", retry_after=retry_after
            )
        hits.append(now)
        self._prune(now)

    def _prune(self, now: float) -> None:
        """Forget idle keys so memory stays bounded by the keys active in one window."""
        if len(self._hits) < 10_000:
            return
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window_seconds]:
            del self._hits[key]


@dataclass
class Policy:
    login: RateLimiter
    submission: RateLimiter
    cors_origins: frozenset[str]


def parse_rate(text: str) -> tuple[int, float]:
    """``"10/60"`` -> 10 hits per 60 seconds."""
    count, _, seconds = str(text).partition("/")
    return int(count), float(seconds or 60)


class RequestPolicy(DependencyProvider):
    def setup(self) -> None:
        config = self.container.config
        origins = str(config.get("CORS_ALLOWED_ORIGINS") or "")
        self.policy = Policy(
            login=RateLimiter(*parse_rate(config.get("LOGIN_RATE_LIMIT", "10/60"))),
            submission=RateLimiter(*parse_rate(config.get("SUBMISSION_RATE_LIMIT", "30/60"))),
            cors_origins=frozenset(origin.strip() for origin in origins.split(",") if origin.strip()),
        )

    def get_dependency(self, worker_ctx: Any) -> Policy:
        return self.policy
