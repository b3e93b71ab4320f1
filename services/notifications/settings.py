"""Every number and address of the notifications service, with its default, in one place.

Each field reads ``NOTIFICATIONS_<FIELD NAME IN CAPITALS>`` from the environment; the mail
server too (``NOTIFICATIONS_SMTP_HOST`` ...). With no ``smtp_host`` no e-mail is sent.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from services.kit.config import settings_from_env


@dataclass(frozen=True)
class Settings:
    # e-mail over SMTP
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "noreply@logistics.local"
    # how often due mails are looked for, and their retries: doubling from base, at most max,
    # given up (shown undelivered in the inbox) after max_attempts
    mail_poll_seconds: float = 1.0
    mail_batch: int = 50
    retry_base_seconds: float = 5.0
    retry_max_seconds: float = 600.0
    max_attempts: int = 20
    # quiet hours (local time): mail that is not urgent waits for their end; the inbox never waits
    quiet_start: str = "22:00"
    quiet_end: str = "07:00"
    # a flagged trip (无任务出车 ...) is to be explained within this many hours of the flag
    flag_explanation_hours: int = 72
    # reminders: how often the timer asks the services; a car this long past its dispatch's end is
    # overdue; a repair this close to its pledged time (小修不过夜/大修不隔天) warns the managers;
    # a month's energy report is due by due_day of the next month, reminded from remind_from_day;
    # the leaders' digest on digest_weekday (0 Monday) from digest_hour (local time)
    reminder_interval_seconds: float = 300.0
    car_overdue_grace_minutes: int = 30
    pledge_warning_minutes: int = 120
    energy_report_due_day: int = 10
    energy_report_remind_from_day: int = 8
    digest_weekday: int = 0
    digest_hour: int = 8

    @classmethod
    def from_env(cls) -> "Settings":
        return settings_from_env(cls, "NOTIFICATIONS")

    @property
    def quiet_hours(self) -> tuple[time, time]:
        return time.fromisoformat(self.quiet_start), time.fromisoformat(self.quiet_end)


SETTINGS = Settings.from_env()


def current() -> Settings:
    """The settings in force (tests replace ``SETTINGS``)."""
    return SETTINGS
