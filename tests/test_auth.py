from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from bufdir_reporting.auth import ANONYMOUS, issue_token, principal_from_authorization
from bufdir_reporting.config import Settings
from bufdir_reporting.errors import Forbidden, Unauthenticated


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(var_dir=tmp_path, token_secret="x" * 40)


def bearer(token: str) -> str:
    return f"Bearer {token}"


def test_a_token_round_trips_to_its_principal(settings):
    token = issue_token(settings, subject="kari", organizations=["org-1042", "org-2077"])
    principal = principal_from_authorization(settings, bearer(token))
    assert principal.subject == "kari"
    assert principal.organizations == {"org-1042", "org-2077"}
    assert not principal.is_admin
    principal.require_organization("org-1042")
    with pytest.raises(Forbidden):
        principal.require_organization("org-3310")
    with pytest.raises(Forbidden):
        principal.require_admin()


def test_an_admin_may_act_for_any_organisation(settings):
    principal = principal_from_authorization(settings, bearer(issue_token(settings, subject="a", admin=True)))
    principal.require_admin()
    principal.require_organization("org-anything")


def test_no_header_is_anonymous_and_anonymous_is_refused_org_data(settings):
    assert principal_from_authorization(settings, None) is ANONYMOUS
    with pytest.raises(Unauthenticated):
        ANONYMOUS.require_organization("org-1042")


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
    token = jwt.encode(claims(settings), None, algorithm="none")
    with pytest.raises(Unauthenticated):
        principal_from_authorization(settings, bearer(token))


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer   ", "token"])
def test_a_malformed_header_is_unauthenticated(settings, header):
    with pytest.raises(Unauthenticated):
        principal_from_authorization(settings, header)
