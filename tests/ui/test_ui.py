"""The browser pages (GraphiQL at /graphql, the OpenAPI reference at /docs) load nothing from
anywhere but this service, under a Content-Security-Policy that allows nothing else."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser

import pytest

from bufdir_reporting import ui

pytestmark = pytest.mark.one_database


class References(HTMLParser):
    """Every URL a page makes the browser fetch: scripts, stylesheets, icons, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name == "src" or (tag == "link" and name == "href") or (name.startswith("data-") and "/" in value)):
                self.urls.append(value)


def references(html: str) -> list[str]:
    parser = References()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize("path", ["/graphql", "/docs"])
async def test_a_page_references_only_what_the_service_serves(client, path):
    page = await client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    urls = references(page.text)
    assert urls, "the page loads its scripts"
    for url in urls:
        if url.startswith("data:"):
            continue
        assert url.startswith("/"), f"{url} is not served by this host"
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page.text), "no reference off the host"


@pytest.mark.parametrize("path", ["/graphql", "/docs"])
async def test_a_page_answers_head_as_get_without_a_body(client, path):
    """Both pages answered HEAD with 405 (outsider); ``/healthz`` answered it already."""
    got = await client.get(path, headers={"Accept": "text/html"})
    probed = await client.head(path, headers={"Accept": "text/html"})
    assert (probed.status_code, probed.content) == (200, b""), path
    assert probed.headers["content-type"] == got.headers["content-type"]
    assert probed.headers["content-length"] == str(len(got.content))


@pytest.mark.parametrize("path", ["/graphql", "/docs"])
async def test_a_page_allows_scripts_and_connections_only_to_this_host(client, path):
    page = await client.get(path, headers={"Accept": "text/html", "Host": "reports.example.no"})
    policy = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self' ws://reports.example.no wss://reports.example.no"
    assert "<script>" not in page.text and "style=" not in page.text, "no inline script or style the policy would block"


async def test_graphiql_sends_subscriptions_over_the_websocket_with_the_headers_pane(client):
    start = await client.get(f"{ui.ASSETS_PATH}/graphiql-start.js")
    assert "subscriptionUrl" in start.text and "isHeadersEditorEnabled: true" in start.text


async def test_neither_page_keeps_the_bearer_token_in_the_browser(client):
    """GraphiQL (shouldPersistHeaders, and its history whatever that says) and Swagger UI
    (persistAuthorization) kept the headers pane's and Authorize's token in localStorage, for any
    script of the origin and the next person at the machine. In a browser:
    scripts/check_ui_storage.py (Chromium found the token under graphiql:headers, :tabState,
    :queries and Swagger's authorized before, and under no key after)."""
    graphiql = (await client.get(f"{ui.ASSETS_PATH}/graphiql-start.js")).text
    swagger = (await client.get(f"{ui.ASSETS_PATH}/swagger-start.js")).text
    assert "shouldPersistHeaders: false" in graphiql and "storage," in graphiql and "withoutHeaders(value)" in graphiql
    assert "persistAuthorization: false" in swagger


async def test_the_rest_reference_lists_each_tags_deprecated_printed_paths_after_its_routes(client):
    """Swagger UI listed each contract's printed (doubled) path beside the route it doubles: its
    operations are sorted deprecated last, in the document's order otherwise (a stable sort)."""
    swagger = (await client.get(f"{ui.ASSETS_PATH}/swagger-start.js")).text
    assert 'operationsSorter: (a, b) => Number(a.get("operation").get("deprecated") === true)' in swagger


async def test_the_page_lives_under_the_proxy_prefix(app):
    import httpx

    transport = httpx.ASGITransport(app=app, root_path="/reporting")
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert all(url.startswith(("/reporting/ui/assets/", "data:")) for url in references(page.text))


def test_the_committed_assets_are_the_pinned_ones():
    manifest = json.loads((ui.ASSETS_DIR.parent / "assets.json").read_text())
    assert {"react.production.min.js", "graphiql.min.js", "swagger-ui-bundle.js"} <= set(manifest)
    for name, entry in manifest.items():
        data = (ui.ASSETS_DIR / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], f"{name} differs from {entry['package']}"
        assert entry["license"], name
