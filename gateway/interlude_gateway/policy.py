"""Request policy from configuration: rate limits and the origins allowed by CORS.

Rate limits are sliding windows kept in the gateway's memory, so each replica
counts its own requests (N replicas admit up to N times the limit). That
bounds password guessing and submission floods per replica; see
docs/security.md for what it does not cover.

Logins are limited twice: per address and username (guessing one account's
password) and per address alone (spraying one password over many usernames).
The address is the TCP peer's; ``X-Forwarded-For`` counts only when that peer
is one of the configured trusted proxies (``TRUSTED_PROXIES``).
"""

import ipaddress
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Request

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


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass
class Policy:
    login: RateLimiter
    login_per_address: RateLimiter
    submission: RateLimiter
    cors_origins: frozenset[str]
    trusted_proxies: tuple[Network, ...] = ()

    def hit_login(self, request: Request, username: str) -> None:
        """Count a login attempt against its address and against its address and username (429 beyond either)."""
        address = self.client_address(request)
        self.login_per_address.hit(address)
        self.login.hit(f"{address}|{username.strip().lower()}")

    def client_address(self, request: Request) -> str:
        """The peer's address; behind trusted proxies, the nearest ``X-Forwarded-For`` hop that is not one of them.

        Hops are read right to left because only the ones our own proxies appended can be believed:
        a client may put anything at the left of the header.
        """
        address = request.remote_addr or ""
        if not self._is_trusted(address):
            return address
        for hop in reversed(request.headers.getlist("X-Forwarded-For")):
            for forwarded in reversed([part.strip() for part in hop.split(",")]):
                if not self._is_trusted(forwarded):
                    return forwarded if _is_address(forwarded) else address
                address = forwarded
        return address

    def _is_trusted(self, address: str) -> bool:
        if not self.trusted_proxies or not _is_address(address):
            return False
        ip = ipaddress.ip_address(address)
        return any(ip in network for network in self.trusted_proxies)


def parse_rate(text: str) -> tuple[int, float]:
    """``"10/60"`` -> 10 hits per 60 seconds."""
    count, _, seconds = str(text).partition("/")
    return int(count), float(seconds or 60)


def parse_networks(text: str) -> tuple[Network, ...]:
    """``"10.0.0.0/8, 192.168.1.4"`` -> the networks (a bare address is a network of one)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in str(text).split(",") if part.strip())


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class RequestPolicy(DependencyProvider):
    def setup(self) -> None:
        config = self.container.config
        origins = str(config.get("CORS_ALLOWED_ORIGINS") or "")
        self.policy = Policy(
            login=RateLimiter(*parse_rate(config.get("LOGIN_RATE_LIMIT", "10/60"))),
            login_per_address=RateLimiter(*parse_rate(config.get("LOGIN_ADDRESS_RATE_LIMIT", "30/60"))),
            submission=RateLimiter(*parse_rate(config.get("SUBMISSION_RATE_LIMIT", "30/60"))),
            cors_origins=frozenset(origin.strip() for origin in origins.split(",") if origin.strip()),
            trusted_proxies=parse_networks(config.get("TRUSTED_PROXIES") or ""),
        )

    def get_dependency(self, worker_ctx: Any) -> Policy:
        return self.policy
