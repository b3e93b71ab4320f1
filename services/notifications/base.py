"""The base of every area of the notifications service: the helpers they share."""
from __future__ import annotations

from services.kit.context import Caller
from services.kit.db import page, utcnow
from services.kit.errors import Forbidden


class NotificationsBase:
    @staticmethod
    def _now():
        return utcnow()

    def _page(self, statement, q: dict, dump, **equal_columns) -> dict:
        """One page of ``statement``, each row through ``dump``, with the unpaged total."""
        return page(self.db.session, statement, q, dump, **equal_columns)

    def _person(self) -> Caller:
        """The caller, who must be a person: an inbox is nobody's but its user's (an API key has none)."""
        caller = self.call.caller
        if caller.kind != "user":
            raise Forbidden("an inbox belongs to a person; a system reads notifications by webhook")
        return caller

    def _notify(self, source_key: str, notices) -> list:
        """Keep each notice (once per source, kind and audience), announce it to the message
        gateway's webhooks, and queue its e-mails to the audience's members who gave an address."""
        from services.notifications import contract, domain, repository
        from services.notifications.models import Delivery, Notification
        from services.notifications.settings import current

        settings = current()
        session = self.db.session
        kept = []
        for notice in notices:
            if repository.existing(session, source_key, notice) is not None:
                continue
            notification = Notification(source_key=source_key, kind=notice.kind, audience=notice.audience,
                                        unit_code=notice.unit_code, title=notice.title, body=notice.body,
                                        link=notice.link, urgent=notice.urgent, created_at=self._now())
            session.add(notification)
            session.flush()
            self.db.emit(contract.NOTIFICATION_CREATED, contract.NotificationCreated().dump({
                "notification_id": notification.id, "kind": notice.kind, "audience": notice.audience,
                "unit_code": notice.unit_code, "title": notice.title, "body": notice.body, "link": notice.link,
                "urgent": notice.urgent}))
            if settings.smtp_host:
                due = self._now() if notice.urgent else domain.after_quiet_hours(self._now(), *settings.quiet_hours)
                session.add_all(Delivery(notification_id=notification.id, username=recipient.username,
                                         channel="email", address=recipient.email, next_attempt_at=due)
                                for recipient in repository.mail_recipients(session, notice))
            kept.append(notification)
        session.flush()
        return kept
