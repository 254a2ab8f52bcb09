"""Which new passwords are refused (NIST SP 800-63B, section 5.1.1.2).

No composition rules; instead a minimum length, no all-blank passwords, nothing
built on the account's own name, nothing from a list of common passwords, and a
zxcvbn strength score of at least 3 ("safely unguessable") — with the username as
a known word, so ``ada@clinic.a2024`` scores as weak as it is.

Only passwords a person chooses pass through here (invitation redemption). Seeded
accounts arrive as hashes and never do: see docs/security.md.
"""

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from interlude_contracts.errors import ValidationFailed
from interlude_contracts.identity import MIN_PASSWORD_LENGTH

MIN_SCORE = 3
# zxcvbn's run time grows with the length; a prefix this long is already far beyond any guessing attack.
SCORED_PREFIX = 100
# The shortest name part a password may not contain (shorter ones, e.g. "al", occur in good passwords by chance).
MIN_NAME_PART = 3
COMMON_PASSWORDS = frozenset(FREQUENCY_LISTS["passwords"])


def require_acceptable_password(password: str, username: str) -> None:
    """ValidationFailed (422, naming ``password``) with every reason the password is refused."""
    reasons = password_problems(password, username)
    if reasons:
        raise ValidationFailed("The password is too easy to guess.", {"password": reasons})


def password_problems(password: str, username: str) -> list[str]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return [f"Must be at least {MIN_PASSWORD_LENGTH} characters."]
    if not password.strip():
        return ["Must not be only spaces."]
    reasons = []
    if _contains_name(password, username):
        reasons.append("Must not contain your username.")
    if _is_common(password):
        reasons.append("Is one of the most common passwords.")
    elif _score(password, username) < MIN_SCORE:
        reasons.append("Is too easy to guess; try a few unrelated words.")
    return reasons


def _name_parts(username: str) -> list[str]:
    name = username.strip().lower()
    local_part = name.partition("@")[0]
    return [part for part in {name, local_part} if len(part) >= MIN_NAME_PART]


def _contains_name(password: str, username: str) -> bool:
    lowered = password.lower()
    return any(part in lowered for part in _name_parts(username))


def _is_common(password: str) -> bool:
    return password.strip().lower() in COMMON_PASSWORDS


def _score(password: str, username: str) -> int:
    return int(zxcvbn(password[:SCORED_PREFIX], user_inputs=[username, *_name_parts(username), "interlude"])["score"])
