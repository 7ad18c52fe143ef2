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
from ...models import Delegation, Organization, Person, PersonAssignment, PersonRole

ASK_AN_ADMIN = "Ask Bufdir's administrator of this service to record it."

ROLE_PERMISSIONS = {
    PersonRole.COORDINATOR: frozenset({READ, WRITE}),
    PersonRole.REVIEWER: frozenset({READ, REVIEW}),
    PersonRole.ADMIN: frozenset({READ, WRITE, REVIEW, ADMIN}),
}


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
                f"The token's supplier 0192:{claimed.supplier} acts for the consumer {consumer}, but neither Maskinporten "
                f"shows that delegation nor is it recorded here. {ASK_AN_ADMIN}",
                details={"reason": "no_delegation", "supplier": f"0192:{claimed.supplier}", "consumer": consumer},
            )
    organizations = frozenset(
        str(id) for id in await Organization.filter(org_number=claimed.consumer).values_list("id", flat=True)
    )
    if not organizations and not principal.grants(ADMIN):
        raise Forbidden(
            f"The token's consumer {consumer} is no organisation of this service: no organisation has the "
            f"organisation number {claimed.consumer}. {ASK_AN_ADMIN}",
            details={"reason": "no_organization", "consumer": consumer},
        )
    return replace(principal, organizations=organizations)


async def _person(settings: Settings, principal: Principal) -> Principal:
    claimed = principal.claimed
    assert claimed is not None
    wanted = settings.idporten_scope
    if wanted and wanted not in claimed.scopes:
        raise Forbidden(
            f"The ID-porten token lacks the scope {wanted}; its scopes are: {' '.join(claimed.scopes) or 'none'}. "
            "Log in again through a client that asks for it.",
            details={"reason": "missing_scope", "scopes": [wanted]},
        )
    person = await Person.get_or_none(pid_hash=claimed.pid_hash)
    assignments = await PersonAssignment.filter(person_id=person.id) if person is not None else []
    if person is None or not assignments:
        raise Forbidden(
            "This person is assigned to no organisation in this service. " + ASK_AN_ADMIN,
            details={"reason": "no_assignment"},
        )
    level = ACR_LEVELS.get(claimed.acr or "", 0)
    held = [
        a for a in assignments if level >= ACR_LEVELS[settings.idporten_min_acr.get(a.role.value, "idporten-loa-substantial")]
    ]
    if not held:
        needed = sorted({settings.idporten_min_acr.get(a.role.value, "idporten-loa-substantial") for a in assignments})
        raise Forbidden(
            f"The login's security level ({claimed.acr or 'none'}) is below what this person's roles need "
            f"({' or '.join(needed)}): log in again with ID-porten at that level.",
            details={"reason": "acr_too_low", "acr": claimed.acr, "required": needed},
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
