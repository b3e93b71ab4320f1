"""Growing delays after failed logins, kept in the gateway process.

A key (a username, whether or not such a user exists, or a client address) may fail
``free`` times; each further failure makes the next attempt wait ``first_delay`` seconds,
doubled with every failure up to ``max_delay``. Nothing is ever locked: once the wait has
passed, the right password logs in. A key with no failure for ``forget_seconds`` starts
afresh. With several gateway replicas each keeps its own counts.
"""
from __future__ import annotations

import time

from cachetools import TTLCache


class Backoff:
    def __init__(self, free: int, first_delay: float, max_delay: float, forget_seconds: float,
                 clock=time.monotonic, size: int = 100_000):
        self.free = free
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.clock = clock
        self.failures: TTLCache = TTLCache(maxsize=size, ttl=max(forget_seconds, max_delay), timer=clock)

    def wait(self, key: str) -> float:
        """0 when ``key`` may try now, else the seconds until it may."""
        count, last = self.failures.get(key, (0, 0.0))
        if count <= self.free:
            return 0.0
        delay = min(self.max_delay, self.first_delay * 2 ** (count - self.free - 1))
        return max(0.0, last + delay - self.clock())

    def fail(self, key: str) -> None:
        count, _ = self.failures.get(key, (0, 0.0))
        self.failures[key] = (count + 1, self.clock())

    def forgive(self, key: str) -> None:
        """Takes back one failure (an attempt counted before it was checked, that succeeded)."""
        count, last = self.failures.get(key, (0, 0.0))
        if count <= 1:
            self.failures.pop(key, None)
        else:
            self.failures[key] = (count - 1, last)

    def clear(self, key: str) -> None:
        self.failures.pop(key, None)
