"""Problem answers in the language the request asks for, rendered from the message catalogue."""
import pytest

from tests.e2e.test_reception_api import reception, user

pytestmark = pytest.mark.e2e

CHINESE = {"Accept-Language": "zh-CN"}


def test_a_rule_refusal_a_validation_error_and_a_404_answer_in_chinese_or_english(stack, admin):
    clerk = user(stack, admin, ["unit_user"], "U-LANG")
    # 12 guests allow 4 accompanying diners; 5 are asked
    zh = clerk.post(stack.url("/api/v1/receptions"), json=reception(12, 5), headers=CHINESE, timeout=10)
    en = clerk.post(stack.url("/api/v1/receptions"), json=reception(12, 5), timeout=10)
    assert zh.status_code == en.status_code == 422
    assert zh.json()["rule"] == en.json()["rule"] == "reception.accompany_limit"
    assert zh.headers["Content-Language"] == "zh-CN" and en.headers["Content-Language"] == "en"
    assert zh.json()["title"] == "不符合业务规则" and en.json()["title"] == "Business rule violated"
    assert zh.json()["detail"] == "陪餐5人，超过上限4人（接待对象12人）。"
    assert "accompany_limit" in en.json()["detail"]
    assert "陪餐5人，超过上限4人" in zh.json()["errors"]["reception.accompany_limit"][0]
    assert "5 accompanying diners for 12 guests; at most 4" in en.json()["errors"]["reception.accompany_limit"][0]

    zh = admin.post(stack.url("/api/v1/vehicles"), json={"seats": 0}, headers=CHINESE, timeout=10)
    en = admin.post(stack.url("/api/v1/vehicles"), json={"seats": 0}, timeout=10)
    assert zh.status_code == en.status_code == 400
    assert zh.json()["title"] == "输入有误" and en.json()["title"] == "Invalid input"
    assert set(zh.json()["errors"]) == set(en.json()["errors"]) and "plate" in zh.json()["errors"]  # keys stay English
    assert zh.json()["errors"]["plate"] == ["必填"] and en.json()["errors"]["plate"] == ["Missing data for required field."]
    assert zh.json()["detail"] == "有字段填写不正确"

    for path, chinese, english in (("/api/v1/vehicles/999999", "没有找到该记录（999999）", "vehicle 999999 not found"),
                                   ("/api/v1/no-such-thing", "没有这个地址：/api/v1/no-such-thing",
                                    "no route for /api/v1/no-such-thing")):
        zh = admin.get(stack.url(path), headers=CHINESE, timeout=10)
        en = admin.get(stack.url(path), timeout=10)
        assert zh.status_code == en.status_code == 404
        assert zh.json()["title"] == "未找到" and en.json()["title"] == "Not found"
        assert (zh.json()["detail"], en.json()["detail"]) == (chinese, english)
