"""Client accounts for the benchmark and the fault harness, made the way a therapist makes them: by invitation."""

from __future__ import annotations

import requests

PASSWORD = "harness-password-1"


def onboard_clients(base: str, therapist: requests.Session, count: int, prefix: str) -> list[str]:
    """Invite ``count`` clients as ``therapist`` and redeem each invitation; returns their client ids."""
    client_ids = []
    for index in range(count):
        invitation = therapist.post(
            f"{base}/invitations", json={"username": f"{prefix}-{index}@example.org", "role": "client"}, timeout=30
        )
        invitation.raise_for_status()
        redeemed = requests.post(
            f"{base}/invitations/redeem", json={"code": invitation.json()["code"], "password": PASSWORD}, timeout=30
        )
        redeemed.raise_for_status()
        client_ids.append(redeemed.json()["account_id"])
    return client_ids
