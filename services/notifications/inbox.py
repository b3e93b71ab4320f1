"""RPC of a person's inbox and preferences: each user sees only their own notifications,
those addressed to them, to one of their roles, or to their unit."""
from __future__ import annotations

from sqlalchemy import select, update

from services.kit.entrypoints import rpc
from services.kit.errors import Forbidden, NotFound
from services.kit.schemas import load, page_of
from services.notifications import contract, repository
from services.notifications.base import NotificationsBase
from services.notifications.models import Delivery, Notification, NotificationRead, Recipient

notification_out = contract.Notification()
preferences_out = contract.Preferences()


class InboxRpc(NotificationsBase):
    @rpc(reads_only=True)
    def list_notifications(self, query=None):
        caller = self._person()
        q = load(contract.InboxQuery(), query or {})
        session = self.db.session
        statement = repository.inbox(caller, self._muted(caller), q.get("unread"), q.get("kind"))
        rows = session.execute(statement.limit(q["limit"]).offset(q["offset"])).all()
        deliveries = repository.deliveries_of(session, caller.name, [row[0].id for row in rows])
        items = [notification_out.dump({
            **{column: getattr(notification, column) for column in (
                "id", "kind", "title", "body", "link", "unit_code", "urgent", "created_at")},
            "read": read_at is not None, "read_at": read_at,
            "deliveries": deliveries.get(notification.id, []),
        }) for notification, read_at in rows]
        return page_of(items, repository.count(session, statement))

    @rpc(reads_only=True)
    def unread_count(self):
        caller = self._person()
        statement = repository.inbox(caller, self._muted(caller), unread=True)
        return {"unread": repository.count(self.db.session, statement)}

    @rpc
    def mark_read(self, notification_id):
        caller = self._person()
        session = self.db.session
        visible = session.scalar(repository.inbox(caller, ()).where(Notification.id == int(notification_id)))
        if visible is None:
            raise NotFound(f"notification {notification_id} not found")
        if session.get(NotificationRead, (visible.id, caller.name)) is None:
            session.add(NotificationRead(notification_id=visible.id, username=caller.name, read_at=self._now()))
        self._recipient(caller)
        return {"marked": 1}

    @rpc
    def mark_all_read(self):
        caller = self._person()
        session = self.db.session
        pending = repository.inbox(caller, self._muted(caller), unread=True).subquery()
        unread = session.scalars(select(pending.c.id)).all()
        now = self._now()
        session.add_all(NotificationRead(notification_id=ident, username=caller.name, read_at=now) for ident in unread)
        self._recipient(caller)
        return {"marked": len(unread)}

    @rpc
    def get_preferences(self):
        return preferences_out.dump(self._recipient(self._person()))

    @rpc
    def update_preferences(self, payload):
        caller = self._person()
        changes = load(contract.PreferencesUpdate(), payload, partial=True)
        recipient = self._recipient(caller)
        if "email" in changes:
            recipient.email = changes["email"]
        if "muted_kinds" in changes:
            recipient.muted_kinds = sorted(set(changes["muted_kinds"]))
        self.db.session.flush()
        return preferences_out.dump(recipient)

    @rpc
    def sync_recipients(self, standings, complete=False):
        """The gateway's word on its users (docs/notifications.md, "Who stops hearing"): each
        standing's roles, unit and whether the account is active; with ``complete``, the list is
        every user, and a recipient missing from it was deleted. A recipient no longer active
        hears nothing more by mail, and their mails not yet sent are withdrawn."""
        if self.call.caller.kind != "system":
            raise Forbidden("only the gateway says who its users are")
        given = {row["username"]: row for row in (load(contract.Standing(), row) for row in standings)}
        session = self.db.session
        known = {r.username: r for r in session.scalars(select(Recipient).with_for_update())}
        gone = [name for name in known if name not in given] if complete else []
        for name, row in given.items():
            recipient = known.get(name)
            if recipient is None:
                continue  # someone who never used the suite has no preferences to keep
            recipient.roles, recipient.unit_code, recipient.active = list(row["roles"]), row["unit_code"], row["active"]
        for name in gone:
            known[name].active = False
        silenced = [name for name, r in known.items() if not r.active]
        withdrawn = session.execute(
            update(Delivery).where(Delivery.username.in_(silenced), Delivery.status == "pending")
            .values(status="withdrawn", last_error="收件人账号已停用或删除")).rowcount if silenced else 0
        session.flush()
        return {"recipients": len(known), "inactive": len(silenced), "withdrawn": withdrawn}

    # helpers ------------------------------------------------------------------------------
    def _muted(self, caller) -> list[str]:
        recipient = self.db.session.get(Recipient, caller.name)
        return list(recipient.muted_kinds) if recipient else []

    def _recipient(self, caller) -> Recipient:
        """The caller's preferences, with the roles and unit the gateway vouches for now."""
        session = self.db.session
        recipient = session.get(Recipient, caller.name, with_for_update=True)
        if recipient is None:
            recipient = Recipient(username=caller.name, muted_kinds=[], roles=[], unit_code=None)
            session.add(recipient)
        if (list(recipient.roles), recipient.unit_code, recipient.active) != (list(caller.roles), caller.unit_code, True):
            # a person calling holds a live token: their account is active
            recipient.roles, recipient.unit_code, recipient.active = list(caller.roles), caller.unit_code, True
        session.flush()
        return recipient
