"""The queries of the notifications service."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select

from services.notifications import domain
from services.notifications.models import Delivery, Notification, NotificationRead, Recipient


def inbox(caller, muted, unread: bool | None = None, kind: str | None = None):
    """The caller's notifications, newest first, each with when the caller read it."""
    statement = (
        select(Notification, NotificationRead.read_at)
        .outerjoin(NotificationRead, and_(NotificationRead.notification_id == Notification.id,
                                          NotificationRead.username == caller.name))
        .where(Notification.audience.in_(domain.audiences_of(caller.name, caller.roles, caller.unit_code)))
        .order_by(Notification.id.desc())
    )
    if muted:
        statement = statement.where(Notification.kind.not_in(muted))
    if kind:
        statement = statement.where(Notification.kind == kind)
    if unread:
        statement = statement.where(NotificationRead.read_at.is_(None))
    return statement


def count(session, statement) -> int:
    return session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))


def deliveries_of(session, username: str, notification_ids) -> dict[int, list[Delivery]]:
    found: dict[int, list[Delivery]] = {}
    if notification_ids:
        for delivery in session.scalars(select(Delivery).where(
                Delivery.username == username, Delivery.notification_id.in_(notification_ids))):
            found.setdefault(delivery.notification_id, []).append(delivery)
    return found


def existing(session, source_key: str, notice) -> Notification | None:
    return session.scalar(select(Notification).where(
        Notification.source_key == source_key, Notification.kind == notice.kind,
        Notification.audience == notice.audience))


def mail_recipients(session, notice) -> list[Recipient]:
    """The members of the notice's audience who gave an address and did not mute its kind
    (a few hundred people at most: filtered here rather than in JSON queries)."""
    return [recipient for recipient in session.scalars(select(Recipient).where(
                Recipient.email.is_not(None), Recipient.active.is_(True)))
            if notice.audience in domain.audiences_of(recipient.username, recipient.roles, recipient.unit_code)
            and notice.kind not in (recipient.muted_kinds or ())]


def next_due_mail(session, now: datetime) -> Delivery | None:
    """One mail due now, locked so that no other replica sends it meanwhile."""
    return session.scalar(
        select(Delivery).where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at, Delivery.id).limit(1).with_for_update(skip_locked=True))
