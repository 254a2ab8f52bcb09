"""Signed bearer tokens (passwords and refresh tokens are the identity service's: see its tests)."""

import base64
import json

import pytest

from interlude_gateway.auth import CLIENT, THERAPIST, Caller, TokenSigner, Unauthenticated

SECRET = "s" * 32
NOW = 1_700_000_000.0
ADA = Caller(subject="client-ada", role=CLIENT, clinic_id="clinic-demo")


def signer(ttl_seconds: int = 3600, secret: str = SECRET) -> TokenSigner:
    return TokenSigner(secret, ttl_seconds)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, object]:
    body = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


# -- tokens -------------------------------------------------------------------


def test_an_issued_token_verifies_to_its_caller() -> None:
    tokens = signer()

    token = tokens.issue(ADA, now=NOW)

    assert tokens.verify(token, now=NOW) == ADA
    assert claims_of(token) == {
        "sub": "client-ada",
        "role": "client",
        "clinic": "clinic-demo",
        "iat": NOW,
        "exp": NOW + 3600,
    }


def test_a_token_issued_without_now_verifies_now() -> None:
    tokens = signer()

    assert tokens.verify(tokens.issue(ADA)) == ADA


def test_a_token_is_valid_until_its_expiry_and_not_after() -> None:
    tokens = signer(ttl_seconds=60)
    token = tokens.issue(ADA, now=NOW)

    assert tokens.verify(token, now=NOW + 60) == ADA
    with pytest.raises(Unauthenticated, match="expired"):
        tokens.verify(token, now=NOW + 61)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    token = signer(secret="o" * 32).issue(ADA, now=NOW)

    with pytest.raises(Unauthenticated, match="Invalid"):
        signer().verify(token, now=NOW)


def test_a_token_whose_claims_were_changed_is_refused() -> None:
    tokens = signer()
    token = tokens.issue(ADA, now=NOW)
    _, signature = token.split(".")
    promoted = {**claims_of(token), "role": THERAPIST}
    forged = b64(json.dumps(promoted, separators=(",", ":")).encode()) + "." + signature

    with pytest.raises(Unauthenticated, match="Invalid"):
        tokens.verify(forged, now=NOW)


def test_a_token_whose_signature_was_changed_is_refused() -> None:
    tokens = signer()
    body, signature = tokens.issue(ADA, now=NOW).split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]

    with pytest.raises(Unauthenticated):
        tokens.verify(f"{body}.{flipped}", now=NOW)


@pytest.mark.parametrize("token", ["", ".", "no-dot", "abc.", ".abc", "abc.\u00e9", "eyJ9.\u2603"])
def test_a_malformed_token_is_refused(token: str) -> None:
    with pytest.raises(Unauthenticated):
        signer().verify(token, now=NOW)


def test_a_secret_shorter_than_16_characters_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16"):
        TokenSigner("x" * 15, 3600)
    assert TokenSigner("x" * 16, 3600).ttl_seconds == 3600


def test_a_signed_token_naming_an_unknown_role_is_refused() -> None:
    token = signer().issue(Caller(subject="someone", role="superuser", clinic_id="clinic-demo"), now=NOW)

    with pytest.raises(Unauthenticated):
        signer().verify(token, now=NOW)


def test_a_token_carries_when_it_was_issued_and_when_it_expires() -> None:
    claims = claims_of(signer(ttl_seconds=900).issue(ADA, now=NOW))

    assert (claims["iat"], claims["exp"]) == (int(NOW), int(NOW) + 900)


def test_after_a_key_rotation_tokens_of_the_previous_secret_still_verify_until_dropped() -> None:
    old_token = signer(secret="o" * 32).issue(ADA, now=NOW)
    rotated = TokenSigner("n" * 32, 3600, previous_secrets=("o" * 32,))

    assert rotated.verify(old_token, now=NOW) == ADA
    assert signer(secret="n" * 32).verify(rotated.issue(ADA, now=NOW), now=NOW) == ADA  # new tokens use the new key
    with pytest.raises(Unauthenticated):
        signer(secret="n" * 32).verify(old_token, now=NOW)
