"""The message catalogue: language negotiation, its completeness, and problem answers rendered from it."""
import ast
import inspect
import json
from pathlib import Path

import marshmallow.fields
import marshmallow.validate
import pytest
from marshmallow import Schema, fields
from werkzeug.test import Client

from gateway import messages
from gateway.auth import PASSWORD_RULES, TooManyAttempts, Unauthorized
from gateway.http import GatewayApp, Routes
from services.kit.context import Caller
from services.kit.errors import Conflict, Invalid, NotFound, RuleViolation
from services.kit.schemas import InputSchema, load

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("header, language", [
    ("zh-CN", "zh-CN"), ("zh", "zh-CN"), ("zh-Hans", "zh-CN"), ("zh-cn", "zh-CN"), ("zh-Hans-CN", "zh-CN"),
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"), ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
    ("zh-CN;q=0.4, en;q=0.8", "en"), ("en;q=0.1, zh-CN;q=0.9", "zh-CN"), ("de, zh-CN;q=0.5", "zh-CN"),
    ("en", "en"), ("fr", "en"), ("*", "en"), ("", "en"), (None, "en"), ("zh-CN;q=0", "en"), ("garbage;;;", "en"),
])
def test_accept_language_picks_chinese_or_english_by_q_value(header, language):
    assert messages.negotiate(header) == language


# --- completeness -----------------------------------------------------------------------------
def _sources():
    for path in sorted((ROOT / "services").rglob("*.py")):
        if "tests" not in path.parts and "versions" not in path.parts:
            yield path
    yield ROOT / "gateway" / "auth.py"


def _rule_codes(path: Path) -> set[str]:
    """The rule codes a module raises: literal or constant ``rule`` arguments of ``RuleViolation``;
    where a module passes a rule it computes, every code-shaped string constant in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = {target.id: node.value.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                 for target in node.targets if isinstance(target, ast.Name)}
    codes, computed = set(), False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "RuleViolation":
            rule = node.args[1] if len(node.args) > 1 else next(
                (keyword.value for keyword in node.keywords if keyword.arg == "rule"), None)
            if isinstance(rule, ast.Constant):
                codes.add(rule.value)
            elif isinstance(rule, ast.Name) and rule.id in constants:
                codes.add(constants[rule.id])
            elif rule is not None:
                computed = True
    if computed:
        area = path.parent.name
        codes |= {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                  and isinstance(node.value, str) and node.value.startswith(f"{area}.")
                  and node.value.replace(".", "").replace("_", "").isalpha()}
    return codes


def test_every_rule_the_services_raise_has_a_chinese_sentence():
    codes = set().union(*(_rule_codes(path) for path in _sources()))
    assert {"reception.accompany_limit", "vehicles.licence_expired", "energy.import_limit",
            "auth.weak_password", "integrations.url_not_allowed", "canteen.capacity"} <= codes
    missing = sorted(code for code in codes if "reason" not in messages.RULES.get(code, {}))
    assert missing == []


def test_every_rule_detail_template_names_figures_and_renders():
    for code, entry in messages.RULES.items():
        if "detail" in entry:
            names = messages._fields(entry["detail"])
            assert names, code
            assert "{" not in messages.rule_detail(code, {name: 1 for name in names}, "", messages.CHINESE)


def _marshmallow_templates() -> set[str]:
    templates = set()
    for _, cls in inspect.getmembers(marshmallow.fields, inspect.isclass):
        for klass in cls.__mro__:
            templates |= set(getattr(klass, "default_error_messages", {}).values())
    templates |= set(Schema._default_error_messages.values())
    operators = marshmallow.validate.Range
    for _, cls in inspect.getmembers(marshmallow.validate, inspect.isclass):
        for name in dir(cls):
            value = getattr(cls, name)
            if isinstance(value, str) and ("message" in name or name == "error") and name not in (
                    "message_gt", "message_gte", "message_lt", "message_lte"):
                templates.add(value)
    ranges = set()
    for template in [t for t in templates if "{min_op}" in t or "{max_op}" in t]:
        templates.discard(template)
        for low in (operators.message_gte, operators.message_gt):
            for high in (operators.message_lte, operators.message_lt):
                ranges.add(template.format(min_op=low, max_op=high))
    return templates | ranges


def test_every_marshmallow_message_has_a_chinese_template():
    templates = _marshmallow_templates()
    assert "Missing data for required field." in templates and "Must be one of: {choices}." in templates
    assert sorted(t for t in templates if not messages.has_phrase(t)) == []


def _literal_messages(path: Path) -> set[str]:
    """``ValidationError("...")`` and ``error="..."`` texts written in a module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        if getattr(node.func, "id", None) == "ValidationError" and node.args and isinstance(node.args[0], ast.Constant):
            found.add(node.args[0].value)
        found |= {keyword.value.value for keyword in node.keywords
                  if keyword.arg == "error" and isinstance(keyword.value, ast.Constant)}
    return {text for text in found if isinstance(text, str)}


def test_every_validation_message_written_in_the_services_and_the_kit_has_a_chinese_form():
    texts = set().union(*(_literal_messages(path) for path in _sources()))
    assert "must be after start_at" in texts
    assert sorted(text for text in texts if messages.chinese_phrase(text) is None) == []


class Sample(InputSchema):
    count = fields.Integer(required=True)
    day = fields.Date()
    name = fields.String()


@pytest.mark.parametrize("payload", [
    {}, {"count": "x"}, {"count": 3_000_000_000}, {"count": 1, "day": "1066-10-14"},
    {"count": 1, "name": "a\x00b"}, {"count": 1, "other": 1}, {"count": True}, [],
])
def test_the_kits_own_messages_have_a_chinese_form(payload):
    with pytest.raises(Invalid) as refused:
        load(Sample(), payload)
    texts = [text for items in refused.value.errors.values() for text in items]
    assert texts
    for text in texts + [refused.value.detail]:
        assert messages.chinese_phrase(text) is not None, text


def test_every_password_check_and_gateway_words_have_a_chinese_form():
    for text in [*PASSWORD_RULES.values(), "the password is too weak", "wrong password"]:
        assert messages.chinese_phrase(text.format(min_length=10)) is not None, text


def test_figures_carry_over_and_codes_become_words():
    assert messages.message("Longer than maximum length 40.", "zh-CN") == "长度不能超过40"
    assert messages.message("Must be greater than or equal to 1 and less than or equal to 9.", "zh-CN") == "须在1到9之间"
    assert messages.message("Longer than maximum length 40.", "en") == "Longer than maximum length 40."
    assert (messages.message("meal 1 (lunch on 2026-03-05): 4 accompanying diners for 5 guests; at most 3")
            == "第1餐（2026-03-05午餐）：陪餐4人，超过上限3人（接待对象5人）")
    assert messages.message("a reply nobody wrote down") == "a reply nobody wrote down"


# --- problem answers rendered from the catalogue --------------------------------------------------
class Refusing:
    raises = None

    def call(self, service, method, *args, context=None, **kwargs):
        raise self.raises


def _authenticate(request):
    if request.headers.get("Authorization") == "Bearer ok":
        return Caller("d", ("dispatcher",))
    raise Unauthorized("wrong username or password")


@pytest.fixture
def app():
    routes = Routes()

    @routes.post("/things", ("dispatcher",))
    def create(call):
        call.json()
        return call.rpc("things", "create")

    @routes.post("/login", None)
    def login(call):
        raise TooManyAttempts("too many failed logins: wait before trying again", 3)

    return GatewayApp(routes, Refusing(), _authenticate, max_body_bytes=100)


def _post(app, error=None, language=None, body=b"{}", path="/things", token="ok"):
    app.rpc.raises = error
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if language:
        headers["Accept-Language"] = language
    response = Client(app).post(path, data=body, headers=headers)
    return response, json.loads(response.get_data())


def test_a_rule_with_figures_answers_its_chinese_detail_and_english_otherwise(app):
    error = RuleViolation("4 accompanying diners; at most 3", "reception.accompany_limit",
                          {"reception.accompany_limit": ["meal 1 (lunch on 2026-03-05): 4 accompanying diners for "
                                                         "5 guests; at most 3"]},
                          {"accompanying_diners": 4, "allowed": 3, "guests": 5})
    response, body = _post(app, error, "zh-CN")
    assert response.headers["Content-Language"] == "zh-CN"
    assert body["title"] == "不符合业务规则" and body["rule"] == "reception.accompany_limit"
    assert body["detail"] == "陪餐4人，超过上限3人（接待对象5人）。"
    assert body["errors"] == {"reception.accompany_limit": ["第1餐（2026-03-05午餐）：陪餐4人，超过上限3人（接待对象5人）"]}
    response, body = _post(app, error)
    assert response.headers["Content-Language"] == "en"
    assert body["title"] == "Business rule violated" and body["detail"] == "4 accompanying diners; at most 3"
    assert body["errors"]["reception.accompany_limit"][0].startswith("meal 1 (lunch")


def test_a_rule_without_figures_answers_its_sentence_never_the_english(app):
    _, body = _post(app, RuleViolation("no reception without a letter", "reception.no_letter"), "zh-CN")
    assert body["detail"] == messages.RULES["reception.no_letter"]["reason"]


def test_field_messages_and_details_are_chinese_with_the_field_names_kept(app):
    error = Invalid("the input has invalid fields", {"purpose": ["Missing data for required field."],
                                                     "passengers": ["Must be greater than or equal to 1."]})
    _, body = _post(app, error, "zh-CN,en;q=0.5")
    assert body == {"type": "about:blank", "title": "输入有误", "status": 400, "detail": "有字段填写不正确",
                    "errors": {"purpose": ["必填"], "passengers": ["不能小于1"]}}


@pytest.mark.parametrize("error, status, chinese", [
    (NotFound("vehicle 7 not found"), 404, "没有找到该记录（7）"),
    (Conflict("a disposed vehicle keeps its status"), 409, "已处置的车辆不能改变状态"),
    (Conflict("something the catalogue has never heard of"), 409, messages.FALLBACK_DETAILS[409]),
])
def test_service_errors_answer_in_chinese(app, error, status, chinese):
    response, body = _post(app, error, "zh-CN")
    assert response.status_code == status and body["detail"] == chinese
    assert body["title"] == messages.TITLES[status][1]


def test_the_gateways_own_errors_answer_in_chinese(app):
    client = Client(app)
    answers = {
        "not found": client.get("/nowhere", headers={"Accept-Language": "zh-CN"}),
        "method": client.delete("/things", headers={"Accept-Language": "zh-CN"}),
        "401": client.post("/things", headers={"Accept-Language": "zh-CN"}),
        "429": client.post("/login", headers={"Accept-Language": "zh-CN"}),
        "413": client.post("/things", data=b"[" * 200, headers={"Accept-Language": "zh-CN", "Authorization": "Bearer ok"}),
        "json": client.post("/things", data=b"{", headers={"Accept-Language": "zh-CN", "Authorization": "Bearer ok"}),
    }
    bodies = {name: json.loads(response.get_data()) for name, response in answers.items()}
    assert bodies["not found"]["title"] == "未找到" and bodies["not found"]["detail"] == "没有这个地址：/nowhere"
    assert bodies["method"]["title"] == "不支持该请求方法"
    assert bodies["401"]["title"] == "未登录或凭据无效" and bodies["401"]["detail"] == "用户名或密码错误"
    assert bodies["429"]["detail"] == "登录失败次数过多，请稍后再试" and answers["429"].headers["Retry-After"] == "3"
    assert bodies["413"]["title"] == "请求内容过大"
    assert bodies["json"]["detail"] == "请求正文不是有效的 JSON" and bodies["json"]["errors"] == {"_body": ["JSON 格式有误"]}
    assert all(response.headers["Content-Language"] == "zh-CN" for response in answers.values())
    english = client.get("/nowhere")
    assert json.loads(english.get_data())["detail"] == "no route for /nowhere"
    assert english.headers["Content-Language"] == "en"


def test_rule_params_cross_the_wire_and_old_refusals_still_load():
    from nameko.exceptions import deserialize, serialize

    error = RuleViolation("d", "vehicles.not_enough_seats", {"vehicle_id": ["x"]}, {"seats": 5, "passengers": 7})
    again = deserialize(json.loads(json.dumps(serialize(error))))
    # nameko sends the figures as text; they render the same
    assert (again.rule, again.errors) == ("vehicles.not_enough_seats", {"vehicle_id": ["x"]})
    assert (messages.rule_detail(again.rule, again.params, "d", "zh-CN")
            == messages.rule_detail(error.rule, error.params, "d", "zh-CN") == "车辆座位5个，乘车7人。")
    assert RuleViolation("d", "canteen.capacity").params == {}


def test_the_console_shows_the_rules_figures_from_the_same_catalogue():
    reasons = messages.rule_reasons("vehicles.not_enough_seats", {"vehicle_id": ["seats 5 < passengers 7"]},
                                    {"seats": 5, "passengers": 7})
    assert reasons == [{"rule": "vehicles.not_enough_seats", "reason": "车辆座位数少于乘车人数。",
                        "details": ["车辆座位5个，乘车7人。"]}]
