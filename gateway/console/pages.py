"""The console's page registry and what a page handler gets."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable
from urllib.parse import quote, unquote, urlencode
from zoneinfo import ZoneInfo

from werkzeug.utils import redirect as werkzeug_redirect
from werkzeug.wrappers import Request, Response

from gateway.console import labels
from gateway.console.session import ALERT_COOKIE, CSRF_FIELD, FLASH_COOKIE, csrf_token, set_cookie
from gateway.http import Call
from services.kit.context import Caller
from services.kit.errors import Invalid, RuleViolation, ServiceError

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
PAGE_SIZE = 20


@dataclass
class PageRoute:
    path: str
    methods: tuple[str, ...]
    handler: Callable
    roles: tuple[str, ...] | None  # None: no login needed


@dataclass
class MenuItem:
    label: str
    path: str
    roles: tuple[str, ...]


@dataclass
class Pages:
    routes: list[PageRoute] = field(default_factory=list)
    menu: list[MenuItem] = field(default_factory=list)

    def page(self, path: str, roles, methods=("GET",), menu: str | None = None):
        def register(handler):
            self.routes.append(PageRoute(path, tuple(methods), handler, tuple(roles) if roles is not None else None))
            if menu:
                self.menu.append(MenuItem(menu, path, tuple(roles)))
            return handler

        return register

    def menu_for(self, caller: Caller | None) -> list[MenuItem]:
        return [item for item in self.menu if caller is not None and caller.has_any(item.roles)]


pages = Pages()


@dataclass
class Problem:
    """A service's refusal, turned into what a form shows: a summary, field errors, rule reasons."""

    detail: str = ""
    fields: dict = field(default_factory=dict)
    rules: list = field(default_factory=list)

    @classmethod
    def of(cls, exc: ServiceError) -> "Problem":
        if isinstance(exc, RuleViolation):
            return cls("申请不符合规定，未能提交。", {}, labels.rule_reasons(exc.rule, getattr(exc, "errors", None),
                                                                     getattr(exc, "params", None)))
        errors = getattr(exc, "errors", None) or {}
        fields = {}
        for name, messages in errors.items():
            if isinstance(messages, dict):  # nested: flatten one level (guests.0.name)
                for inner, inner_messages in messages.items():
                    fields[f"{name}.{inner}"] = [labels.message(str(m)) for m in _as_list(inner_messages)]
            else:
                fields[name] = [labels.message(str(m)) for m in _as_list(messages)]
        summary = "填写有误，请按提示修改。" if isinstance(exc, Invalid) else _status_summary(exc)
        return cls(summary, fields, [])

    def one_line(self) -> str:
        """The refusal in one line for the next page: the rules' reasons, else the summary and fields."""
        if self.rules:
            return "；".join(rule["reason"] for rule in self.rules)
        fields = "；".join(f"{labels.FIELD_NAMES.get(name, name)}：{'，'.join(messages)}"
                          for name, messages in self.fields.items())
        return self.detail + (f"（{fields}）" if fields else "")


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _status_summary(exc: ServiceError) -> str:
    from services.kit.errors import Conflict, Forbidden, NotFound, ServiceTimeout, ServiceUnavailable

    for error_class, words in ((NotFound, "记录不存在或无权查看。"), (Forbidden, "没有办理这项业务的权限。"),
                               (Conflict, "当前状态下不能办理：{detail}" if not getattr(exc, "errors", None)
                                else "与已有记录冲突，不能办理。"),
                               (ServiceUnavailable, "服务暂时不可用，请稍后再试。"),
                               (ServiceTimeout, "服务响应超时，请稍后再试。")):
        if isinstance(exc, error_class):
            return words.format(detail=exc.detail)
    return "办理失败，请稍后再试。"


class Page:
    """What a page handler gets: the request, the caller, the services (through the gateway's
    ``Call``, so the same RPCs and rules as the API), forms, rendering and redirects."""

    def __init__(self, console, request: Request, request_id: str, caller: Caller | None, args: dict, nonce: str):
        self.console = console
        self.request = request
        self.caller = caller
        self.args = args
        self.nonce = nonce
        self.call = Call(console.gateway, request, request_id, caller, args)
        self.unread = None  # the header's unread count (``count_unread``)

    @property
    def form(self):
        return self.request.form

    def rpc(self, service: str, method: str, *args):
        return self.call.rpc(service, method, *args)

    def count_unread(self) -> None:
        """The caller's unread notifications for the header; a page shows without it when
        the notifications service does not answer."""
        try:
            self.unread = self.rpc("notifications", "unread_count").get("unread")
        except ServiceError:
            self.unread = None

    def attempt(self, service: str, method: str, *args):
        """``(answer, None)`` or ``(None, Problem)`` when the service refuses."""
        try:
            return self.rpc(service, method, *args), None
        except ServiceError as exc:
            return None, Problem.of(exc)

    def may(self, **roles) -> dict[str, bool]:
        """Which of the named actions the caller may take (a template's macros cannot see the caller)."""
        return {name: self.caller is not None and self.caller.has_any(allowed) for name, allowed in roles.items()}

    def act(self, back: str, what: str, done: str, service: str, method: str, *args, where: str | None = None
            ) -> Response:
        """Runs one action from a list page's button and goes back there saying how it went: done in the
        page's notice, a refusal in an error box (beside the record ``where`` names when the page shows it,
        each field's words beside that field)."""
        _, problem = self.attempt(service, method, *args)
        if problem:
            return self.redirect(back, alert={"text": f"{what} 未能办理：{problem.one_line()}", "where": where,
                                              "fields": problem.fields})
        return self.redirect(back, flash=f"{what} {done}。")

    def overdue_first(self, service: str, method: str, query: dict) -> tuple[list, dict]:
        """A list page's overdue records (first page only) and the page of the others."""
        overdue = []
        if not query["offset"]:
            overdue = self.rpc(service, method, {**query, "overdue": True, "offset": 0})["items"]
        return overdue, self.rpc(service, method, {**query, "overdue": False})

    def restored(self, **defaults) -> dict:
        """A form's values typed before the session ended, back after the login (``?restore=``), over
        ``defaults``."""
        return {**defaults, **self.console.stash.take(self.request.args.get("restore"), self.request.path)}

    def units(self) -> list[dict]:
        """The units a staff member may file for, for a form's unit picker: the public institutions energy
        registers (code and name; empty when the caller may not read them). A unit user files for its own."""
        if self.caller is None or self.caller.unit_scoped:
            return []
        found, _ = self.attempt("energy", "list_institutions", {"limit": 500, "offset": 0})
        return sorted(({"code": unit["unit_code"], "name": unit["name"]} for unit in (found or {"items": []})["items"]),
                      key=lambda unit: unit["code"])

    def query(self, *names: str) -> dict:
        """The list filters in the query string that are filled in, and the paging."""
        wanted = {name: self.request.args.get(name, "").strip() for name in names}
        found = {name: value for name, value in wanted.items() if value}
        found["limit"] = PAGE_SIZE
        found["offset"] = max(0, _int(self.request.args.get("offset"), 0))
        return found

    def render(self, template: str, status: int = 200, placed=(), **context) -> Response:
        """``placed``: the records (``where``) the page shows a refusal beside; any other goes on top."""
        flash = unquote(self.request.cookies.get(FLASH_COOKIE, "")) or None
        alert = _alert(self.request.cookies.get(ALERT_COOKIE))
        html = self.console.templates.get_template(template).render(
            caller=self.caller, menu=pages.menu_for(self.caller), csrf_field=CSRF_FIELD,
            csrf_token=csrf_token(self.console.secret, self.nonce), flash=flash, request=self.request,
            labels=labels, page_size=PAGE_SIZE, unread=self.unread, alert=alert,
            alert_on_top=alert and alert.get("where") not in placed, **context)
        response = Response(html, status=status, mimetype="text/html")
        for name, shown in ((FLASH_COOKIE, flash), (ALERT_COOKIE, alert)):
            if shown:
                response.delete_cookie(name, path="/console")
        return response

    def redirect(self, path: str, flash: str | None = None, alert: dict | None = None, **params) -> Response:
        target = path + ("?" + urlencode(params) if params else "")
        response = werkzeug_redirect(target, code=303, Response=Response)
        if flash:
            set_cookie(response, FLASH_COOKIE, quote(flash), max_age=60)
        if alert:
            set_cookie(response, ALERT_COOKIE, quote(json.dumps(alert, ensure_ascii=False)), max_age=60)
        return response


def _alert(cookie: str | None) -> dict | None:
    """A refusal carried to the next page: its words, the record it concerns and each field's words."""
    try:
        alert = json.loads(unquote(cookie or ""))
    except ValueError:
        return None
    return alert if isinstance(alert, dict) and isinstance(alert.get("text"), str) else None


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def local_time(value) -> str:
    """An ISO instant from a service, as a Shanghai wall-clock time."""
    if not value:
        return ""
    try:
        instant = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if instant.tzinfo is None:
        return instant.strftime("%Y-%m-%d %H:%M")
    return instant.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def local_day(text: str | None) -> date:
    """A ``YYYY-MM-DD`` from the query string, or today in Shanghai when it is not one."""
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return datetime.now(LOCAL_TZ).date()


def form_instant(value: str | None) -> str | None:
    """A ``datetime-local`` field (a Shanghai wall-clock time) as an ISO instant with its offset."""
    value = (value or "").strip().replace(" ", "T")
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value  # the service names the field as not a valid datetime
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.isoformat()


def form_int(value: str | None):
    """A number field: an int when it is one, else the text (the service names the field)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return value
