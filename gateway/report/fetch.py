"""The statistics calls of one request, run in parallel, and why a section could not be given."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from services.kit.config import settings_from_env  # noqa: F401  first: ``services`` quiets eventlet's import notice

import eventlet

from gateway.report.periods import SETTINGS, ReportSettings
from services.kit.errors import Forbidden, ServiceError, ServiceTimeout, ServiceUnavailable

log = logging.getLogger("gateway.report")


@dataclass(frozen=True)
class Fetch:
    """One RPC of a section."""

    service: str
    method: str
    query: dict


class Unavailable(Exception):
    """A section that cannot be given; its argument is the reason, in Chinese."""


def _fetch(call, fetch: Fetch, settings: ReportSettings):
    return call.rpc(fetch.service, fetch.method, fetch.query, timeout=settings.rpc_timeout)


def run_all(call, fetches: dict, settings: ReportSettings = SETTINGS) -> dict:
    """Runs every fetch in parallel; answers key → result or the exception it raised."""
    pool = eventlet.GreenPool(max(1, len(fetches)))

    def one(item):
        key, fetch = item
        try:
            return key, _fetch(call, fetch, settings)
        except (ServiceError, Unavailable) as exc:
            return key, exc
        except Exception as exc:  # an unexpected answer must not take the whole report down
            log.warning("report: %s.%s failed: %s", fetch.service, fetch.method, type(exc).__name__)
            return key, Unavailable("统计调用失败")

    return dict(pool.imap(one, fetches.items()))


SERVICE_NAMES = {"vehicles": "公务用车服务", "facilities": "办公用房服务", "reception": "公务接待服务", "energy": "节能服务",
                 "upkeep": "办公用房服务", "security": "办公用房服务", "campaigns": "节能服务"}  # by section


def reason_of(exc: BaseException, service: str, settings: ReportSettings = SETTINGS) -> str:
    """Why a section is unavailable, in Chinese (the service's own English detail goes to the log)."""
    name = SERVICE_NAMES.get(service, service)
    if isinstance(exc, ServiceUnavailable):
        return f"{name}暂时无法访问（未运行或连接中断）"
    if isinstance(exc, ServiceTimeout):
        return f"{name}未在 {settings.rpc_timeout:g} 秒内答复"
    if isinstance(exc, Forbidden):
        return f"无权读取{name}的统计"
    if isinstance(exc, ServiceError):
        log.warning("report: %s refused its statistics: %s %s", service, type(exc).__name__, exc.detail)
        return f"{name}未接受统计请求"
    return f"{name}：{exc.args[0] if exc.args else '统计调用失败'}"


# -- figures ------------------------------------------------------------------------------------
