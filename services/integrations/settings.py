"""Every number of webhook delivery, with its default, in one place.

Each can be set by an environment variable ``INTEGRATIONS_<NAME>``.
"""
from __future__ import annotations

from dataclasses import dataclass

from services.kit.config import env, env_float, env_int


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
        hosts = env("INTEGRATIONS_ALLOWED_HOSTS", "")
        return cls(
            backoff_base_seconds=env_float("INTEGRATIONS_BACKOFF_BASE_SECONDS", 5.0),
            backoff_max_seconds=env_float("INTEGRATIONS_BACKOFF_MAX_SECONDS", 3600.0),
            retry_window_seconds=env_float("INTEGRATIONS_RETRY_WINDOW_SECONDS", 24 * 3600.0),
            pause_after_failures=env_int("INTEGRATIONS_PAUSE_AFTER_FAILURES", 200),
            connect_timeout_seconds=env_float("INTEGRATIONS_CONNECT_TIMEOUT_SECONDS", 5.0),
            read_timeout_seconds=env_float("INTEGRATIONS_READ_TIMEOUT_SECONDS", 10.0),
            total_timeout_seconds=env_float("INTEGRATIONS_TOTAL_TIMEOUT_SECONDS", 15.0),
            max_response_bytes=env_int("INTEGRATIONS_MAX_RESPONSE_BYTES", 64 * 1024),
            poll_interval_seconds=env_float("INTEGRATIONS_POLL_INTERVAL_SECONDS", 1.0),
            allowed_hosts=tuple(h.strip().lower() for h in hosts.split(",") if h.strip()),
        )


SETTINGS = Settings.from_env()


def current() -> Settings:
    """The settings in force (tests replace ``SETTINGS``)."""
    return SETTINGS
