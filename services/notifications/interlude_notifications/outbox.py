"""The notifications service's events, written to its outbox table in the transaction that decides them.

``NotificationSent``, ``NotificationFailed`` and the scheduler's triggers
(``AssignmentExpiryDue``) are inserted in the same transaction as the schedule
change they describe; the relay (``interlude-notifications-relay``) publishes
them (``interlude_runtime.outbox_table``).
"""

from functools import partial

from interlude_runtime import outbox_table

SOURCE = "notifications"

write_event = partial(outbox_table.write_event, source=SOURCE)
