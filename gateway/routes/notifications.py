"""Notifications: a person's own inbox (newest first, unread count, mark read) and their
preferences (an e-mail address, kinds muted). Every role has an inbox; an API key has none."""
from gateway.routes import routes
from services.kit.context import ROLES
from services.notifications import contract as notifications

TAG = "notifications"
BASE = "/api/v1/notifications"


@routes.get(BASE, ROLES, tag=TAG, query=notifications.InboxQuery, response=notifications.Notification, many=True,
            summary="My inbox, newest first (unread=true: only the unread), each with its e-mail delivery")
def list_notifications(call):
    return call.rpc("notifications", "list_notifications", call.query())


@routes.get(f"{BASE}/unread-count", ROLES, tag=TAG, response=notifications.UnreadCount,
            summary="How many of my notifications are unread")
def unread_notifications(call):
    return call.rpc("notifications", "unread_count")


@routes.post(f"{BASE}/<int:notification_id>/read", ROLES, tag=TAG, response=notifications.MarkedRead,
             summary="Mark one of my notifications read")
def mark_notification_read(call):
    return call.rpc("notifications", "mark_read", call.args["notification_id"])


@routes.post(f"{BASE}/read-all", ROLES, tag=TAG, response=notifications.MarkedRead,
             summary="Mark every notification of mine read")
def mark_all_notifications_read(call):
    return call.rpc("notifications", "mark_all_read")


@routes.get(f"{BASE}/preferences", ROLES, tag=TAG, response=notifications.Preferences,
            summary="My e-mail address for notifications and the kinds I muted")
def notification_preferences(call):
    return call.rpc("notifications", "get_preferences")


@routes.patch(f"{BASE}/preferences", ROLES, tag=TAG, body=notifications.PreferencesUpdate,
              response=notifications.Preferences,
              summary="Set my e-mail address (null: none) and the kinds I mute")
def update_notification_preferences(call):
    return call.rpc("notifications", "update_preferences", call.json())
