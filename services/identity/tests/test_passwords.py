"""Password hashes: scrypt, salted, verified in constant time; the seeded demo hashes match their notes."""

from pathlib import Path

import pytest
import yaml

from interlude_identity.passwords import hash_password, verify_password

# Cheaper scrypt parameters keep the tests fast; verify_password reads them from the hash.
FAST = {"n": 2**10}


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


@pytest.mark.parametrize("encoded", [None, "", "plaintext", "bcrypt$1$2$3$c2FsdA$ZGlnZXN0", "scrypt$1$2"])
def test_a_malformed_foreign_or_missing_hash_never_verifies(encoded: str | None) -> None:
    assert not verify_password("plaintext", encoded)


def test_the_seeded_demo_hashes_verify() -> None:
    """The hashes in services/identity/config.yaml match the passwords noted beside them."""
    text = (Path(__file__).resolve().parent.parent / "config.yaml").read_text()
    accounts = {entry["username"]: entry["password_hash"] for entry in yaml.safe_load(text)["SEED"]["accounts"]}

    assert verify_password("therapist-demo-pass", accounts["therapist@demo.clinic"])
    assert verify_password("client-demo-pass", accounts["ada@demo.client"])
    assert verify_password("admin-demo-pass", accounts["admin@demo.clinic"])
    assert verify_password("operator-demo-pass", accounts["operator@interlude.local"])
