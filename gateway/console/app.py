"""The console: server-rendered pages under ``/console/``, beside (not inside) the JSON API.

Its own small werkzeug map, so its pages stay out of the OpenAPI document and the API's
route table; the gateway hands it every request under ``/console``.
"""
from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from gateway.auth import Unauthorized
from gateway.console import labels
from gateway.console.pages import Page, Problem, local_time, pages
from gateway.console.session import (
    CSRF_FIELD, NONCE_COOKIE, SESSION_COOKIE, CsrfFailure, FormStash, check_csrf, new_nonce, set_cookie,
)
from gateway.http import RecordId, status_of
from services.kit.context import current_caller_name
from services.kit.errors import ServiceError

log = logging.getLogger("gateway.console")

HERE = Path(__file__).parent
PREFIX = "/console"
STATIC_TYPES = {".css": "text/css", ".svg": "image/svg+xml"}
FORM_FRAMING_BYTES = 64 * 1024


def _load_views() -> None:
    from gateway.console import views  # noqa: F401  (they register)


class Console:
    def __init__(self, gateway):
        _load_views()
        self.gateway = gateway
        self.secret = gateway.tokens.secret
        self.stash = FormStash()
        self.templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                                     autoescape=select_autoescape(("html",)), trim_blocks=True, lstrip_blocks=True)
        self.templates.filters.update(local=local_time, status=labels.status_name)
        self.url_map = Map([Rule(PREFIX + route.path, endpoint=index, methods=list(route.methods))
                            for index, route in enumerate(pages.routes)],
                           strict_slashes=False, converters={"int": RecordId})

    @staticmethod
    def handles(path: str) -> bool:
        return path == PREFIX or path.startswith(PREFIX + "/")

    def dispatch(self, request: Request, request_id: str) -> Response:
        if request.path.startswith(PREFIX + "/static/"):
            return self.static(request.path[len(PREFIX + "/static/"):])
        nonce = request.cookies.get(NONCE_COOKIE) or new_nonce()
        response = self._page(request, request_id, nonce)
        if request.cookies.get(NONCE_COOKIE) != nonce:
            set_cookie(response, NONCE_COOKIE, nonce, secure=request.scheme == "https")
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                                                               "script-src 'none'; form-action 'self'")
        return response

    def _page(self, request: Request, request_id: str, nonce: str) -> Response:
        try:
            index, args = self.url_map.bind_to_environ(request.environ).match()
        except MethodNotAllowed:
            return self.error(request, nonce, 405, "不支持这种操作方式。")
        except RouteNotFound:
            return self.error(request, nonce, 404, "页面不存在。")
        except HTTPException as exc:
            return self.error(request, nonce, exc.code or 400, "请求有误。")
        route = pages.routes[index]
        request.environ["suite.route"] = PREFIX + route.path
        caller = self.caller(request)
        if route.roles is not None:
            if caller is None:
                return redirect(f"{PREFIX}/login?{urlencode({'next': self._after_login(request)})}", code=303,
                                Response=Response)
            current_caller_name.set(caller.name)
            if not caller.has_any(route.roles):
                return self.error(request, nonce, 403, "没有访问这个页面的权限。", caller)
        if request.method == "POST":
            # the API's body limit, with room for a form's multipart framing (the login page included)
            request.max_content_length = self.gateway.max_body_bytes + FORM_FRAMING_BYTES
            try:
                check_csrf(self.secret, request.cookies.get(NONCE_COOKIE), request.form.get(CSRF_FIELD))
            except CsrfFailure:
                return self.error(request, nonce, 403, "表单已过期或来源不明，请返回重新填写。", caller)
            except RequestEntityTooLarge:
                return self.error(request, nonce, 413, "提交的内容太大。", caller)
        page = Page(self, request, request_id, caller, args, nonce)
        if caller is not None and request.method == "GET":
            page.count_unread()
        try:
            return route.handler(page)
        except ServiceError as exc:
            problem = Problem.of(exc)
            status = status_of(exc)
            return self.error(request, nonce, status, problem.detail, caller, problem)
        except Exception:
            log.exception("a console page failed")
            return self.error(request, nonce, 500, f"页面出错了，已记录（编号 {request_id}）。", caller)

    def _after_login(self, request: Request) -> str:
        """Where a login brings one back: the page, and a form posted after the session ended is kept (this
        console's own, by its token) so that page shows the typed values again."""
        if request.method != "POST":
            return request.path
        request.max_content_length = self.gateway.max_body_bytes + FORM_FRAMING_BYTES
        try:
            check_csrf(self.secret, request.cookies.get(NONCE_COOKIE), request.form.get(CSRF_FIELD))
        except (CsrfFailure, RequestEntityTooLarge):
            return request.path
        return f"{request.path}?{urlencode({'restore': self.stash.keep(request.path, request.form)})}"

    def caller(self, request: Request):
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        try:
            return self.gateway.tokens.caller(token)
        except Unauthorized:
            return None

    def error(self, request, nonce, status: int, text: str, caller=None, problem=None) -> Response:
        page = Page(self, request, "-", caller, {}, nonce)
        return page.render("error.html", status=status, status_code=status, text=text, problem=problem)

    def static(self, name: str) -> Response:
        path = (HERE / "static" / name).resolve()
        if path.parent != (HERE / "static").resolve() or not path.is_file() or path.suffix not in STATIC_TYPES:
            return Response("not found", status=404, mimetype="text/plain")
        response = Response(path.read_bytes(), mimetype=STATIC_TYPES[path.suffix])
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response
