"""Password hashes, signed bearer tokens and the configured user directory."""

import base64
import json
from pathlib import Path

import pytest
import yaml

from interlude_gateway.auth import (
    CLIENT,
    THERAPIST,
    Caller,
    TokenSigner,
    Unauthenticated,
    UserDirectory,
    hash_password,
    verify_password,
)

SECRET = "s" * 32
NOW = 1_700_000_000.0
ADA = Caller(subject="client-ada", role=CLIENT, clinic_id="clinic-demo")

# Cheaper scrypt parameters keep the tests fast; verify_password reads them from the hash.
FAST = {"n": 2**10}


def signer(ttl_seconds: int = 3600, secret: str = SECRET) -> TokenSigner:
    return TokenSigner(secret, ttl_seconds)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, object]:
    body = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


# -- passwords ----------------------------------------------------------------


def test_a_password_verifies_against_its_hash() -> None:
    encoded = hash_password("correct horse")

    assert encoded.startswith("scrypt$16384$8$1$")
    assert verify_password("correct horse", encoded)


def test_a_wrong_password_does_not_verify() -> None:
    encoded = hash_password("correct horse", **FAST)

    assert not verify_password("correct horsE", encoded)
    assert not verify_password("", encoded)


def test_hashes_of_the_same_password_are_salted() -> None:
    first, second = hash_password("same", **FAST), hash_password("same", **FAST)

    assert first != second
    assert verify_password("same", first)
    assert verify_password("same", second)


@pytest.mark.parametrize("encoded", ["", "plaintext", "bcrypt$1$2$3$c2FsdA$ZGlnZXN0", "scrypt$1$2"])
def test_a_malformed_or_foreign_hash_never_verifies(encoded: str) -> None:
    assert not verify_password("plaintext", encoded)


def test_the_configured_demo_hashes_verify() -> None:
    """The hashes in gateway/config.yaml match the passwords noted beside them."""
    text = (Path(__file__).resolve().parent.parent / "config.yaml").read_text()
    users = yaml.safe_load(text)["USERS"]

    assert verify_password("therapist-demo-pass", users["therapist@demo.clinic"]["password_hash"])
    assert verify_password("client-demo-pass", users["ada@demo.client"]["password_hash"])


# -- tokens -------------------------------------------------------------------


def test_an_issued_token_verifies_to_its_caller() -> None:
    tokens = signer()

    token = tokens.issue(ADA, now=NOW)

    assert tokens.verify(token, now=NOW) == ADA
    assert claims_of(token) == {"sub": "client-ada", "role": "client", "clinic": "clinic-demo", "exp": NOW + 3600}


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


# -- the user directory ---------------------------------------------------------


@pytest.fixture(scope="module")
def directory() -> UserDirectory:
    return UserDirectory(
        {
            "ada@demo.client": {
                "password_hash": hash_password("ada-pass", **FAST),
                "role": CLIENT,
                "subject": "client-ada",
                "clinic_id": "clinic-demo",
            }
        }
    )


def test_the_directory_authenticates_a_known_user(directory: UserDirectory) -> None:
    assert directory.authenticate("ada@demo.client", "ada-pass") == ADA


def test_the_directory_refuses_a_wrong_password(directory: UserDirectory) -> None:
    with pytest.raises(Unauthenticated, match="Wrong username or password"):
        directory.authenticate("ada@demo.client", "not-ada-pass")


def test_the_directory_refuses_an_unknown_user_with_the_same_message(directory: UserDirectory) -> None:
    with pytest.raises(Unauthenticated, match="Wrong username or password"):
        directory.authenticate("nobody@demo.client", "ada-pass")


def test_an_empty_directory_refuses_everyone() -> None:
    with pytest.raises(Unauthenticated):
        UserDirectory({}).authenticate("ada@demo.client", "ada-pass")
