"""The gateway's word to the notifications service on who its users are (docs/notifications.md,
"Who stops hearing"): a user disabled, enabled or deleted is told at once, and every user's
standing again each ``RECIPIENT_SYNC_SECONDS``, so that a word lost while notifications was away
arrives with the next round. A disabled or deleted account receives no more mail."""
from __future__ import annotations

import logging

import eventlet

log = logging.getLogger("gateway.recipients")


class RecipientSync:
    def __init__(self, accounts, rpc, interval: float = 60.0):
        self.accounts, self.rpc, self.interval = accounts, rpc, interval

    def changed(self, username: str) -> None:
        """One user's standing changed (``Accounts.ended``): told off the request's path."""
        eventlet.spawn_n(self.push, [username])

    def push(self, usernames: list[str] | None = None) -> bool:
        """Sends the standing of ``usernames`` (every user when None, which also ends the
        mail of users deleted meanwhile); False when notifications could not be told."""
        try:
            self.rpc.call("notifications", "sync_recipients", self.accounts.standings(usernames),
                          complete=usernames is None)
            return True
        except Exception as error:  # the next round tells it again
            log.warning("could not tell notifications who the users are (%s)", type(error).__name__)
            return False

    def run(self) -> None:
        while True:
            eventlet.sleep(self.interval)
            self.push()
