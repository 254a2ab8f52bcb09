"""Who is calling: signed bearer tokens and roles.

Access tokens are HMAC-SHA256 signed with a key from configuration and
expire (15 minutes by default). Accounts, passwords and the revocable refresh
tokens live in the identity service; the gateway keeps no state.
"""

import base64
import hashlib
import hmac
import json
import time
from dataclasses import asdict, dataclass
from typing import Any

from interlude_contracts.identity import ANALYST, CLIENT, CLINIC_ADMIN, OPERATOR, ROLES, THERAPIST

__all__ = ["ANALYST", "CLIENT", "CLINIC_ADMIN", "OPERATOR", "ROLES", "THERAPIST", "Caller", "TokenSigner"]


class Unauthenticated(Exception):
    """No valid credentials or token."""


@dataclass(frozen=True)
class Caller:
    subject: str
    role: str
    clinic_id: str

    def as_dict(self) -> dict[str, Any]:
        """The caller as the services take it over RPC."""
        return asdict(self)


class TokenSigner:
    """Signs with ``secret``; also accepts tokens signed with ``previous_secrets`` (key rotation)."""

    def __init__(self, secret: str, ttl_seconds: int, previous_secrets: tuple[str, ...] = ()) -> None:
        if any(len(key) < 16 for key in (secret, *previous_secrets)):
            raise ValueError("The token secret must be at least 16 characters.")
        self._key = secret.encode()
        self._accepted = [self._key, *(key.encode() for key in previous_secrets)]
        self.ttl_seconds = ttl_seconds

    def issue(self, caller: Caller, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {
            "sub": caller.subject,
            "role": caller.role,
            "clinic": caller.clinic_id,
            "iat": issued,
            "exp": issued + self.ttl_seconds,
        }
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{body}.{self._sign(body)}"

    def verify(self, token: str, now: float | None = None) -> Caller:
        body, _, signature = token.partition(".")
        # compare_digest raises TypeError on non-ASCII text: such a token is just invalid.
        if (
            not body
            or not signature.isascii()
            or not any(hmac.compare_digest(signature, self._sign(body, key)) for key in self._accepted)
        ):
            raise Unauthenticated("Invalid token.")
        claims = json.loads(_unb64(body))
        if claims["exp"] < (now if now is not None else time.time()):
            raise Unauthenticated("Token expired.")
        if claims["role"] not in ROLES:
            raise Unauthenticated("Invalid token.")
        return Caller(subject=claims["sub"], role=claims["role"], clinic_id=claims["clinic"])

    def _sign(self, body: str, key: bytes | None = None) -> str:
        return _b64(hmac.new(key or self._key, body.encode(), hashlib.sha256).digest())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
