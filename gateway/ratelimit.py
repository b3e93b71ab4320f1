"""A sliding-window limit per client address, kept in the gateway process.

Used on the login route: guessing passwords from one address is slowed down before the
per-account lockout (``auth.LoginPolicy``) even starts. With several gateway replicas each
keeps its own window, so the effective limit is the per-replica limit times the replicas.
"""
from __future__ import annotations

import time
from collections import defaultdict, deque


class SlidingWindow:
    def __init__(self, limit: int, seconds: float = 60.0, clock=time.monotonic):
        self.limit = limit
        self.seconds = seconds
        self.clock = clock
        self.hits: dict[str, deque] = defaultdict(deque)

    def allow(self, key: str) -> float:
        """0 when ``key`` may go on, else the seconds until it may."""
        now = self.clock()
        window = self.hits[key]
        while window and window[0] <= now - self.seconds:
            window.popleft()
        if len(window) >= self.limit:
            return window[0] + self.seconds - now
        window.append(now)
        if len(self.hits) > 10_000:  # forget idle clients
            for idle in [k for k, v in self.hits.items() if not v or v[-1] <= now - self.seconds]:
                del self.hits[idle]
        return 0.0
