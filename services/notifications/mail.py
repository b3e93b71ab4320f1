"""The e-mail channel: a timer sends the due mails of the ``delivery`` table one at a time,
each in its own transaction and locked while it is sent, so a mail is sent once; a failure
is retried after a doubling pause and, after ``max_attempts``, shown undelivered in the inbox."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from nameko.timer import timer

from services.notifications import domain, repository
from services.notifications.base import NotificationsBase
from services.notifications.models import Notification
from services.notifications.settings import SETTINGS, current

log = logging.getLogger(__name__)


def compose(notification: Notification, address: str, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"] = sender, address
    message["Subject"] = f"[机关后勤服务中心] {notification.title}"
    message.set_content(notification.body + (f"\n\n查看：{notification.link}" if notification.link else ""))
    return message


class MailRpc(NotificationsBase):
    @timer(interval=SETTINGS.mail_poll_seconds)
    def send_due_mail(self):
        settings = current()
        if not settings.smtp_host:
            return
        session, server = self.db.session, None
        try:
            for _ in range(settings.mail_batch):
                delivery = repository.next_due_mail(session, self._now())
                if delivery is None:
                    break
                notification = session.get(Notification, delivery.notification_id)
                try:
                    server = server or self._connect(settings)
                    server.send_message(compose(notification, delivery.address, settings.mail_from))
                except (OSError, smtplib.SMTPException) as error:
                    self._failed(delivery, error, settings)
                    session.commit()
                    if server is None or isinstance(error, (OSError, smtplib.SMTPServerDisconnected)):
                        break  # the server is away: the others wait for the next round
                    continue
                delivery.status, delivery.sent_at, delivery.attempts = "sent", self._now(), delivery.attempts + 1
                session.commit()
        finally:
            if server is not None:
                try:
                    server.quit()
                except (OSError, smtplib.SMTPException):
                    pass

    @staticmethod
    def _connect(settings) -> smtplib.SMTP:
        server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds)
        if settings.smtp_starttls:
            server.starttls()
        if settings.smtp_username:
            server.login(settings.smtp_username, settings.smtp_password)
        return server

    def _failed(self, delivery, error, settings) -> None:
        delivery.attempts += 1
        delivery.last_error = f"{type(error).__name__}: {error}"[:300]
        if delivery.attempts >= settings.max_attempts:
            delivery.status = "failed"
            log.warning("mail %d given up after %d attempts (%s)", delivery.id, delivery.attempts, type(error).__name__)
        else:
            delivery.next_attempt_at = self._now() + domain.retry_pause(
                delivery.attempts, settings.retry_base_seconds, settings.retry_max_seconds)
