"""Test helpers of the scheduler: a clock the test moves, channels that record or fail on purpose."""

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from interlude_notifications.channels import DeliveryFailed, Message
from interlude_notifications.preferences import Preferences
from interlude_notifications.scheduler import Scheduler

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday: the scheduler tests' clock starts here
ADA = Preferences(name="Ada", email="ada@example.org")


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def at(self, moment: datetime) -> datetime:
        self.now = moment
        return moment


@dataclass
class RecordingChannel:
    """Unit-test stand-in for a provider: remembers what it was asked to send; fails the first ``failures``."""

    name: str = "email"
    failures: int = 0
    sent: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message: Message, preferences: Preferences) -> None:
        with self.lock:
            if self.failures > 0:
                self.failures -= 1
                raise DeliveryFailed("provider unavailable")
            self.sent.append(message)

    def kinds(self) -> list[str]:
        return [message.kind for message in self.sent]


def run_until(scheduler: Scheduler, clock: Clock, moment: datetime, step: timedelta = timedelta(minutes=30)) -> None:
    """Move the clock to ``moment`` in steps, letting the scheduler send all that is due at each."""
    while clock.now < moment:
        clock.at(min(clock.now + step, moment))
        while scheduler.tick():
            pass
