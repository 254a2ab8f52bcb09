"""Who is calling: signed bearer tokens and roles.

Access tokens are JWTs (RFC 7519, made and checked by PyJWT): HS256 only,
signed with a key from configuration named in the ``kid`` header, issued by
``interlude-gateway`` for the audience ``interlude-api``, expiring after 15
minutes by default. Every one of ``iss``, ``aud``, ``iat``, ``nbf`` and
``exp`` is required and checked. Accounts, passwords and the revocable refresh
tokens live in the identity service; the gateway keeps no state of its own.

Revocation: a token also carries ``gen``, the account's session generation
when it was issued. Logout, the reuse of a spent refresh token and erasure
move the account to a new generation (or remove it), and the gateway refuses
a token whose ``gen`` is not the account's current one (``sessions``).

Key rotation: tokens are signed with the current secret; the previous secrets
(``GATEWAY_TOKEN_PREVIOUS_SECRETS``) still verify the tokens they signed until
those expire. A key's ``kid`` is derived from it, so no key ids need managing.
"""

import hashlib
import time
from dataclasses import asdict, dataclass
from typing import Any

import jwt

from interlude_contracts.identity import ANALYST, CLIENT, CLINIC_ADMIN, OPERATOR, ROLES, THERAPIST

__all__ = [
    "ANALYST",
    "CLIENT",
    "CLINIC_ADMIN",
    "OPERATOR",
    "ROLES",
    "THERAPIST",
    "Caller",
    "TokenSigner",
    "VerifiedToken",
]

ALGORITHM = "HS256"
ISSUER = "interlude-gateway"
AUDIENCE = "interlude-api"
REQUIRED_CLAIMS = ["sub", "role", "clinic", "gen", "iss", "aud", "iat", "nbf", "exp"]
# RFC 7518 section 3.2: an HS256 key has at least as many bits as the hash.
MINIMUM_SECRET_LENGTH = 32
# Clock skew allowed between the gateway replicas that issue and check a token.
LEEWAY_SECONDS = 5
# Secrets published in this repository (the former default of gateway/config.yaml, the dev Kubernetes
# overlay's): the gateway starts on them in development mode only.
DEVELOPMENT_TOKEN_SECRETS = ("dev-only-secret-change-me-please", "dev-only-token-secret-change-me-please")


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


@dataclass(frozen=True)
class VerifiedToken:
    """A token's caller and the account's session generation when it was issued."""

    caller: Caller
    generation: int


class TokenSigner:
    """Signs with ``secret``; also accepts tokens signed with ``previous_secrets`` (key rotation)."""

    def __init__(self, secret: str, ttl_seconds: int, previous_secrets: tuple[str, ...] = ()) -> None:
        if any(len(key) < MINIMUM_SECRET_LENGTH for key in (secret, *previous_secrets)):
            raise ValueError(f"The token secret must be at least {MINIMUM_SECRET_LENGTH} characters.")
        self._key = secret.encode()
        self._kid = key_id(self._key)
        self._accepted = {key_id(key): key for key in (self._key, *(old.encode() for old in previous_secrets))}
        self.ttl_seconds = ttl_seconds

    def issue(self, caller: Caller, now: float | None = None, generation: int = 0) -> str:
        """A token for the caller in the account's session ``generation`` (0 for an account never revoked)."""
        issued = int(now if now is not None else time.time())
        claims = {
            "sub": caller.subject,
            "role": caller.role,
            "clinic": caller.clinic_id,
            "gen": generation,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": issued,
            "nbf": issued,
            "exp": issued + self.ttl_seconds,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self._kid})

    def verify(self, token: str) -> Caller:
        """The caller a valid token names, checked against the current time; else Unauthenticated."""
        return self.verified(token).caller

    def verified(self, token: str) -> VerifiedToken:
        """The caller and session generation of a valid token (not yet checked against identity)."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self._accepted.get(kid) if isinstance(kid, str) else None
            if key is None:
                raise Unauthenticated("Invalid token.")
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS, "verify_signature": True},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("Token expired.") from None
        except jwt.PyJWTError:
            raise Unauthenticated("Invalid token.") from None
        if claims["role"] not in ROLES or not all(isinstance(claims[c], str) for c in ("sub", "role", "clinic")):
            raise Unauthenticated("Invalid token.")
        if type(claims["gen"]) is not int or claims["gen"] < 0:
            raise Unauthenticated("Invalid token.")
        caller = Caller(subject=claims["sub"], role=claims["role"], clinic_id=claims["clinic"])
        return VerifiedToken(caller, claims["gen"])


def key_id(key: bytes) -> str:
    """A key's name in the ``kid`` header: a fingerprint that says nothing of the key itself."""
    return hashlib.sha256(b"interlude-token-key-id\x00" + key).hexdigest()[:16]
