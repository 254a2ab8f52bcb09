"""Who is calling: password checks, signed bearer tokens and roles.

Tokens are HMAC-SHA256 signed with a key from configuration and expire.
Identity management (invitations, clinics, refresh) extends this later;
the request-level rules (every request authenticated, scoped to the
caller's clinic and role) hold from now on.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

THERAPIST = "therapist"
CLIENT = "client"
ANALYST = "analyst"  # reads reports of their clinic only
ROLES = (THERAPIST, CLIENT)


class Unauthenticated(Exception):
    """No valid credentials or token."""


@dataclass(frozen=True)
class Caller:
    subject: str
    role: str
    clinic_id: str


def hash_password(password: str, *, n: int = 2**14, r: int = 8, p: int = 1) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(candidate, _unb64(digest))


class TokenSigner:
    def __init__(self, secret: str, ttl_seconds: int) -> None:
        if len(secret) < 16:
            raise ValueError("The token secret must be at least 16 characters.")
        self._key = secret.encode()
        self.ttl_seconds = ttl_seconds

    def issue(self, caller: Caller, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {
            "sub": caller.subject,
            "role": caller.role,
            "clinic": caller.clinic_id,
            "exp": issued + self.ttl_seconds,
        }
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{body}.{self._sign(body)}"

    def verify(self, token: str, now: float | None = None) -> Caller:
        body, _, signature = token.partition(".")
        # compare_digest raises TypeError on non-ASCII text: such a token is just invalid.
        if not body or not signature.isascii() or not hmac.compare_digest(signature, self._sign(body)):
            raise Unauthenticated("Invalid token.")
        claims = json.loads(_unb64(body))
        if claims["exp"] < (now if now is not None else time.time()):
            raise Unauthenticated("Token expired.")
        return Caller(subject=claims["sub"], role=claims["role"], clinic_id=claims["clinic"])

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())


class UserDirectory:
    """Accounts from configuration: ``{username: {password_hash, role, subject, clinic_id}}``."""

    def __init__(self, users: dict[str, dict[str, Any]]) -> None:
        self._users = users

    def authenticate(self, username: str, password: str) -> Caller:
        user = self._users.get(username)
        # Hash even for unknown users so timing does not reveal which usernames exist.
        encoded = user["password_hash"] if user else _DUMMY_HASH
        if not verify_password(password, encoded) or user is None:
            raise Unauthenticated("Wrong username or password.")
        return Caller(subject=user["subject"], role=user["role"], clinic_id=user["clinic_id"])


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_DUMMY_HASH = hash_password(secrets.token_hex(8))
