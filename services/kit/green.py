"""Make the process cooperative before anything opens a socket.

Import this module first in every entry point (runner, tests, benchmarks). eventlet
must patch the standard library before kombu, SQLAlchemy or psycopg are imported,
and psycopg 3 only yields to eventlet when told to wait with ``select``.
"""
import os

import services  # noqa: F401  (quiets eventlet's import-time notice)

os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")
os.environ.setdefault("EVENTLET_NO_GREENDNS", "yes")

import eventlet  # noqa: E402

if not eventlet.patcher.is_monkey_patched("socket"):
    eventlet.monkey_patch()
