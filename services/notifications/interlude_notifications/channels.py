"""Delivery channels: email over SMTP and a signed HTTP webhook for push/SMS providers.

A channel raises ``DeliveryFailed`` when the message did not go out; the
scheduler retries with back-off. Each message carries the schedule entry's id
(``Message-ID`` in email, ``X-Interlude-Delivery`` on the webhook) so a
receiver can drop the rare duplicate of a send whose record was lost in a crash.
"""

import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

from .preferences import Preferences


class DeliveryFailed(Exception):
    pass


@dataclass(frozen=True)
class Message:
    entry_id: str
    clinic_id: str
    client_id: str
    kind: str
    subject: str
    text: str


class Channel(Protocol):
    name: str

    def send(self, message: Message, preferences: Preferences) -> None: ...


class EmailChannel:
    name = "email"

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    def send(self, message: Message, preferences: Preferences) -> None:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = preferences.email
        email["Subject"] = message.subject
        email["Message-ID"] = f"<{message.entry_id}@interlude>"
        email.set_content(message.text)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryFailed(f"SMTP: {error}") from error


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over ``<timestamp>.<body>``, hex; the receiver recomputes it to trust the call."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class WebhookChannel:
    name = "webhook"

    def __init__(self, url: str, secret: str, timeout: float = 10.0) -> None:
        self.url, self.secret, self.timeout = url, secret, timeout

    def send(self, message: Message, preferences: Preferences) -> None:
        body = json.dumps(
            {
                "delivery_id": message.entry_id,
                "clinic_id": message.clinic_id,
                "client_id": message.client_id,
                "address": preferences.push_address,
                "kind": message.kind,
                "title": message.subject,
                "text": message.text,
            }
        ).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Interlude-Delivery": message.entry_id,
                "X-Interlude-Timestamp": timestamp,
                "X-Interlude-Signature": f"sha256={webhook_signature(self.secret, timestamp, body)}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            raise DeliveryFailed(f"webhook: HTTP {error.code}") from error
        except OSError as error:
            raise DeliveryFailed(f"webhook: {error}") from error


def channels_from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """The channels configured: SMTP_HOST enables email, NOTIFICATIONS_WEBHOOK_URL the webhook."""
    channels: dict[str, Any] = {}
    if environ.get("SMTP_HOST"):
        channels["email"] = EmailChannel(
            environ["SMTP_HOST"],
            int(environ.get("SMTP_PORT", "25")),
            environ.get("SMTP_FROM", "Interlude <no-reply@interlude.invalid>"),
        )
    if environ.get("NOTIFICATIONS_WEBHOOK_URL"):
        channels["webhook"] = WebhookChannel(
            environ["NOTIFICATIONS_WEBHOOK_URL"], environ.get("NOTIFICATIONS_WEBHOOK_SECRET", "")
        )
    return channels
