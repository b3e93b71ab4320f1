"""Every number of webhook delivery, with its default, in one place.

Each can be set by an environment variable ``INTEGRATIONS_<NAME>``.
"""
from __future__ import annotations

from dataclasses import dataclass

from services.kit.config import settings_from_env


@dataclass(frozen=True)
class Settings:
    # retries: the n-th retry waits backoff_base * 2**(n-1), at most backoff_max, for retry_window in all
    backoff_base_seconds: float = 5.0
    backoff_max_seconds: float = 3600.0
    retry_window_seconds: float = 24 * 3600.0
    # a subscription whose deliveries failed this many times in a row is paused (and one parked delivery pauses it)
    pause_after_failures: int = 200
    # one request to a receiver
    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 10.0
    total_timeout_seconds: float = 15.0
    max_response_bytes: int = 64 * 1024
    # how often the dispatcher looks for due deliveries
    poll_interval_seconds: float = 1.0
    # receivers' hosts allowed although they resolve to loopback or private addresses (comma separated)
    allowed_hosts: tuple = ()

    @classmethod
    def from_env(cls) -> "Settings":
        return settings_from_env(cls, "INTEGRATIONS")


SETTINGS = Settings.from_env()


def current() -> Settings:
    """The settings in force (tests replace ``SETTINGS``)."""
    return SETTINGS
