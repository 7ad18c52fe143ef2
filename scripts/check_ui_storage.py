"""Check in a real browser that GraphiQL and the OpenAPI page keep no bearer token: enter one in
GraphiQL's headers pane and in Swagger UI's Authorize dialog, send a request with it, reload, and
look through localStorage. Run it against a served app after moving to a newer GraphiQL or
Swagger UI (scripts/refresh_ui_assets.py): GraphiQL 3.8's history kept each run's headers
whatever shouldPersistHeaders said.

    python scripts/check_ui_storage.py http://127.0.0.1:8000   # exit status 1 if a token is kept

Needs Playwright for Python (pip install playwright) and a Chromium (Debian: apt-get install
chromium; another one with CHROMIUM=/path/to/chrome).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

from playwright.async_api import Browser, Page, async_playwright

TOKEN = "eyJub3QtYS10b2tlbg.check-ui-storage.secret"


async def kept(page: Page) -> list[str]:
    """The localStorage keys whose value holds the token."""
    stored: dict[str, str] = json.loads(await page.evaluate("JSON.stringify(Object.assign({}, window.localStorage))"))
    return [key for key, value in stored.items() if TOKEN in value]


async def graphiql(browser: Browser, base: str) -> dict[str, Any]:
    page = await browser.new_page()
    await page.goto(f"{base}/graphql", wait_until="load")
    await page.wait_for_selector(".graphiql-container", timeout=20_000)
    await page.get_by_role("button", name="Headers").click()
    await page.locator(".graphiql-editor-tool .CodeMirror").last.click()
    await page.keyboard.insert_text(json.dumps({"Authorization": f"Bearer {TOKEN}"}))
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.headers.get("authorization") or ""))
    await page.locator(".graphiql-execute-button").click()
    await page.wait_for_timeout(1_500)
    found = {"sent": any(TOKEN in header for header in sent), "kept": await kept(page)}
    await page.reload(wait_until="load")
    await page.wait_for_timeout(1_500)
    found["kept after reload"] = await kept(page)
    await page.close()
    return found


async def swagger(browser: Browser, base: str) -> dict[str, Any]:
    page = await browser.new_page()
    await page.goto(f"{base}/docs", wait_until="load")
    await page.locator(".swagger-ui .btn.authorize").first.click(timeout=20_000)
    await page.locator(".modal-ux input").first.fill(TOKEN)
    await page.locator(".modal-ux button.authorize").first.click()
    await page.locator(".modal-ux button.btn-done").first.click()
    found: dict[str, Any] = {"kept": await kept(page)}
    await page.reload(wait_until="load")
    await page.wait_for_timeout(1_500)
    found["kept after reload"] = await kept(page)
    await page.close()
    return found


async def main(base: str) -> int:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=["--no-sandbox"]
        )
        results = {"GraphiQL": await graphiql(browser, base), "Swagger UI": await swagger(browser, base)}
        await browser.close()
    for page, found in results.items():
        print(f"{page}: {found}")
    if not results["GraphiQL"]["sent"]:
        print("GraphiQL did not send the headers pane's token: the check did not run as meant")
        return 2
    return 1 if any(found["kept"] or found["kept after reload"] for found in results.values()) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000")))
