"""The gateway's check that a token's session is current, and how long it trusts identity's answer."""

import pytest

from interlude_gateway.auth import CLIENT, Caller, Unauthenticated, VerifiedToken
from interlude_gateway.sessions import SessionCheck

ADA = Caller(subject="client-ada", role=CLIENT, clinic_id="clinic-demo")


class Identity:
    """Identity's ``session_generation``: the generation of each active account, counting the calls."""

    def __init__(self, **generations: int | None) -> None:
        self.generations = generations
        self.calls = 0

    def session_generation(self, account_id: str) -> int | None:
        self.calls += 1
        return self.generations.get(account_id.replace("-", "_"))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_token_of_the_accounts_current_generation_passes() -> None:
    identity = Identity(client_ada=3)

    SessionCheck(5, Clock()).require_current(VerifiedToken(ADA, 3), identity.session_generation)


@pytest.mark.parametrize("current", [4, None], ids=["revoked", "erased-or-unknown"])
def test_a_token_of_an_ended_session_or_of_no_active_account_is_refused(current: int | None) -> None:
    identity = Identity(client_ada=current)

    with pytest.raises(Unauthenticated, match="session has ended"):
        SessionCheck(5, Clock()).require_current(VerifiedToken(ADA, 3), identity.session_generation)


def test_identitys_answer_is_trusted_for_the_check_interval_only() -> None:
    identity, clock = Identity(client_ada=0), Clock()
    check = SessionCheck(5, clock)
    token = VerifiedToken(ADA, 0)
    check.require_current(token, identity.session_generation)
    identity.generations["client_ada"] = 1  # a logout elsewhere

    clock.now += 4.9
    check.require_current(token, identity.session_generation)  # at most 5 s stale
    clock.now += 0.2
    with pytest.raises(Unauthenticated):
        check.require_current(token, identity.session_generation)
    assert identity.calls == 2


def test_a_forgotten_account_is_asked_about_at_once() -> None:
    identity, clock = Identity(client_ada=0), Clock()
    check = SessionCheck(5, clock)
    check.require_current(VerifiedToken(ADA, 0), identity.session_generation)
    identity.generations["client_ada"] = None  # erased through this gateway

    check.forget("client-ada")

    with pytest.raises(Unauthenticated):
        check.require_current(VerifiedToken(ADA, 0), identity.session_generation)
