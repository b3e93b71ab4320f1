"""A guard walks a patrol on a phone (390×844) in a real headless Chromium: each checkpoint's QR
label is "scanned" by opening the console URL it carries, and the scan recorded with one tap.

    python tests/e2e/patrol_browser.py spec.json

Run outside the test process (as console_browser.py, whose page tour it reuses); what the pages
showed is written as JSON to ``spec["result"]``.
"""
import json
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from console_browser import ARGS, CONTROLS, SIZES, tour


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    base, shots, result = spec["base"], Path(spec["screenshots"]), {"walks": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=spec["chromium"], args=ARGS, headless=True)
        context = browser.new_context(locale="zh-CN", viewport=SIZES["phone"], is_mobile=True, has_touch=True)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        # the first label scanned before signing in: the login brings the guard back to it
        page.goto(base + "/console/patrol/scan/" + spec["walks"][0][0])
        page.fill("input[name=username]", spec["guard"])
        page.fill("input[name=password]", spec["password"])
        page.click("button[type=submit]")
        for number, tokens in enumerate(spec["walks"], 1):
            walk = {"flashes": [], "scan_page": None}
            for index, token in enumerate(tokens):
                if not (number == 1 and index == 0):
                    page.goto(base + "/console/patrol/scan/" + token)
                page.wait_for_selector("#record-scan")
                if walk["scan_page"] is None:
                    walk["scan_page"] = {"text": page.inner_text(".main"), "controls": page.evaluate(CONTROLS),
                                         "wide": page.evaluate("document.documentElement.scrollWidth > innerWidth + 1")}
                    page.screenshot(path=str(shots / f"patrol-{number}-scan.png"), full_page=True)
                page.click("#record-scan")
                try:
                    page.wait_for_selector("#patrol-status", timeout=60000)
                except Exception:
                    (shots / f"patrol-{number}-{index}-failed.html").write_text(page.content())
                    raise
                walk["flashes"].append(page.inner_text(".flash"))
            walk["patrol_url"] = page.url
            if page.query_selector("#finish-patrol"):  # checkpoints left: the guard ends the walk
                page.click("#finish-patrol")
                page.wait_for_selector("#patrol-status")
            walk["status"] = page.get_attribute("#patrol-status", "data-status")
            walk["missed"] = page.inner_text("#missed") if page.query_selector("#missed") else ""
            walk["scanned"] = page.eval_on_selector_all("[data-scanned]", "els => els.map(e => +e.dataset.scanned)")
            walk["wide"] = page.evaluate("document.documentElement.scrollWidth > innerWidth + 1")
            walk["controls"] = page.evaluate(CONTROLS)
            page.screenshot(path=str(shots / f"patrol-{number}-done.png"), full_page=True)
            result["walks"].append(walk)
        page.goto(base + "/console/patrol")
        result["mine"] = page.inner_text(".main")
        result["errors"] = errors
        context.close()
        result["tour"] = tour(browser, {**spec, "extra_pages": spec.get("extra_pages", [])}, shots)
        browser.close()
    Path(spec["result"]).write_text(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
