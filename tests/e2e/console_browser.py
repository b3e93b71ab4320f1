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
SIZES = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1366, "height": 768}}
# every control a person sees: scrolled into view, is it inside the viewport and the topmost thing where it is
# (not cut off by a box around it)? Controls with no box (the folded menu's) are not shown, so not counted.
CONTROLS = """() => {
  const seen = [];
  for (const el of document.querySelectorAll('button, input:not([type=hidden]), select, textarea')) {
    let box = el.getBoundingClientRect();
    if (box.width <= 1 && box.height <= 1 || getComputedStyle(el).visibility === 'hidden') continue;
    el.scrollIntoView({block: 'center', inline: 'center'});
    box = el.getBoundingClientRect();
    const inside = box.left >= -1 && box.right <= innerWidth + 1 && box.top >= -1 && box.bottom <= innerHeight + 1;
    const x = Math.min(Math.max(box.left + box.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(box.top + box.height / 2, 0), innerHeight - 1);
    const hit = document.elementFromPoint(x, y);
    const labels = el.labels ? [...el.labels] : [];
    const on_top = !!hit && (hit === el || el.contains(hit) || labels.some(label => label.contains(hit)));
    seen.push({control: el.name || el.textContent.trim().slice(0, 12) || el.id, type: el.type || el.tagName,
               reachable: inside && on_top, height: Math.round(box.height), right: Math.round(box.right)});
  }
  return seen;
}"""
CHARTS = "els => els.map(e => [Math.round(e.getBoundingClientRect().width), Math.round(e.getBoundingClientRect().height)])"


def tour(browser, spec, shots) -> dict:
    """Every menu page of every user at a phone's and a desk's width: the controls each shows, whether each
    can be brought into view, the charts' sizes and what the browser's console reported."""
    base, pages = spec["base"], {}
    for user, password in spec["tour"]:
        for size, viewport in SIZES.items():
            context = browser.new_context(locale="zh-CN", viewport=viewport, is_mobile=size == "phone",
                                          has_touch=size == "phone")
            page = context.new_page()
            errors = []
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(base + "/console/login")
            page.fill("input[name=username]", user)
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_url(base + "/console/")
            links = ["/console/"] + page.eval_on_selector_all("#menu a", "els => els.map(e => e.getAttribute('href'))")
            for link in dict.fromkeys(links + spec.get("extra_pages", [])):
                errors.clear()
                page.goto(base + link)
                name = f"{size}-{user.split('-')[0]}{link.replace('/', '_')}"
                page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
                pages[name] = {"status": page.title(), "controls": page.evaluate(CONTROLS),
                               "charts": page.eval_on_selector_all(".chart svg", CHARTS), "errors": list(errors),
                               "wide": page.evaluate("document.documentElement.scrollWidth > innerWidth + 1")}
            context.close()
    return pages


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    shots = Path(spec["screenshots"])
    base = spec["base"]
    result = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=spec["chromium"], args=ARGS, headless=True)

        def session(user, size="wide"):
            viewport = SIZES["phone"] if size == "phone" else {"width": 1280, "height": 900}
            context = browser.new_context(locale="zh-CN", viewport=viewport, is_mobile=size == "phone",
                                          has_touch=size == "phone")
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

        # the dispatcher, on a phone, approves it and assigns a suggested vehicle
        dispatcher, board = session(spec["dispatcher"], "phone")
        board.goto(base + "/console/dispatch-board")
        board.click(f"#requested [data-dispatch='{dispatch_id}'] button:has-text('批准')")
        board.wait_for_selector(".flash")
        result["approve_flash"] = board.inner_text(".flash")
        result["suggested"] = board.inner_text(f"#approved [data-dispatch='{dispatch_id}'] select[name=vehicle_id]")
        shot(board, "2-dispatch-board")
        # this test's own car (other tests' cars on the same suite may fit the trip better)
        vehicles = f"#approved [data-dispatch='{dispatch_id}'] select[name=vehicle_id]"
        own = board.eval_on_selector(vehicles, "(select, plate) => [...select.options].find("
                                     "option => option.textContent.includes(plate)).value", spec["plate"])
        board.select_option(vehicles, own)
        board.click(f"#approved [data-dispatch='{dispatch_id}'] button:has-text('派车')")
        board.wait_for_selector(".flash")
        result["assign_flash"] = board.inner_text(".flash")
        page.goto(result["dispatch_url"])
        result["final_status"] = page.inner_text("#dispatch-status")
        # the trip on the board: the car leaves, comes back with its readings and costs, and is closed
        card = f"[data-dispatch='{dispatch_id}']"
        result["assigned_card"] = board.inner_text(f"#assigned {card}")
        board.click(f"#assigned {card} button:has-text('出车')")
        board.wait_for_selector(".flash")
        result["depart_flash"] = board.inner_text(".flash")
        shot(board, "2b-dispatch-board-car-out")
        board.fill(f"#departed {card} input[name=odometer_km]", "120")
        board.fill(f"#departed {card} input[name=fuel_liters]", "9.5")
        board.fill(f"#departed {card} input[name=tolls_yuan]", "15")
        board.fill(f"#departed {card} input[name=cost_yuan]", "10")
        board.click(f"#departed {card} button:has-text('回场')")
        board.wait_for_selector(".flash")
        result["return_flash"] = board.inner_text(".flash")
        result["returned_card"] = board.inner_text(f"#returned {card}")
        board.click(f"#returned {card} button:has-text('结单')")
        board.wait_for_selector(".flash")
        result["close_flash"] = board.inner_text(".flash")
        page.goto(result["dispatch_url"])
        result["closed_status"] = page.inner_text("#dispatch-status")
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
        if spec.get("tour"):
            result["tour"] = tour(browser, spec, shots)
        browser.close()
    Path(spec["result"]).write_text(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
