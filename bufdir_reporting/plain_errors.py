"""Strawberry's plain-text refusals (bad JSON, no query, a method it does not take) as the JSON
error every other refusal is, in the words and language the rest of the API uses. Apart from
``http_guards`` (STYLE.md 8: that module passed 300 lines)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import envelope
from .language import requested
from .schema import graphql_words

PLAIN_WORDS = {
    "Unable to parse request body as JSON": "The request body is not valid JSON.",
    "No GraphQL query found in the request": 'The request has no GraphQL query: send {"query": "..."} as JSON.',
    "Unsupported content type": (
        "Send GraphQL requests as JSON (Content-Type: application/json) or as a GET with a query parameter."
    ),
    "GraphQL only supports GET and POST requests.": "GraphQL takes GET and POST requests only.",
}
"""Strawberry's plain-text refusals, in the words the rest of the API uses."""


def plain_words(text: str) -> str:
    """In the words the rest of the API uses, in the language asked (``graphql_words``)."""
    return graphql_words.said(PLAIN_WORDS.get(text.strip(), text.strip()), requested.get())


REPLACED = {b"content-type", b"content-length"}
"""What the rewrite replaces; other headers (a 405's Allow) stay."""


class PlainErrorsAsJson:
    """Strawberry answers a request it cannot parse (bad JSON, a non-object body) with
    text/plain; clients get the same JSON error shape as everywhere else."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        chunks: list[bytes] = []

        async def rewrite(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if message["status"] >= 400 and content_type.startswith(b"text/plain"):
                    held = message
                    return
            elif held is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                status = held["status"]
                text = b"".join(chunks).decode(errors="replace")
                body = envelope.error_bytes_for(scope, envelope.code_for(status), plain_words(text))
                await send(
                    {
                        **held,
                        "headers": [
                            *((name, value) for name, value in held.get("headers", []) if name not in REPLACED),
                            *envelope.error_headers_for(scope, body),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, rewrite)
