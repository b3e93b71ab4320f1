"""Logging in and out, and the home page with the caller's menu."""
from gateway.auth import TooManyAttempts, Unauthorized
from gateway.console.pages import pages
from gateway.console.session import NONCE_COOKIE, SESSION_COOKIE, clear_cookie, new_nonce, set_cookie
from services.kit.context import ROLES


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
    error = None
    if not username or not password:
        error = "请输入用户名和密码。"
    else:
        wait = app.login_limit.allow(page.request.remote_addr or "?")
        try:
            if wait:
                raise TooManyAttempts("rate", int(wait) + 1)
            user = app.accounts.login(username, password)
        except TooManyAttempts as exc:
            error = f"登录尝试过多，请 {max(1, exc.retry_after // 60)} 分钟后再试。"
        except Unauthorized:
            error = "用户名或密码错误。"
    if error:
        return page.render("login.html", status=401, next_page=next_page, error=error, username=username)
    issued = app.tokens.issue(user)
    response = page.redirect(next_page)
    secure = page.request.scheme == "https"
    set_cookie(response, SESSION_COOKIE, issued["access_token"], max_age=issued["expires_in"], secure=secure)
    set_cookie(response, NONCE_COOKIE, new_nonce(), secure=secure)  # a new session gets new form tokens
    return response


@pages.page("/logout", ROLES, methods=("POST",))
def logout(page):
    response = page.redirect("/console/login")
    clear_cookie(response, SESSION_COOKIE)
    clear_cookie(response, NONCE_COOKIE)
    return response


@pages.page("/", ROLES)
def home(page):
    return page.render("home.html")
