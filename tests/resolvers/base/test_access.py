"""The access rules, without a database: who reads, who writes, and how a refusal looks.

Async only because a Context makes its loaders, which bind the running loop."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from pydantic import SecretStr

from bufdir_reporting.auth import ANONYMOUS, Principal
from bufdir_reporting.config import Settings
from bufdir_reporting.errors import Forbidden, NotFound, Unauthenticated
from bufdir_reporting.resolvers.base import access
from bufdir_reporting.resolvers.base.context import Context

OWN = Principal("kari", frozenset({"org-1042"}))
ADMIN = Principal("admin", roles=frozenset({"admin"}))


@dataclass
class Row:
    organization_id: str


def ctx(principal: Principal) -> Context:
    return Context(settings=Settings(token_secret=SecretStr("x" * 40)), principal=principal)


async def test_an_organisation_reads_and_writes_its_own_data_and_an_admin_every_organisations():
    for principal, organization_id in ((OWN, "org-1042"), (ADMIN, "org-1042"), (ADMIN, "org-9999")):
        access.require_read(ctx(principal), organization_id)
        access.require_write(ctx(principal), organization_id)
    with pytest.raises(Forbidden):
        access.require_admin(ctx(OWN))


async def test_naming_another_organisation_is_forbidden_without_naming_it():
    for check in (access.require_read, access.require_write):
        with pytest.raises(Forbidden) as refused:
            check(ctx(OWN), "org-2077")
        assert "org-2077" not in refused.value.message and refused.value.details == {}


async def test_another_organisations_object_answers_exactly_as_a_missing_one():
    with pytest.raises(NotFound) as missing:
        access.readable(ctx(OWN), None, kind="snapshot", key="snap-x")
    for check in (access.readable, access.writable):
        with pytest.raises(NotFound) as hidden:
            check(ctx(OWN), Row("org-2077"), kind="snapshot", key="snap-x")
        assert (hidden.value.message, hidden.value.details) == (missing.value.message, missing.value.details)
    assert access.writable(ctx(OWN), Row("org-1042"), kind="snapshot", key="snap-x").organization_id == "org-1042"


async def test_anonymous_is_asked_to_authenticate_before_anything_is_looked_up():
    for call in (
        lambda: access.require_read(ctx(ANONYMOUS), "org-1042"),
        lambda: access.readable(ctx(ANONYMOUS), None, kind="snapshot", key="snap-x"),
        lambda: access.readable(ctx(ANONYMOUS), Row("org-1042"), kind="snapshot", key="snap-x"),
    ):
        with pytest.raises(Unauthenticated):
            call()
