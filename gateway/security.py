"""The security profile: one switch, ``SECURITY_PROFILE``, between a graded installation and one
machine's trial run (docs/security.md).

- ``level3`` (the default of deploy/: compose and Kubernetes) is what GB/T 22239-2019 level 3
  asks of 身份鉴别 and 访问控制: the three administrators separated (no account holds two of
  ``ADMIN_ROLES``, nobody changes their own roles), a second factor (TOTP) for each of them, an
  idle timeout that cannot be switched off, and the administrators' passwords expiring and never
  reused.
- ``basic`` (the default of ``make run``) keeps one first admin holding all three administrator
  roles with a password, as before the duties were separated; the gateway says at start that it
  is not a graded configuration.

Everything here is configuration with its default in one place: ``SESSION_IDLE_TIMEOUT_SECONDS``
(1800 in both profiles; level 3 refuses 0, "off"), ``PASSWORD_MAX_AGE_DAYS`` and
``PASSWORD_REUSE_HISTORY`` for everyone (0, off, in both), ``ADMIN_PASSWORD_MAX_AGE_DAYS`` and
``ADMIN_PASSWORD_REUSE_HISTORY`` for the administrators (90 days and the last 5 under level 3,
off under basic).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from services.kit.config import env, env_int
from services.kit.context import ADMIN_ROLES
from services.kit.errors import RuleViolation

log = logging.getLogger("gateway.security")

LEVEL3, BASIC = "level3", "basic"
PROFILES = (LEVEL3, BASIC)
SEPARATION_OF_DUTIES = "auth.separation_of_duties"
NOT_GRADED = ("SECURITY_PROFILE=basic: one administrator holds the system, security and audit administrators' "
              "roles and logs in with a password alone; this is NOT a graded (等保 level 3) configuration: "
              "set SECURITY_PROFILE=level3 for one (docs/security.md)")


@dataclass(frozen=True)
class SecurityProfile:
    name: str = BASIC
    idle_timeout_seconds: int = 1800
    password_max_age_days: int = 0  # 0: passwords do not expire
    password_reuse_history: int = 0  # 0: any earlier password may come back
    admin_password_max_age_days: int = 0
    admin_password_reuse_history: int = 0

    @classmethod
    def from_env(cls) -> "SecurityProfile":
        name = env("SECURITY_PROFILE", BASIC).strip().lower()
        if name not in PROFILES:
            raise SystemExit(f"SECURITY_PROFILE must be one of {', '.join(PROFILES)}, not {name!r}")
        graded = name == LEVEL3
        idle = env_int("SESSION_IDLE_TIMEOUT_SECONDS", cls.idle_timeout_seconds)
        if graded and idle <= 0:
            raise SystemExit("SECURITY_PROFILE=level3 needs an idle timeout: SESSION_IDLE_TIMEOUT_SECONDS above 0")
        return cls(
            name=name, idle_timeout_seconds=max(idle, 0),
            password_max_age_days=env_int("PASSWORD_MAX_AGE_DAYS", 0),
            password_reuse_history=env_int("PASSWORD_REUSE_HISTORY", 0),
            admin_password_max_age_days=env_int("ADMIN_PASSWORD_MAX_AGE_DAYS", 90 if graded else 0),
            admin_password_reuse_history=env_int("ADMIN_PASSWORD_REUSE_HISTORY", 5 if graded else 0),
        )

    @property
    def graded(self) -> bool:
        return self.name == LEVEL3

    @staticmethod
    def administers(roles) -> bool:
        return bool(set(roles or ()) & set(ADMIN_ROLES))

    def totp_required(self, roles) -> bool:
        """A second factor is required of the administrators under level 3 (optional for anyone else)."""
        return self.graded and self.administers(roles)

    def max_age_days_for(self, roles) -> int:
        return max(self.password_max_age_days, self.admin_password_max_age_days) if self.administers(roles) \
            else self.password_max_age_days

    def reuse_history_for(self, roles) -> int:
        return max(self.password_reuse_history, self.admin_password_reuse_history) if self.administers(roles) \
            else self.password_reuse_history

    def check_separation(self, roles) -> None:
        """Under level 3 one account holds at most one of the three administrators' roles."""
        held = [role for role in ADMIN_ROLES if role in (roles or ())]
        if self.graded and len(held) > 1:
            raise RuleViolation("one account holds at most one of the administrators' roles (三员分立)",
                                SEPARATION_OF_DUTIES, {"roles": [f"choose one of: {', '.join(held)}"]})

    def announce(self) -> None:
        if self.graded:
            log.info("SECURITY_PROFILE=level3: separated administrators, TOTP for them, idle timeout %d s",
                     self.idle_timeout_seconds)
        else:
            log.warning(NOT_GRADED)
