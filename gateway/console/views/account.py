"""Logging in (with the second factor's code where the user has one) and out, one's own password and
second factor, the system administrator's users page, and the home page."""
import time

from gateway.auth import (
    PASSWORD_EXPIRED, TOTP_INVALID, TOTP_REQUIRED, TooManyAttempts, Unauthorized, password_min_length, qr_svg,
)
from gateway.messages import RULES, SECOND_FACTOR_TEXTS as TEXTS
from gateway.console import labels
from gateway.console.pages import Problem, pages
from gateway.console.session import (
    NONCE_COOKIE, SESSION_COOKIE, check_login_ticket, clear_cookie, login_ticket, new_nonce, set_cookie,
)
from gateway.console.views.unit import unit_home
from gateway.routes.accounts import UserCreate, check_may_grant
from services.kit.context import ROLES, SYSTEM_ADMIN
from services.kit.errors import RuleViolation, ServiceError
from services.kit.schemas import load

ADMIN = (SYSTEM_ADMIN,)  # the users page: the system administrator's (三员分立)


def form_problem(exc: ServiceError) -> Problem:
    """A refusal as a form shows it; a weak password's reasons go beside the password field."""
    problem = Problem.of(exc)
    if isinstance(exc, RuleViolation):
        problem.fields = {name: [labels.message(item) for item in messages] for name, messages in (exc.errors or {}).items()}
    return problem


def safe_next(target: str | None) -> str:
    """Only a console page may follow a login (no open redirect)."""
    if target and target.startswith("/console/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console/"


@pages.page("/login", None, methods=("GET", "POST"))
def login(page):
    """Two steps where the user has a second factor or an expired password: the password, then (with a
    signed ticket standing for the right password, never the password itself) the code or the new one."""
    next_page = safe_next(page.request.values.get("next"))
    if page.request.method == "GET":
        return page.render("login.html", next_page=next_page, error=None, username="", step=None)
    form = page.form
    username = form.get("username", "").strip()
    app = page.console.gateway
    address = page.request.remote_addr or "?"
    ticket = form.get("ticket")
    step = {"code": bool(form.get("need_code")), "new_password": bool(form.get("need_new_password"))} if ticket else None
    error, status, headers, problem = None, 401, {}, None
    if not ticket and (not username or not form.get("password", "")):
        return page.render("login.html", status=401, next_page=next_page, error=TEXTS["enter_both"],
                           username=username, step=None)
    try:
        if ticket:
            if not check_login_ticket(page.console.secret, username, ticket, time.time()):
                raise _StartAgain()
            user = app.accounts.resume_login(username, address, form.get("totp_code", "").strip() or None,
                                             form.get("recovery_code", "").strip() or None,
                                             form.get("new_password") or None, language="zh-CN")
        else:
            user = app.accounts.login(username, form.get("password", ""), address, language="zh-CN")
    except _StartAgain:
        error, step = TEXTS["ticket_expired"], None
    except TooManyAttempts as exc:
        error, status = TEXTS["too_many"].format(seconds=exc.retry_after), 429
        headers["Retry-After"] = str(exc.retry_after)
    except Unauthorized as exc:
        if exc.rule in (TOTP_REQUIRED, TOTP_INVALID, PASSWORD_EXPIRED):  # the password was right: the second step
            step = step or {"code": False, "new_password": False}
            step["code"] = step["code"] or exc.rule != PASSWORD_EXPIRED or getattr(exc, "second_factor", False)
            step["new_password"] = step["new_password"] or exc.rule == PASSWORD_EXPIRED
            ticket = ticket or login_ticket(page.console.secret, username, time.time())
            error = TEXTS[{TOTP_REQUIRED: "code_needed", TOTP_INVALID: "code_wrong",
                           PASSWORD_EXPIRED: "password_expired"}[exc.rule]]
        else:
            error = RULES.get(exc.rule, {}).get("reason") or TEXTS["wrong_password"]
            step = None
    except ServiceError as exc:  # a new password the policy refuses: the same step again, the reasons shown
        problem, status = form_problem(exc), 400
    if error or problem:
        response = page.render("login.html", status=status, next_page=next_page, error=error, problem=problem,
                               username=username, step=step, ticket=ticket if step else None,
                               min_length=password_min_length())
        response.headers.update(headers)
        return response
    issued = app.tokens.issue(user)
    response = page.redirect(next_page)
    secure = page.request.scheme == "https"
    set_cookie(response, SESSION_COOKIE, issued["access_token"], max_age=issued["expires_in"], secure=secure)
    set_cookie(response, NONCE_COOKIE, new_nonce(), secure=secure)  # a new session gets new form tokens
    return response


class _StartAgain(Exception):
    """The login's second step came without a valid ticket (expired, or another user's)."""


@pages.page("/totp", ROLES, methods=("GET", "POST"), menu="动态口令")
def second_factor(page):
    """Enrolling one's second factor: a QR code for an authenticator app, then its code confirms it and
    the recovery codes are shown, once."""
    accounts = page.console.gateway.accounts
    name = page.caller.name
    problem, recovery_codes = None, None
    if page.request.method == "POST":
        try:
            if page.form.get("action") == "start":
                accounts.start_totp(name)
            else:
                recovery_codes = accounts.confirm_totp(name, page.form.get("code", ""))
        except ServiceError as exc:
            problem = form_problem(exc)
    pending = None if recovery_codes else accounts.pending_totp(name)
    return page.render("totp.html", status=400 if problem else 200, problem=problem, texts=TEXTS,
                       enrolled=accounts.has_totp(name), recovery_codes=recovery_codes,
                       secret=pending[0] if pending else None, qr=qr_svg(pending[1]) if pending else None,
                       required=accounts.profile.totp_required(page.caller.roles))


@pages.page("/logout", ROLES, methods=("POST",))
def logout(page):
    """Ends every session and token of the user, not only this cookie."""
    page.console.gateway.accounts.logout(page.caller.name)
    response = page.redirect("/console/login")
    clear_cookie(response, SESSION_COOKIE)
    clear_cookie(response, NONCE_COOKIE)
    return response


@pages.page("/password", ROLES, methods=("GET", "POST"), menu="修改密码")
def change_password(page):
    problem = None
    if page.request.method == "POST":
        try:
            page.console.gateway.accounts.change_own_password(
                page.caller.name, page.form.get("current_password", ""), page.form.get("password", ""), language="zh-CN")
        except ServiceError as exc:
            problem = form_problem(exc)
        else:  # every session of the user has ended, this one too
            response = page.redirect("/console/login")
            clear_cookie(response, SESSION_COOKIE)
            return response
    return page.render("password.html", status=400 if problem else 200, problem=problem,
                       min_length=password_min_length())


@pages.page("/users", ADMIN, methods=("GET", "POST"), menu="用户管理")
def users(page):
    """The users, with their state and the admin's actions; a form adds one."""
    accounts = page.console.gateway.accounts
    problem, form = None, {}
    if page.request.method == "POST":
        form = {name: page.form.get(name, "").strip() for name in ("username", "role", "unit_code")}
        try:
            data = load(UserCreate(), {"username": form["username"], "password": page.form.get("password", ""),
                                       "roles": [form["role"]], "unit_code": form["unit_code"] or None})
            check_may_grant(page.caller, data["roles"])  # an administrator's role: the security administrator's
            created = accounts.create_user(**data, actor=page.caller.name, language="zh-CN")
        except ServiceError as exc:
            problem = form_problem(exc)
        else:
            return page.redirect("/console/users", flash=f"用户 {created.username} 已创建。")
    query = page.query()
    items, total = accounts.list_users(query["limit"], query["offset"])
    return page.render("users.html", status=400 if problem else 200, problem=problem, form=form, query=query,
                       result={"items": items, "total": total}, roles=labels.ROLE_NAMES,
                       min_length=password_min_length())


def _user_action(action: str, done: str):
    def handler(page):
        user_id = page.args["user_id"]
        try:
            user = getattr(page.console.gateway.accounts, action)(user_id, page.caller.name)
        except ServiceError as exc:
            return page.redirect("/console/users", flash=f"用户 {user_id} 未能办理：{Problem.of(exc).one_line()}")
        return page.redirect("/console/users", flash=f"用户 {user.username} {done}。")

    handler.__name__ = f"user_{action}"
    return handler


for _action, _done in (("disable", "已停用，其登录会话随即失效"), ("enable", "已启用"),
                       ("delete_user", "已删除，其登录会话随即失效")):
    pages.page(f"/users/<int:user_id>/{_action.split('_')[0]}", ADMIN, methods=("POST",))(_user_action(_action, _done))


@pages.page("/", ROLES)
def home(page):
    if page.caller.unit_scoped:
        return unit_home(page)
    return page.render("home.html")
