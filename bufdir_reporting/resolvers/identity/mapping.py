"""A national token's principal -> the organisations it acts for, once per request.

- Maskinporten: the consumer's organisation number finds the organisations with that
  ``org_number``. A supplier acting for the consumer is let in only where the consumer's
  delegation is shown by Maskinporten (``delegation_source``) or recorded here
  (``Delegation``). A token with the admin permission needs no organisation.
- ID-porten: the person (by the keyed hash of their identity number) and their assignments;
  an assignment counts only when the token's ``acr`` reaches the level its role asks
  (``BUFDIR_IDPORTEN_MIN_ACR``).

Every refusal is FORBIDDEN with a stable ``details.reason`` and a message naming the mapping
that is missing.
"""

from __future__ import annotations

from dataclasses import replace

from ...auth import ADMIN, READ, REVIEW, REVIEWER, WRITE, Principal
from ...config import Settings
from ...digdir import ACR_LEVELS, MASKINPORTEN
from ...errors import Forbidden
from ...language import Either
from ...models import Delegation, Organization, Person, PersonAssignment, PersonRole

ASK_AN_ADMIN = "Ask Bufdir's administrator of this service to record it."

ROLE_PERMISSIONS = {
    PersonRole.COORDINATOR: frozenset({READ, WRITE}),
    PersonRole.REVIEWER: frozenset({READ, REVIEW}),
    PersonRole.ADMIN: frozenset({READ, WRITE, REVIEW, ADMIN}),
}


def by_number(principal: Principal) -> bool:
    """A Maskinporten token whose organisations are found by its consumer's number alone: no
    supplier whose delegation is to be looked up, and no role (an admin's or a reviewer's
    token without organisations reads all of them, ``access.reads_all``). A compiled read
    (``schema.compiled``) maps it inside its one statement, so the transport may leave it
    unmapped (``dependencies.principal_of``); unmapped, its ``organizations`` are empty (a
    mapped one has some: it is refused otherwise)."""
    claimed = principal.claimed
    if claimed is None or claimed.provider != MASKINPORTEN or principal.roles:
        return False
    return claimed.supplier is None or claimed.delegated


def unmapped_consumer(principal: Principal) -> str | None:
    """The consumer's organisation number of a ``by_number`` token not yet mapped."""
    if by_number(principal) and not principal.organizations:
        assert principal.claimed is not None
        return principal.claimed.consumer
    return None


async def resolve(settings: Settings, principal: Principal) -> Principal:
    claimed = principal.claimed
    if claimed is None:
        return principal
    if claimed.provider == MASKINPORTEN:
        return await _consumer(principal)
    return await _person(settings, principal)


async def _consumer(principal: Principal) -> Principal:
    claimed = principal.claimed
    assert claimed is not None and claimed.consumer is not None
    consumer = f"0192:{claimed.consumer}"
    if claimed.supplier is not None and not claimed.delegated:
        if not await Delegation.exists(supplier_org_number=claimed.supplier, consumer_org_number=claimed.consumer):
            raise Forbidden(
                details={"reason": "no_delegation", "supplier": f"0192:{claimed.supplier}", "consumer": consumer},
                message_id="identity.mapping.token_s_supplier_acts",
                values={"supplier": claimed.supplier, "consumer": consumer, "ASK_AN_ADMIN": ASK_AN_ADMIN},
            )
    organizations = frozenset(
        str(id) for id in await Organization.filter(org_number=claimed.consumer).values_list("id", flat=True)
    )
    if not organizations and not principal.grants(ADMIN):
        raise Forbidden(
            details={"reason": "no_organization", "consumer": consumer},
            message_id="identity.mapping.token_s_consumer_organisation",
            values={"consumer": consumer, "consumer2": claimed.consumer, "ASK_AN_ADMIN": ASK_AN_ADMIN},
        )
    return replace(principal, organizations=organizations)


async def _person(settings: Settings, principal: Principal) -> Principal:
    claimed = principal.claimed
    assert claimed is not None
    wanted = settings.idporten_scope
    if wanted and wanted not in claimed.scopes:
        raise Forbidden(
            details={"reason": "missing_scope", "scopes": [wanted]},
            message_id="identity.mapping.id_porten_token_lacks"
            if claimed.scopes
            else "identity.mapping.id_porten_token_no_scopes",
            values={"wanted": wanted, "value": " ".join(claimed.scopes)},
        )
    person = await Person.get_or_none(pid_hash=claimed.pid_hash)
    assignments = await PersonAssignment.filter(person_id=person.id) if person is not None else []
    if person is None or not assignments:
        raise Forbidden(
            details={"reason": "no_assignment"},
            message_id="identity.mapping.no_assignment",
            values={"ASK_AN_ADMIN": ASK_AN_ADMIN},
        )
    level = ACR_LEVELS.get(claimed.acr or "", 0)
    held = [
        a for a in assignments if level >= ACR_LEVELS[settings.idporten_min_acr.get(a.role.value, "idporten-loa-substantial")]
    ]
    if not held:
        needed = sorted({settings.idporten_min_acr.get(a.role.value, "idporten-loa-substantial") for a in assignments})
        raise Forbidden(
            details={"reason": "acr_too_low", "acr": claimed.acr, "required": needed},
            message_id="identity.mapping.login_s_security_level" if claimed.acr else "identity.mapping.login_states_no_level",
            values={"value": claimed.acr, "needed": Either(needed)},
        )
    coordinates = {a.organization_id for a in held if a.role == PersonRole.COORDINATOR and a.organization_id}
    reviews = {a.organization_id for a in held if a.role == PersonRole.REVIEWER and a.organization_id}
    roles = {REVIEWER} if reviews else set()
    if any(a.role == PersonRole.ADMIN for a in held):
        roles.add(ADMIN)
    return replace(
        principal,
        subject=f"idporten:person-{person.id}",
        organizations=frozenset(coordinates | reviews),
        review_only=frozenset(reviews - coordinates),
        # roles per organisation: a coordinator of one organisation and reviewer of another
        # reviewed both, its organisations being one set (#35 follow-up)
        reviews=frozenset(reviews),
        roles=frozenset(roles),
        permissions=frozenset().union(*(ROLE_PERMISSIONS[a.role] for a in held)),
    )
