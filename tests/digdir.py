"""Maskinporten and ID-porten as the tests meet them: tokens with the claims and headers Digdir
documents, signed with local RSA keys that a local HTTP server serves as a JWKS (Maskinporten's
found through its well-known metadata, ID-porten's by its JWKS URL), keys rotated by kid."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

MASKINPORTEN_ISSUER = "https://test.maskinporten.no/"
IDPORTEN_ISSUER = "https://test.idporten.no"
RESOURCE = "https://rapportering.bufdir.no/api"
READ_SCOPE, WRITE_SCOPE, ADMIN_SCOPE = "bufdir:rapportering.read", "bufdir:rapportering.write", "bufdir:rapportering.admin"
OSLO = "974778742"
"""org-1042's organisation number, as in the demo."""
VENDOR = "912345674"
PID = "24079409630"
"""A synthetic national identity number (Norway's test numbers look like this)."""


Answer = Callable[[str], tuple[int, Any]]
"""A site's answer to a GET of a path below its own: a status and a JSON body (None for none)."""


class _Host:
    """One HTTP server per process for every site a test serves (a Digdir, a provider that
    fails), each under a path of its own. A server per test cost its ``shutdown()``: 0.5 s each,
    ``serve_forever``'s poll interval, 23 s of tests/test_digdir.py's 28 s of wall over 43
    tests (profile of 2026-12-05). A site's own path keeps what the app remembers per URL (a
    provider's metadata, ``digdir._jwks_uri``) apart between tests, as a port of its own did."""

    def __init__(self) -> None:
        self.sites: dict[str, Answer] = {}
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site, _, rest = self.path.lstrip("/").partition("/")
                answer = host.sites.get(site)
                status, body = answer("/" + rest) if answer is not None else (404, None)
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True, name="digdir-host").start()
        self.address = f"http://127.0.0.1:{self.server.server_address[1]}"


_HOST: list[_Host] = []
_HOST_LOCK = threading.Lock()


@contextmanager
def served(answer: Answer) -> Iterator[str]:
    """``answer`` served under a path of its own on the process's host: its base URL."""
    with _HOST_LOCK:
        if not _HOST:
            _HOST.append(_Host())
    host = _HOST[0]
    site = secrets.token_hex(8)
    host.sites[site] = answer
    try:
        yield f"{host.address}/{site}"
    finally:
        del host.sites[site]


@cache
def _signing_key(number: int) -> rsa.RSAPrivateKey:
    """The process's ``number``-th RSA key: a 2048-bit key costs 0.05-0.3 s of CPU to make, and
    every Digdir (one per test) made one; each serves them under kids of its own."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Digdir:
    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}
        self._made = 0
        self.rotate()
        self.base = ""
        """Set while served (``served_digdir``)."""
        self.fetches = 0

    def rotate(self, *, keep_old: bool = True) -> str:
        """A new signing key, served from now on (beside the old one unless told)."""
        kid = f"key-{secrets.token_hex(4)}"
        if not keep_old:
            self.keys.clear()
        self.keys[kid] = _signing_key(self._made)
        self._made += 1
        self.kid = kid
        return kid

    def jwks(self) -> dict[str, Any]:
        found = []
        for kid, key in self.keys.items():
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            found.append({**public, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": found}

    def answer(self, path: str) -> tuple[int, Any]:
        if path.endswith("/.well-known/oauth-authorization-server"):
            return 200, {"issuer": MASKINPORTEN_ISSUER, "jwks_uri": f"{self.base}/maskinporten/jwk"}
        if path.endswith("/jwk"):
            self.fetches += 1
            return 200, self.jwks()
        return 404, None

    def sign(self, claims: dict[str, Any], *, kid: str | None = None) -> dict[str, str]:
        kid = kid or self.kid
        token = jwt.encode(claims, self.keys[kid], algorithm="RS256", headers={"kid": kid})
        return {"Authorization": f"Bearer {token}"}

    def maskinporten(
        self,
        *scopes: str,
        consumer: str = OSLO,
        supplier: str | None = None,
        delegated: bool = False,
        aud: str | None = RESOURCE,
        iss: str = MASKINPORTEN_ISSUER,
        ttl: int = 120,
        kid: str | None = None,
    ) -> dict[str, str]:
        """A Maskinporten access token, its claims as Digdir's documentation shows them."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": iss,
            "client_amr": "private_key_jwt",
            "token_type": "Bearer",
            "scope": " ".join(scopes or (READ_SCOPE,)),
            "client_id": "0b3ec6a4-5bd3-4d39-9e5c-0d5e5e2c6b1a",
            "consumer": {"authority": "iso6523-actorid-upis", "ID": f"0192:{consumer}"},
            "iat": now - 5,
            "exp": now + ttl,
            "jti": secrets.token_urlsafe(16),
        }
        if aud is not None:
            claims["aud"] = aud
        if supplier is not None:
            claims["supplier"] = {"authority": "iso6523-actorid-upis", "ID": f"0192:{supplier}"}
            if delegated:
                claims["delegation_source"] = "https://www.altinn.no/"
        return self.sign(claims, kid=kid)

    def idporten(
        self, *, pid: str = PID, acr: str = "idporten-loa-substantial", scope: str = "openid profile", ttl: int = 120
    ) -> dict[str, str]:
        """An ID-porten access token (self-contained), as Digdir documents it."""
        now = int(time.time())
        return self.sign(
            {
                "iss": IDPORTEN_ISSUER,
                "sub": "pairwise-" + secrets.token_hex(8),
                "pid": pid,
                "acr": acr,
                "amr": ["BankID"],
                "scope": scope,
                "client_id": "bufdir-rapportering-web",
                "client_amr": "private_key_jwt",
                "aud": "unspecified",
                "iat": now - 5,
                "exp": now + ttl,
                "jti": secrets.token_urlsafe(16),
            }
        )


@contextmanager
def served_digdir() -> Iterator[Digdir]:
    digdir = Digdir()
    with served(digdir.answer) as digdir.base:
        yield digdir
