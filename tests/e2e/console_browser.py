"""Drives the console in a real headless Chromium (Playwright's sync API), outside the test
process: that one runs on eventlet, which Playwright's greenlets and asyncio do not bear.

    python tests/e2e/console_browser.py spec.json

The spec gives the browser (Debian's chromium), the base URL, the users, the sheet to upload and the screenshot folder; what the
pages showed is written as JSON to ``spec["result"]`` for the test to assert on.
"""
import json
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    shots = Path(spec["screenshots"])
    base = spec["base"]
    result = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=spec["chromium"], args=ARGS, headless=True)

        def session(user):
            context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(base + "/console/login")
            page.fill("input[name=username]", user)
            page.fill("input[name=password]", spec["password"])
            page.click("button[type=submit]")
            page.wait_for_url(base + "/console/")
            return context, page

        def shot(page, name):
            page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

        # a unit user requests a car
        context, page = session(spec["clerk"])
        result["clerk_menu"] = page.inner_text("#menu")
        page.click("text=申请用车")
        page.fill("input[name=purpose]", "赴乡镇调研")
        page.fill("input[name=passengers]", "3")
        page.fill("input[name=origin]", "县政府大院")
        page.fill("input[name=destination]", "城关镇")
        page.fill("input[name=start_at]", spec["start_at"])
        page.fill("input[name=end_at]", spec["end_at"])
        page.click("button:has-text('提交申请')")
        page.wait_for_selector("#dispatch-status")
        result["dispatch_url"] = page.url
        result["requested_status"] = page.inner_text("#dispatch-status")
        result["requested_flash"] = page.inner_text(".flash")
        shot(page, "1-car-requested")
        dispatch_id = page.url.rstrip("/").rsplit("/", 1)[1]

        # the dispatcher approves it and assigns a suggested vehicle
        dispatcher, board = session(spec["dispatcher"])
        board.goto(base + "/console/dispatch-board")
        board.click(f"#requested tr[data-dispatch='{dispatch_id}'] button:has-text('批准')")
        board.wait_for_selector(".flash")
        result["approve_flash"] = board.inner_text(".flash")
        result["suggested"] = board.inner_text(f"#approved tr[data-dispatch='{dispatch_id}'] select[name=vehicle_id]")
        shot(board, "2-dispatch-board")
        board.click(f"#approved tr[data-dispatch='{dispatch_id}'] button:has-text('派车')")
        board.wait_for_selector(".flash")
        result["assign_flash"] = board.inner_text(".flash")
        page.goto(result["dispatch_url"])
        result["final_status"] = page.inner_text("#dispatch-status")
        dispatcher.close()

        # a reception that breaks the accompany rule
        page.goto(base + "/console/receptions/new")
        page.fill("input[name=title]", "市局来县考察")
        page.fill("input[name=letter_number]", "市发〔2030〕1号")
        page.fill("input[name=letter_issuer]", "市机关事务管理局")
        page.fill("input[name=letter_dated_on]", spec["letter_on"])
        page.fill("textarea[name=guests]", "市机关事务管理局，张三，科长\n市机关事务管理局，李四，科员")
        page.fill("input[name=starts_on]", spec["reception_on"])
        page.fill("input[name=ends_on]", spec["reception_on"])
        page.select_option("select[name=meal]", "lunch")
        page.fill("input[name=served_on]", spec["reception_on"])
        page.fill("input[name=price_per_person_yuan]", "60")
        page.fill("input[name=accompanying_diners]", "5")
        page.click("button:has-text('提交申请')")
        page.wait_for_selector(".problem")
        result["reception_problem"] = page.inner_text(".problem")
        result["reception_rules"] = page.eval_on_selector_all(".rule", "els => els.map(e => e.dataset.rule)")
        shot(page, "3-reception-refused")
        context.close()

        # the energy officer uploads a sheet and reads its row report
        context, page = session(spec["energy_officer"])
        page.click("text=能耗报表导入")
        page.set_input_files("input[name=file]", spec["sheet"])
        page.click("button:has-text('上传并导入')")
        page.wait_for_selector("#report")
        result["import_report"] = page.inner_text(".main")
        shot(page, "4-energy-import")
        context.close()

        # the leaders' dashboard
        context, page = session(spec["leader"])
        page.click("text=领导看板")
        page.wait_for_selector("#chart-energy svg")
        result["dashboard_charts"] = page.eval_on_selector_all(".chart svg", "els => els.length")
        result["dashboard_text"] = page.inner_text(".main")
        shot(page, "5-dashboard")
        context.close()
        browser.close()
    Path(spec["result"]).write_text(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
