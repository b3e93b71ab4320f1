"""The notifications service: one nameko class, its parts grouped by area.

- ``inbox.py``: a person's inbox and preferences
- ``handlers.py``: the events notifications come from
- ``mail.py``: the e-mail channel
- ``reminders.py``: the timer's reminders (cars overdue, pledges, energy reports, the weekly digest)
"""
from __future__ import annotations

from services.kit.context import CallContext
from services.kit.db import Database
from services.kit.health import HealthMixin
from services.kit.outbox import OutboxRelayMixin
from services.notifications import contract
from services.notifications.handlers import EventsRpc
from services.notifications.inbox import InboxRpc
from services.notifications.mail import MailRpc
from services.notifications.models import OutboxEvent, ProcessedEvent
from services.notifications.reminders import RemindersRpc


class NotificationsService(InboxRpc, EventsRpc, MailRpc, RemindersRpc, HealthMixin, OutboxRelayMixin):
    name = contract.SERVICE

    db = Database(OutboxEvent, ProcessedEvent)
    call = CallContext()
