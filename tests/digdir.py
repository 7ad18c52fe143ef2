"""Maskinporten and ID-porten as the tests meet them: tokens with the claims and headers Digdir
documents, signed with local RSA keys that a local HTTP server serves as a JWKS (Maskinporten's
found through its well-known metadata, ID-porten's by its JWKS URL), keys rotated by kid."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


class Digdir:
    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}
        self.rotate()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.fetches = 0

    def rotate(self, *, keep_old: bool = True) -> str:
        """A new signing key, served from now on (beside the old one unless told)."""
        kid = f"key-{secrets.token_hex(4)}"
        if not keep_old:
            self.keys.clear()
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = kid
        return kid

    def jwks(self) -> dict[str, Any]:
        found = []
        for kid, key in self.keys.items():
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            found.append({**public, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": found}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        digdir = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.endswith("/.well-known/oauth-authorization-server"):
                    body = {"issuer": MASKINPORTEN_ISSUER, "jwks_uri": f"{digdir.base}/maskinporten/jwk"}
                elif self.path.endswith("/jwk"):
                    digdir.fetches += 1
                    body = digdir.jwks()
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

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
    digdir.thread.start()
    try:
        yield digdir
    finally:
        digdir.server.shutdown()
        digdir.server.server_close()
