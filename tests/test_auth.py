from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from pydantic import SecretStr

from bufdir_reporting.auth import ANONYMOUS, issue_token, principal_from_authorization, principal_from_token
from bufdir_reporting.config import Settings
from bufdir_reporting.digdir import principal_of_header
from bufdir_reporting.errors import Unauthenticated


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(var_dir=tmp_path, token_secret=SecretStr("x" * 40))


def bearer(token: str) -> str:
    return f"Bearer {token}"


def test_a_token_round_trips_to_its_principal(settings):
    token = issue_token(settings, subject="kari", organizations=["org-1042", "org-2077"])
    principal = principal_from_authorization(settings, bearer(token))
    assert principal.subject == "kari"
    assert principal.organizations == {"org-1042", "org-2077"}
    assert not principal.is_admin


def test_an_admin_token_carries_the_admin_role(settings):
    principal = principal_from_authorization(settings, bearer(issue_token(settings, subject="a", admin=True)))
    assert principal.is_admin and principal.organizations == frozenset()


def test_no_header_is_anonymous(settings):
    assert principal_from_authorization(settings, None) is ANONYMOUS
    assert not ANONYMOUS.is_authenticated


def claims(settings: Settings, **changes) -> dict:
    now = datetime.now(UTC)
    base = {
        "sub": "kari",
        "orgs": ["org-1042"],
        "roles": [],
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "nbf": now,
        "exp": now + timedelta(hours=1),
    }
    return {**base, **changes}


@pytest.mark.parametrize(
    "change",
    [
        {"exp": datetime.now(UTC) - timedelta(minutes=5)},
        {"nbf": datetime.now(UTC) + timedelta(hours=1)},
        {"iss": "someone-else"},
        {"aud": "another-api"},
        {"orgs": "org-1042"},
    ],
    ids=["expired", "not-yet-valid", "wrong-issuer", "wrong-audience", "orgs-not-a-list"],
)
def test_a_token_failing_a_check_is_unauthenticated(settings, change):
    token = jwt.encode(claims(settings, **change), settings.signing_secret, algorithm="HS256")
    with pytest.raises(Unauthenticated):
        principal_from_authorization(settings, bearer(token))


def test_a_token_signed_with_another_secret_is_unauthenticated(settings):
    token = jwt.encode(claims(settings), "y" * 40, algorithm="HS256")
    with pytest.raises(Unauthenticated):
        principal_from_authorization(settings, bearer(token))


def test_an_unsigned_token_is_unauthenticated(settings):
    token = jwt.encode(claims(settings), "", algorithm="none")
    with pytest.raises(Unauthenticated):
        principal_from_authorization(settings, bearer(token))


@pytest.mark.parametrize(
    "change",
    [{"exp": "9999999999"}, {"exp": 9999999999, "nbf": "0"}, {"exp": 9999999999, "iat": True}, {"exp": [9999999999]}],
    ids=["exp-a-numeric-string", "nbf-a-string", "iat-a-boolean", "exp-a-list"],
)
def test_a_time_claim_that_is_not_a_number_is_a_malformed_token(settings, change):
    """PyJWT reads ``int(claim)``: a string expiry far in the future passed as valid."""
    token = jwt.encode(claims(settings, **change), settings.signing_secret, algorithm="HS256")
    with pytest.raises(Unauthenticated) as refused:
        principal_from_authorization(settings, bearer(token))
    assert refused.value.details == {"reason": "malformed"}


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer   ", "token"])
def test_a_malformed_header_is_unauthenticated(settings, header):
    with pytest.raises(Unauthenticated):
        principal_from_authorization(settings, header)


# --- RS256 / ES256 against a JWKS -------------------------------------------------------------

import json  # noqa: E402

from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402
from jwt.algorithms import ECAlgorithm, RSAAlgorithm  # noqa: E402

from .digdir import served  # noqa: E402


def jwk(private, kid: str) -> dict:
    algorithm = RSAAlgorithm if isinstance(private, rsa.RSAPrivateKey) else ECAlgorithm
    public = json.loads(algorithm.to_jwk(private.public_key()))
    return {**public, "kid": kid, "use": "sig", "alg": "RS256" if algorithm is RSAAlgorithm else "ES256"}


def signed(settings: Settings, private, kid: str, **changes) -> str:
    algorithm = "RS256" if isinstance(private, rsa.RSAPrivateKey) else "ES256"
    return jwt.encode(claims(settings, **changes), private, algorithm=algorithm, headers={"kid": kid})


RSA_1 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_2 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_1 = ec.generate_private_key(ec.SECP256R1())


def test_provider_tokens_verify_against_a_jwks_file_and_follow_rotation(tmp_path):
    keys = tmp_path / "jwks.json"
    keys.write_text(json.dumps({"keys": [jwk(RSA_1, "rsa-1"), jwk(EC_1, "ec-1")]}))
    settings = Settings(var_dir=tmp_path, token_secret=SecretStr("x" * 40), token_jwks_file=keys)
    assert principal_from_authorization(settings, bearer(signed(settings, RSA_1, "rsa-1"))).subject == "kari"
    assert principal_from_authorization(settings, bearer(signed(settings, EC_1, "ec-1"))).organizations == {"org-1042"}
    with pytest.raises(Unauthenticated):
        principal_from_authorization(settings, bearer(signed(settings, RSA_2, "rsa-1")))  # wrong key under that kid
    with pytest.raises(Unauthenticated):
        principal_from_authorization(settings, bearer(signed(settings, RSA_1, "rsa-1", aud="someone-else")))

    keys.write_text(json.dumps({"keys": [jwk(RSA_2, "rsa-2")]}))
    import os

    os.utime(keys, ns=(keys.stat().st_mtime_ns + 1_000_000, keys.stat().st_mtime_ns + 1_000_000))
    assert principal_from_authorization(settings, bearer(signed(settings, RSA_2, "rsa-2"))).subject == "kari"
    with pytest.raises(Unauthenticated):
        principal_from_authorization(settings, bearer(signed(settings, RSA_1, "rsa-1")))


def test_a_token_naming_a_key_of_another_algorithm_is_refused_as_a_token(tmp_path):
    """RS256 naming an EC key, ES256 naming an RSA key or a P-384 one: PyJWT raised TypeError
    or InvalidKeyError, no token error, and the request was a 500 (attacker's review)."""
    ec_384 = ec.generate_private_key(ec.SECP384R1())
    keys = tmp_path / "jwks.json"
    keys.write_text(json.dumps({"keys": [jwk(RSA_1, "rsa-1"), jwk(EC_1, "ec-1"), {**jwk(ec_384, "ec-384"), "alg": "ES384"}]}))
    settings = Settings(var_dir=tmp_path, token_secret=SecretStr("x" * 40), token_jwks_file=keys)
    for private, kid in ((RSA_1, "ec-1"), (EC_1, "rsa-1"), (EC_1, "ec-384")):
        with pytest.raises(Unauthenticated) as refused:
            principal_from_authorization(settings, bearer(signed(settings, private, kid)))
        assert refused.value.details["reason"] == "algorithm", kid


def test_provider_tokens_verify_against_a_jwks_url_and_refetch_for_a_new_kid(tmp_path):
    published = {"keys": [jwk(RSA_1, "rsa-1")]}
    # on the tests' one key host (tests/digdir.py): a server of its own cost 0.5 s to shut down
    with served(lambda path: (200, published)) as base:
        url = f"{base}/jwks.json"
        settings = Settings(var_dir=tmp_path, token_secret=SecretStr("x" * 40), token_jwks_url=url, token_jwks_refresh_seconds=0)
        assert principal_from_authorization(settings, bearer(signed(settings, RSA_1, "rsa-1"))).subject == "kari"
        published["keys"].append(jwk(RSA_2, "rsa-2"))
        assert principal_from_authorization(settings, bearer(signed(settings, RSA_2, "rsa-2"))).subject == "kari"
        with pytest.raises(Unauthenticated):
            principal_from_authorization(settings, bearer(signed(settings, EC_1, "nobody")))


def test_asymmetric_tokens_are_refused_without_a_configured_key_set(settings):
    with pytest.raises(Unauthenticated):
        principal_from_authorization(settings, bearer(signed(settings, RSA_1, "rsa-1")))


def test_a_verified_token_is_remembered_only_while_it_is_valid_and_only_for_its_secret(settings):
    """Verified tokens are remembered (a client sends the same one with every request), but an
    expired one is refused as expired, and one remembered under this secret is refused by a
    service with another."""
    token = issue_token(settings, subject="kari", organizations=["org-1042"], ttl=timedelta(seconds=1))
    assert principal_from_token(settings, token).subject == "kari"
    assert principal_from_token(settings, token).subject == "kari"  # now from memory
    other = settings.model_copy(update={"token_secret": SecretStr("o" * 40)})
    other.__dict__.pop("signing_secret", None)
    with pytest.raises(Unauthenticated) as refused:
        principal_from_token(other, token)
    assert refused.value.details["reason"] == "bad_signature"
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    while time.time() < expires:  # to the second it expires, not a fixed second and more
        time.sleep(expires - time.time())
    with pytest.raises(Unauthenticated) as expired:
        principal_from_token(settings, token)
    assert expired.value.details["reason"] == "expired"


async def test_a_remembered_token_is_taken_on_a_request_without_decoding_it_again(settings, monkeypatch):
    """A request's token already verified is answered from memory: its header was decoded on
    every request before the memory was asked (a twelfth of a dashboard's CPU, bench S11). A
    token not remembered (another, or this one under another secret) is still decoded and
    verified."""
    token = issue_token(settings, subject="kari", organizations=["org-1042"])
    assert (await principal_of_header(settings, bearer(token))).subject == "kari"

    def decoded(*_: object, **__: object) -> None:
        raise AssertionError("a remembered token was decoded again")

    monkeypatch.setattr(jwt, "get_unverified_header", decoded)
    monkeypatch.setattr(jwt, "decode", decoded)
    assert (await principal_of_header(settings, bearer(token))).organizations == {"org-1042"}
    other = settings.model_copy(update={"token_secret": SecretStr("o" * 40)})
    other.__dict__.pop("signing_secret", None)
    with pytest.raises(AssertionError, match="decoded again"):
        await principal_of_header(other, bearer(token))
