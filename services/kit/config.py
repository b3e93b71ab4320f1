"""Configuration from environment variables, with every default in one place.

The defaults run on one machine with nothing set: SQLite files under ``var/`` and
RabbitMQ on localhost. Each service reads its own variables through these helpers.
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SERVICES = ("vehicles", "facilities", "reception", "energy", "integrations", "directory", "notifications")

# Secrets every process of one installation must share (see ``secret``).
SHARED_SECRETS = ("JWT_SECRET", "ID_NUMBER_HASH_KEY")

# Health/metrics port of each process (API.md); the gateway's metrics are on its ops port.
DEFAULT_PORTS = {
    "gateway": 8000, "vehicles": 8001, "facilities": 8002, "reception": 8003, "energy": 8004, "integrations": 8005,
    "gateway_ops": 8006, "directory": 8007, "notifications": 8008,
}

DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"


def env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


def env_float(name: str, default: float) -> float:
    return float(env(name, str(default)))


def settings_from_env(cls, prefix: str, apart: tuple[str, ...] = ()):
    """The settings dataclass ``cls`` with each field read from ``<PREFIX>_<FIELD>`` when set,
    converted like its default (a tuple from comma-separated text, a clock time from ``H:MM``):
    defaults live once, in ``cls``. The fields named in ``apart``, and those made by a factory
    (tables), are left at their defaults for the caller to read (``dataclasses.replace``)."""
    import dataclasses
    from datetime import time

    values = {}
    for setting in dataclasses.fields(cls):
        if setting.name in apart or setting.default is dataclasses.MISSING:
            continue
        raw = env(f"{prefix}_{setting.name.upper()}", "")
        if not raw:
            continue
        kind = type(setting.default)
        if kind is time:
            hours, minutes = raw.split(":")
            values[setting.name] = time(int(hours), int(minutes))
        elif kind is tuple:
            values[setting.name] = tuple(item.strip() for item in raw.split(",") if item.strip())
        elif kind is bool:
            values[setting.name] = raw.lower() in ("1", "true", "yes", "on")
        else:
            values[setting.name] = kind(raw)
    return cls(**values)


def var_dir() -> Path:
    path = Path(env("VAR_DIR", str(ROOT / "var")))
    path.mkdir(parents=True, exist_ok=True)
    return path


def amqp_uri() -> str:
    return env("AMQP_URI", DEFAULT_AMQP_URI)


def database_url(owner: str) -> str:
    """``<OWNER>_DATABASE_URL``, else a SQLite file of the owner's own under ``var/``."""
    url = env(f"{owner.upper()}_DATABASE_URL", f"sqlite:///{var_dir() / (owner + '.db')}")
    return normalise_database_url(url)


def normalise_database_url(url: str) -> str:
    # psycopg 3 is the driver: it cooperates with eventlet (see green.py).
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def http_address(owner: str) -> str:
    host = env("BIND_HOST", "127.0.0.1")
    port = env_int(f"{owner.upper()}_PORT", DEFAULT_PORTS.get(owner, 0))
    return f"{host}:{port}"


def rpc_timeout() -> float:
    """Seconds a caller waits for any RPC reply before giving up (504)."""
    return env_float("RPC_TIMEOUT", 5.0)


def service_config(name: str) -> dict:
    """The nameko config of one service container."""
    return {
        "AMQP_URI": amqp_uri(),
        "WEB_SERVER_ADDRESS": http_address(name),
        "max_workers": env_int("MAX_WORKERS", 16),
        "PARENT_CALLS_TRACKED": 10,
        "serializer": "json",
        "DATABASE_URL": database_url(name),
        "RPC_TIMEOUT": rpc_timeout(),
        "SERVICE_NAME": name,
    }


def secret(name: str, nbytes: int = 32) -> str:
    """A secret from ``<NAME>`` in the environment, else one generated once and kept
    in ``var/secrets/`` (mode 0600) so that every local process shares it."""
    import secrets as _secrets

    value = os.environ.get(name)
    if value:
        return value
    folder = var_dir() / "secrets"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / name.lower()
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(_secrets.token_urlsafe(nbytes))
    return path.read_text().strip()
