"""An identity provider's signing keys: its JWKS (a URL or a file) read by the token's ``kid``, a
new key picked up when the provider rotates, and a provider that could not be read lately refused
at once (``unreachable``)."""

from __future__ import annotations

import logging
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt

from ..errors import Unauthenticated

GET_A_NEW_TOKEN = "Send a token this service issued or trusts as 'Authorization: Bearer <token>'."
""""What to do", ending every token refusal's message."""

log = logging.getLogger(__name__)

_jwks_clients: dict[str, jwt.PyJWKClient] = {}


def jwks_key(*, url: str | None, file: Path | None, refresh_seconds: float, kid: str | None, algorithm: str) -> Any:
    """An identity provider's key for ``kid``, if it is a key of the token's ``algorithm``; a
    file is re-read when it changes, a URL is fetched again when it does not know the kid (key
    rotation)."""
    return _of_algorithm(_key_by_id(url=url, file=file, refresh_seconds=refresh_seconds, kid=kid), kid, algorithm)


def _of_algorithm(key: Any, kid: str | None, algorithm: str) -> Any:
    """``key`` if the token's ``algorithm`` can verify with it. The header names both, so anyone
    may pair an RSA key's kid with ES256 (or a P-384 key with ES256): PyJWT then raised TypeError
    ("Expecting a PEM-formatted key") or InvalidKeyError, neither a token error, and every such
    token was a 500 (attacker's review: Maskinporten's published kid with alg ES256)."""
    try:
        jwt.get_algorithm_by_name(algorithm).prepare_key(key)
    except (TypeError, ValueError, NotImplementedError, jwt.InvalidKeyError):
        raise Unauthenticated(
            details={"reason": "algorithm"},
            message_id="access.auth.key_of_another_algorithm",
            values={"algorithm": algorithm, "kid": kid, "GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
        ) from None
    return key


def _key_by_id(*, url: str | None, file: Path | None, refresh_seconds: float, kid: str | None) -> Any:
    if kid is None:
        raise Unauthenticated(
            details={"reason": "no_key_id"},
            message_id="access.auth.bearer_token_names_signing",
            values={"GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
        )
    if file is not None:
        keys = _jwks_from_file(str(file), file.stat().st_mtime_ns)
        for key in keys.keys:
            if key.key_id == kid:
                return key.key
        raise Unauthenticated(
            details={"reason": "unknown_key"},
            message_id="access.auth.bearer_token_s_key",
            values={"kid": kid, "GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
        )
    assert url is not None
    if unreachable.recently(url, refresh_seconds):
        raise key_set_unreadable()
    client = _jwks_clients.get(url)
    if client is None:
        client = _jwks_clients[url] = jwt.PyJWKClient(
            url, lifespan=300, cooldown_duration=refresh_seconds, timeout=KEY_SET_TIMEOUT
        )
    try:
        return client.get_signing_key(kid).key
    except jwt.PyJWKClientConnectionError as exc:
        unreachable.failed(url)
        log.warning("the identity provider's key set at %s cannot be read: %s", url, exc)
        raise key_set_unreadable() from None
    except jwt.PyJWKClientError as exc:
        log.warning("key %r from the identity provider's key set at %s cannot be used: %s", kid, url, exc)
        raise Unauthenticated(
            details={"reason": "unknown_key"},
            message_id="access.auth.bearer_token_s_key_2",
            values={"kid": kid, "GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
        ) from None


KEY_SET_TIMEOUT = 10.0
"""Seconds an identity provider's key set or metadata may take to answer (PyJWT's own is 30)."""


class Unreachable:
    """Identity providers' documents (key sets, metadata) that could not be read lately, by URL.
    A failed read was tried again by every request with a token naming that provider, each
    waiting up to the timeout (attacker's review: while Digdir is unreachable, any caller who
    writes Maskinporten's issuer into an unsigned token held a request that long per try). For
    ``refresh_seconds`` after a failure such a token is refused at once."""

    def __init__(self) -> None:
        self._failed: dict[str, float] = {}

    def recently(self, url: str, refresh_seconds: float) -> bool:
        failed = self._failed.get(url)
        return failed is not None and time.monotonic() - failed < refresh_seconds

    def failed(self, url: str) -> None:
        self._failed[url] = time.monotonic()


unreachable = Unreachable()


def key_set_unreadable() -> Unauthenticated:
    return Unauthenticated(
        details={"reason": "unknown_key"},
        message_id="access.auth.key_set_unreadable",
        values={"GET_A_NEW_TOKEN": GET_A_NEW_TOKEN},
    )


@lru_cache(maxsize=4)
def _jwks_from_file(path: str, modified: int) -> jwt.PyJWKSet:
    return jwt.PyJWKSet.from_json(Path(path).read_text(encoding="utf-8"))
