"""Logging in and out, one's own password, the admins' users page, and the home page."""
from gateway.auth import TooManyAttempts, Unauthorized, password_min_length
from gateway.console import labels
from gateway.console.pages import Problem, pages
from gateway.console.session import NONCE_COOKIE, SESSION_COOKIE, clear_cookie, new_nonce, set_cookie
from gateway.console.views.unit import unit_home
from gateway.routes.accounts import UserCreate
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
    next_page = safe_next(page.request.values.get("next"))
    if page.request.method == "GET":
        return page.render("login.html", next_page=next_page, error=None, username="")
    username = page.form.get("username", "").strip()
    password = page.form.get("password", "")
    app = page.console.gateway
    error, status, headers = None, 401, {}
    if not username or not password:
        error = "请输入用户名和密码。"
    else:
        try:
            user = app.accounts.login(username, password, page.request.remote_addr or "?")
        except TooManyAttempts as exc:
            error, status = f"登录失败次数过多，请 {exc.retry_after} 秒后再试。", 429
            headers["Retry-After"] = str(exc.retry_after)
        except Unauthorized:
            error = "用户名或密码错误。"
    if error:
        response = page.render("login.html", status=status, next_page=next_page, error=error, username=username)
        response.headers.update(headers)
        return response
    issued = app.tokens.issue(user)
    response = page.redirect(next_page)
    secure = page.request.scheme == "https"
    set_cookie(response, SESSION_COOKIE, issued["access_token"], max_age=issued["expires_in"], secure=secure)
    set_cookie(response, NONCE_COOKIE, new_nonce(), secure=secure)  # a new session gets new form tokens
    return response


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
