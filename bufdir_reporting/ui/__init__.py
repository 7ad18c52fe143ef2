"""The two pages a person opens in a browser: GraphiQL at ``/graphql`` and the OpenAPI reference
at ``/docs``. Both are served entirely by this service: every script, stylesheet and font comes
from ``assets/`` (pinned packages, see ``assets.json`` and ``scripts/refresh_ui_assets.py``), so
they work on networks without internet and under a Content-Security-Policy that allows nothing
from elsewhere."""

from __future__ import annotations

from pathlib import Path
from string import Template

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ASSETS_DIR = Path(__file__).parent / "assets"
ASSETS_PATH = "/ui/assets"
_PAGES = Path(__file__).parent / "pages"


def assets() -> StaticFiles:
    """Mounted at ``ASSETS_PATH``."""
    return StaticFiles(directory=ASSETS_DIR)


def page_policy(request: Request) -> str:
    """The pages' Content-Security-Policy: scripts, styles and fonts from this host only (fonts
    and the icon also inline as data: URIs, as GraphiQL's stylesheet carries them), requests to
    this host only, websockets included (named explicitly: older browsers do not count ws: as
    'self')."""
    host = request.headers.get("host", "")
    sockets = f" ws://{host} wss://{host}" if host else ""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self' data:; "
        f"img-src 'self' data:; connect-src 'self'{sockets}; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )


def _page(name: str, request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "").rstrip("/")
    html = Template((_PAGES / name).read_text()).substitute(assets=root + ASSETS_PATH, root=root)
    return HTMLResponse(html, headers={"Content-Security-Policy": page_policy(request), "Cache-Control": "no-cache"})


def graphiql_page(request: Request) -> HTMLResponse:
    return _page("graphiql.html", request)


router = APIRouter(include_in_schema=False)


@router.get("/docs")
async def openapi_page(request: Request) -> HTMLResponse:
    return _page("docs.html", request)


PAGES = frozenset({"/docs", "/graphql"})


class HeadAsGet:
    """``HEAD`` of a page answered as its ``GET`` without the body (headers, status and length
    alike), as ``/healthz`` answers it: link checkers and uptime probes ask with HEAD, and both
    pages answered 405 (outsider). Strawberry's view takes GET and POST only, so the request runs
    as a GET and its body is dropped here."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD" or scope["path"].rstrip("/") not in PAGES:
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
