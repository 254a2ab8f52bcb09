"""Signed bearer tokens (passwords and refresh tokens are the identity service's: see its tests)."""

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest

from interlude_gateway.auth import (
    AUDIENCE,
    CLIENT,
    DEVELOPMENT_TOKEN_SECRETS,
    ISSUER,
    LEEWAY_SECONDS,
    THERAPIST,
    Caller,
    TokenSigner,
    Unauthenticated,
    VerifiedToken,
    key_id,
)

SECRET = "s" * 32
NOW = 1_700_000_000.0
ADA = Caller(subject="client-ada", role=CLIENT, clinic_id="clinic-demo")


def signer(ttl_seconds: int = 3600, secret: str = SECRET) -> TokenSigner:
    return TokenSigner(secret, ttl_seconds)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


def hand_signed(claims: dict[str, object], secret: str = SECRET, **header: object) -> str:
    """A token made outside TokenSigner, with the claims and header given (the signer's kid unless overridden)."""
    headers = {"kid": key_id(secret.encode()), **header}
    return jwt.encode(claims, secret, algorithm=str(headers.pop("alg", "HS256")), headers=headers)


def valid_claims(**changes: object) -> dict[str, object]:
    now = int(time.time())
    claims = {"sub": "client-ada", "role": CLIENT, "clinic": "clinic-demo", "gen": 0, "iss": ISSUER, "aud": AUDIENCE}
    return {**claims, "iat": now, "nbf": now, "exp": now + 600, **changes}


# -- tokens -------------------------------------------------------------------


def test_an_issued_token_verifies_to_its_caller() -> None:
    tokens = signer()

    token = tokens.issue(ADA)

    assert tokens.verify(token) == ADA
    claims = claims_of(token)
    assert claims == {
        "sub": "client-ada",
        "role": "client",
        "clinic": "clinic-demo",
        "gen": 0,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": claims["iat"],
        "nbf": claims["iat"],
        "exp": claims["iat"] + 3600,
    }
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT", "kid": key_id(SECRET.encode())}


def test_a_hand_made_token_with_every_claim_right_verifies() -> None:
    assert signer().verify(hand_signed(valid_claims())) == ADA


def test_a_token_carries_the_session_generation_it_was_issued_in() -> None:
    tokens = signer()

    assert tokens.verified(tokens.issue(ADA, generation=7)) == VerifiedToken(ADA, 7)
    assert tokens.verified(tokens.issue(ADA)).generation == 0


def test_a_token_is_valid_until_its_expiry_and_not_after() -> None:
    tokens = signer(ttl_seconds=60)

    assert tokens.verify(tokens.issue(ADA, now=time.time() - 50)) == ADA
    with pytest.raises(Unauthenticated, match="expired"):
        tokens.verify(tokens.issue(ADA, now=time.time() - 61 - LEEWAY_SECONDS))


def test_a_token_signed_with_another_secret_is_refused() -> None:
    token = signer(secret="o" * 32).issue(ADA)

    with pytest.raises(Unauthenticated, match="Invalid"):
        signer().verify(token)


def test_a_token_signed_with_another_secret_under_the_right_kid_is_refused() -> None:
    with pytest.raises(Unauthenticated, match="Invalid"):
        signer().verify(hand_signed(valid_claims(), secret="o" * 32, kid=key_id(SECRET.encode())))


def test_a_token_signed_with_a_development_default_is_refused_by_a_real_secret() -> None:
    for default in DEVELOPMENT_TOKEN_SECRETS:
        forged = TokenSigner(default, 600).issue(Caller("invented", "operator", "interlude"))
        with pytest.raises(Unauthenticated, match="Invalid"):
            signer().verify(forged)


def test_a_token_whose_claims_were_changed_is_refused() -> None:
    tokens = signer()
    header, _, signature = tokens.issue(ADA).split(".")
    promoted = {**claims_of(tokens.issue(ADA)), "role": THERAPIST}
    forged = f"{header}.{b64(json.dumps(promoted, separators=(',', ':')).encode())}.{signature}"

    with pytest.raises(Unauthenticated, match="Invalid"):
        tokens.verify(forged)


def test_a_token_whose_signature_was_changed_is_refused() -> None:
    tokens = signer()
    header, body, signature = tokens.issue(ADA).split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]

    with pytest.raises(Unauthenticated):
        tokens.verify(f"{header}.{body}.{flipped}")


@pytest.mark.parametrize(
    "claims",
    [
        valid_claims(aud="another-api"),
        valid_claims(iss="someone-else"),
        valid_claims(exp=int(time.time()) - 60),
        valid_claims(nbf=int(time.time()) + 600),
        valid_claims(iat="yesterday"),
        {k: v for k, v in valid_claims().items() if k != "aud"},
        {k: v for k, v in valid_claims().items() if k != "iss"},
        {k: v for k, v in valid_claims().items() if k != "exp"},
        {k: v for k, v in valid_claims().items() if k != "iat"},
        {k: v for k, v in valid_claims().items() if k != "clinic"},
        valid_claims(sub=["client-ada"]),
        {k: v for k, v in valid_claims().items() if k != "gen"},
        valid_claims(gen="0"),
        valid_claims(gen=-1),
        valid_claims(gen=True),
    ],
    ids=[
        *("aud", "iss", "expired", "not-yet", "iat-text"),
        *("no-aud", "no-iss", "no-exp", "no-iat", "no-clinic", "sub-list"),
        *("no-gen", "gen-text", "gen-negative", "gen-bool"),
    ],
)
def test_a_token_with_a_wrong_or_missing_claim_is_refused(claims: dict[str, object]) -> None:
    with pytest.raises(Unauthenticated):
        signer().verify(hand_signed(claims))


@pytest.mark.parametrize("kid", [None, "unknown-key", ["list"]])
def test_a_token_naming_no_known_key_is_refused(kid: object) -> None:
    header = {"alg": "HS256", "typ": "JWT", **({"kid": kid} if kid is not None else {})}
    signed = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(valid_claims()).encode())}"
    signature = hmac.new(SECRET.encode(), signed.encode(), hashlib.sha256).digest()
    token = f"{signed}.{b64(signature)}"

    with pytest.raises(Unauthenticated, match="Invalid"):
        signer().verify(token)


def test_an_unsigned_token_alg_none_is_refused() -> None:
    header = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": key_id(SECRET.encode())}).encode())
    body = b64(json.dumps(valid_claims()).encode())

    for token in (f"{header}.{body}.", f"{header}.{body}"):
        with pytest.raises(Unauthenticated, match="Invalid"):
            signer().verify(token)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_only_hs256_is_accepted() -> None:
    with pytest.raises(Unauthenticated, match="Invalid"):
        signer().verify(hand_signed(valid_claims(), alg="HS512"))


MALFORMED = ["", ".", "no-dot", "abc.", ".abc", "abc.\u00e9", "eyJ9.\u2603", "a.b.c", "e30.e30.e30"]


@pytest.mark.parametrize("token", MALFORMED)
def test_a_malformed_token_is_refused(token: str) -> None:
    with pytest.raises(Unauthenticated):
        signer().verify(token)


def test_a_secret_shorter_than_32_characters_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        TokenSigner("x" * 31, 3600)
    with pytest.raises(ValueError, match="at least 32"):
        TokenSigner("x" * 32, 3600, previous_secrets=("y" * 16,))
    assert TokenSigner("x" * 32, 3600).ttl_seconds == 3600


def test_a_signed_token_naming_an_unknown_role_is_refused() -> None:
    token = signer().issue(Caller(subject="someone", role="superuser", clinic_id="clinic-demo"))

    with pytest.raises(Unauthenticated):
        signer().verify(token)


def test_a_token_carries_when_it_was_issued_and_when_it_expires() -> None:
    claims = claims_of(signer(ttl_seconds=900).issue(ADA, now=NOW))

    assert (claims["iat"], claims["nbf"], claims["exp"]) == (int(NOW), int(NOW), int(NOW) + 900)


def test_after_a_key_rotation_tokens_of_the_previous_secret_still_verify_until_dropped() -> None:
    old_token = signer(secret="o" * 32).issue(ADA)
    rotated = TokenSigner("n" * 32, 3600, previous_secrets=("o" * 32,))

    assert rotated.verify(old_token) == ADA
    new_token = rotated.issue(ADA)
    assert jwt.get_unverified_header(new_token)["kid"] == key_id(b"n" * 32)
    assert signer(secret="n" * 32).verify(new_token) == ADA  # new tokens use the new key
    with pytest.raises(Unauthenticated):
        signer(secret="n" * 32).verify(old_token)
