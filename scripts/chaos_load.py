"""The fault harness's clients: what people do through the gateway while processes die.

Every client behaves like the apps: on a transport error or a 5xx it sends the same request again, with
the same ``X-Correlation-Id`` and, for commands, the same ``Idempotency-Key``, until it gets an answer
or its retry budget (longer than any fault lasts) is spent. Each workload paces its requests evenly
over the load period and tallies what the clients saw; ``chaos_checks`` holds the stores to those tallies.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

RETRY_PAUSE_SECONDS = 0.5
# Longer than the gateway's upstream timeout (30 s): the gateway, not the client, gives up first.
REQUEST_TIMEOUT_SECONDS = 40


@dataclass
class Tally:
    """What one workload's clients saw: each accepted request's answer by its key, and every status."""

    accepted: dict[str, Any] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    statuses: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def summary(self) -> dict[str, Any]:
        return {
            "accepted": len(self.accepted),
            "failed": len(self.failed),
            "failed_statuses": dict(Counter(self.failed.values())),
            "client_retries": self.retries,
            "responses_by_status": {str(k): v for k, v in sorted(self.statuses.items())},
        }


@dataclass
class Submissions(Tally):
    """Submissions also tell apart a 409 after an error (stored by an attempt whose answer was lost)."""

    conflict_after_error: set[str] = field(default_factory=set)
    conflict_first: set[str] = field(default_factory=set)

    def summary(self) -> dict[str, Any]:
        return {
            **super().summary(),
            "stored_but_client_saw_an_error_then_409": len(self.conflict_after_error),
            "409_on_first_attempt": len(self.conflict_first),
        }


@dataclass
class Sessions(Tally):
    """Logins and refresh-token rotations; a refresh refused (401) is a session the faults ended."""

    refreshed: int = 0
    refresh_refused: int = 0
    ended_sessions: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            **super().summary(),
            "logins": len(self.accepted),
            "refreshes": self.refreshed,
            "refreshes_refused": self.refresh_refused,
            "sessions_ended_by_faults": self.ended_sessions,
        }


def send(
    http: requests.Session, tally: Tally, method: str, url: str, retry_for: float, **options: Any
) -> requests.Response | None:
    """The request, sent again on a transport error or a 5xx until answered; None after ``retry_for`` seconds."""
    return send_noting_errors(http, tally, method, url, retry_for, **options)[0]


def send_noting_errors(
    http: requests.Session, tally: Tally, method: str, url: str, retry_for: float, **options: Any
) -> tuple[requests.Response | None, bool]:
    """``send``, and whether an attempt before the answer failed (its outcome unknown to the client)."""
    errored = False
    deadline = time.monotonic() + retry_for
    while time.monotonic() < deadline:
        try:
            response: requests.Response | None = http.request(method, url, timeout=REQUEST_TIMEOUT_SECONDS, **options)
            status = response.status_code if response is not None else 0
        except requests.RequestException:
            response, status = None, 0
        with tally.lock:
            tally.statuses[status] += 1
            if status and status < 500:
                return response, errored
            tally.retries += 1
        errored = True
        time.sleep(RETRY_PAUSE_SECONDS)
    return None, errored


def request_session(token: str | None = None) -> requests.Session:
    """One logical request's session: its own correlation id, kept across its retries."""
    http = requests.Session()
    http.headers["X-Correlation-Id"] = str(uuid.uuid4())
    if token:
        http.headers["Authorization"] = f"Bearer {token}"
    return http


def paced(jobs: Sequence[Any], threads: int, started: float, seconds: float, work: Callable[[Any], None]) -> list:
    """Start ``threads`` threads that run ``work(job)`` for each job at its turn, evenly spread over ``seconds``."""
    interval = seconds / max(len(jobs), 1)
    queue = iter(enumerate(jobs))
    lock = threading.Lock()

    def loop() -> None:
        while True:
            with lock:
                item = next(queue, None)
            if item is None:
                return
            index, job = item
            pause = started + index * interval - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            work(job)

    running = [threading.Thread(target=loop, daemon=True) for _ in range(max(min(threads, len(jobs)), 1))]
    for thread in running:
        thread.start()
    return running


def submit(base: str, token: str, assignment: str, tally: Submissions, retry_for: float) -> None:
    """One client's response; a 409 after an error means an earlier attempt stored it."""
    http = request_session(token)
    url = f"{base}/assignments/{assignment}/responses"
    response, after_error = send_noting_errors(http, tally, "POST", url, retry_for, json=SUBMISSION)
    with tally.lock:
        if response is None:
            tally.failed[assignment] = 0
        elif response.status_code == 409:
            (tally.conflict_after_error if after_error else tally.conflict_first).add(assignment)
        elif response.ok:
            tally.accepted[assignment] = assignment
        else:
            tally.failed[assignment] = response.status_code


SUBMISSION = {"answers": {"mood": 5}}


def create_assignment(base: str, token: str, body: dict[str, Any], tally: Tally, retry_for: float) -> None:
    """A therapist assigns, with an Idempotency-Key: accepted[key] = (assignment id, correlation id)."""
    key = str(uuid.uuid4())
    http = request_session(token)
    http.headers["Idempotency-Key"] = key
    response = send(http, tally, "POST", f"{base}/assignments", retry_for, json=body)
    with tally.lock:
        if response is not None and response.status_code == 201:
            tally.accepted[key] = (response.json()["assignment_id"], http.headers["X-Correlation-Id"])
        else:
            tally.failed[key] = response.status_code if response is not None else 0


def follow_up(base: str, token: str, client_id: str, tally: Tally, retry_for: float) -> None:
    """A therapist's follow-up to a client, with an Idempotency-Key: accepted[key] = its notification id."""
    key = str(uuid.uuid4())
    http = request_session(token)
    http.headers["Idempotency-Key"] = key
    body = {"text": f"Checking in ({key[:8]}): how did this week go?"}
    response = send(http, tally, "POST", f"{base}/clients/{client_id}/follow-ups", retry_for, json=body)
    with tally.lock:
        if response is not None and response.status_code == 202:
            tally.accepted[key] = response.json()["notification_id"]
        else:
            tally.failed[key] = response.status_code if response is not None else 0


def session(
    base: str, username: str, password: str, tally: Sessions, until: float, every: float, retry_for: float
) -> None:
    """A client logs in, refreshes every ``every`` seconds until ``until``, then reads their inbox with the token."""
    login = send(
        request_session(),
        tally,
        "POST",
        f"{base}/auth/token",
        retry_for,
        json={"username": username, "password": password},
    )
    if login is None or login.status_code != 200:
        with tally.lock:
            tally.failed[username] = login.status_code if login is not None else 0
        return
    with tally.lock:
        tally.accepted[username] = True
    pair = login.json()
    while time.monotonic() + every < until:
        time.sleep(every)
        http = request_session()
        http.headers["Idempotency-Key"] = str(uuid.uuid4())
        refreshed = send(
            http, tally, "POST", f"{base}/auth/refresh", retry_for, json={"refresh_token": pair["refresh_token"]}
        )
        if refreshed is None or refreshed.status_code != 200:
            with tally.lock:
                tally.refresh_refused += 1
                tally.failed[username] = refreshed.status_code if refreshed is not None else 0
            return
        with tally.lock:
            tally.refreshed += 1
        pair = refreshed.json()
    inbox = send(request_session(pair["access_token"]), tally, "GET", f"{base}/me/notifications", retry_for)
    if inbox is None or inbox.status_code != 200:
        with tally.lock:
            tally.ended_sessions += 1
            tally.failed[username] = inbox.status_code if inbox is not None else 0
