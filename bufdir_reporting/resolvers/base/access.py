"""Who may read and who may change what: every use case asks here, for GraphQL, REST and
subscriptions alike.

- **Read** an organisation's data: its own users and the users of any organisation above it in
  the organisation tree (an umbrella organisation reads its branches), Bufdir's reviewers (all
  organisations, or the subtrees their token names: a regional office) and admins.
- **Write** it (activities, aggregations, manual values, reports, submissions): its own users
  and admins. Read and write are separate checks so that a role that reads every organisation
  but changes nothing (Bufdir's reviewers) is one line here, not a change in every use case.
  A reviewer's organisations are its review scope (a regional office's subtree), never a claim
  to write for them: a reviewer token scoped with ``--org`` wrote values, triggered
  aggregations, generated and submitted reports as the organisation, then approved its own
  submission (#31 review, finding 1). ``writes`` is the one place that says whose data a token
  changes.
- **Review** a submission (start, approve, return), comment on and mark its values: admins, and
  reviewers where they read; a person's roles are per organisation, so a coordinator of one
  organisation who reviews another reviews only the other (``can_review``).
- **Administer** (structure, reopening, the audit log): admins.

Before any of these, each operation declares the permission it needs (``schema.permissions``,
``rest.permissions``) and ``require_permission`` refuses a token whose scopes (Maskinporten) or
roles do not grant it, naming the scope or role that would. The checks below ask the permission
again, so an operation declared too lightly still cannot write with a read-only token.

Two ways to be refused, and neither names an owner:

- A request that *names* an organisation (``org_id=…``, ``organizationId: …``) is judged on the
  token's claims alone: FORBIDDEN, the same whether that organisation exists or not.
- An object reached by its own id (a snapshot, report record, activity) that belongs to another
  organisation answers exactly like a missing one: NOT_FOUND with the same message and details,
  so ids cannot be probed for who owns what.

Anonymous callers get UNAUTHENTICATED before anything is looked up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from ...auth import ADMIN, READ, REVIEW, WRITE, Principal
from ...config import Settings
from ...digdir import MASKINPORTEN
from ...errors import ADMIN_REQUIRED, REVIEWER_REQUIRED, TOKEN_REQUIRED, Forbidden, NotFound, ObjectWriteDenied, Unauthenticated

if TYPE_CHECKING:
    from .context import Context

Row = TypeVar("Row", bound="Owned")
R = TypeVar("R", bound="OwnedByMany")
M = TypeVar("M", bound=Model)


def reads_all(principal: Principal) -> bool:
    """Admins, and reviewers whose token names no organisation, read every organisation."""
    return principal.is_admin or (principal.is_reviewer and not principal.organizations)


def can_read(principal: Principal, organization_id: str) -> bool:
    return principal.grants(READ) and (
        reads_all(principal) or organization_id in principal.organizations or organization_id in principal.below
    )


def writes_for(principal: Principal) -> frozenset[str]:
    """The organisations whose data it changes as their coordinator (an admin: any). A reviewer's
    organisations are what it reads and reviews, nothing more: a service token's when it carries
    the reviewer role (#31 review: such a token set values, aggregated, generated and submitted
    reports as the organisation), a person's where they are assigned as its reviewer."""
    if not principal.grants(WRITE) or (principal.permissions is None and principal.is_reviewer):
        return frozenset()
    return principal.organizations - principal.review_only


def can_write(principal: Principal, organization_id: str) -> bool:
    return principal.grants(WRITE) and (principal.is_admin or organization_id in writes_for(principal))


def require_permission(
    principal: Principal, needs: str | tuple[str, ...] | None, settings: Settings, *, doing: str | None = None
) -> None:
    """An operation that needs a permission (several: any one of them; None: nothing beyond what
    its use case checks). Anonymous callers are left to the use case (UNAUTHENTICATED). ``doing``:
    the message saying what the operation is, where a missing reviewer role is refused (as
    ``require_review``'s)."""
    wanted = (needs,) if isinstance(needs, str) else needs or ()
    if not wanted or not principal.is_authenticated or any(principal.grants(p) for p in wanted):
        return
    claimed = principal.claimed
    if claimed is not None and claimed.provider == MASKINPORTEN:
        scopes = sorted(scope for scope, grants in settings.maskinporten_scopes.items() if set(wanted) & set(grants))
        raise Forbidden(
            details={"reason": "missing_scope", "permission": " or ".join(wanted), "scopes": scopes},
            message_id="base.access.needs_permission_scope_grants",
            values={
                "wanted": " or ".join(wanted),
                "value": " or ".join(scopes) or "(none configured)",
                "value2": " ".join(claimed.scopes) or "none",
            },
        )
    details = {"reason": "missing_role", "permission": " or ".join(wanted)}
    if wanted == (ADMIN,):
        raise Forbidden(ADMIN_REQUIRED, details=details)
    if wanted == (REVIEW,):
        raise Forbidden(details=details, message_id=doing) if doing else Forbidden(REVIEWER_REQUIRED, details=details)
    roles = " or ".join(ROLE_GRANTING[p] for p in wanted)
    raise Forbidden(
        details=details, message_id="base.access.missing_role", values={"permission": " or ".join(wanted), "roles": roles}
    )


ROLE_GRANTING = {READ: "coordinator or reviewer", WRITE: "coordinator", REVIEW: "reviewer", ADMIN: "admin"}


def require_authenticated(ctx: Context) -> None:
    if not ctx.principal.is_authenticated:
        raise Unauthenticated(TOKEN_REQUIRED)


def require_admin(ctx: Context) -> None:
    require_authenticated(ctx)
    if not (ctx.principal.is_admin and ctx.principal.grants(ADMIN)):
        raise Forbidden(ADMIN_REQUIRED)


def require_review(ctx: Context, *, doing: str | None = None) -> None:
    """``doing``: the message saying what the caller tried needs the role ("Accepting an
    explanation needs…"); a coordinator accepting one was told "Reviewing submissions needs…",
    which is not what they did (outside review). Without it, the general words."""
    require_authenticated(ctx)
    if not ((ctx.principal.is_reviewer or ctx.principal.is_admin) and ctx.principal.grants(REVIEW)):
        raise Forbidden(message_id=doing) if doing else Forbidden(REVIEWER_REQUIRED)


def can_review(principal: Principal, organization_id: str) -> bool:
    """Reviews the organisation's submissions and values: an admin any; a reviewer where it reads,
    or, with roles per organisation (a person), where it holds the reviewer role (and below)."""
    if not principal.grants(REVIEW):
        return False
    if principal.is_admin:
        return True
    if not principal.is_reviewer:
        return False
    if principal.reviews is not None:
        return organization_id in principal.reviews
    return can_read(principal, organization_id)


def require_review_of(ctx: Context, organization_id: str) -> None:
    """The caller reviews something of ``organization_id`` it may read (checked before)."""
    require_review(ctx)
    if not can_review(ctx.principal, organization_id):
        raise Forbidden(
            "Your token does not allow reviewing this organisation's reports: you are not its reviewer",
            message_id="error.org_review_denied",
            details={"reason": "not_its_reviewer"},
        )


def require_read(ctx: Context, organization_id: str) -> None:
    """The caller named ``organization_id`` and wants to read its data."""
    require_authenticated(ctx)
    if not can_read(ctx.principal, organization_id):
        raise Forbidden("Your token does not allow reading this organisation's data", message_id="error.org_read_denied")


def require_write(ctx: Context, organization_id: str) -> None:
    """The caller named ``organization_id`` and wants to change its data."""
    require_authenticated(ctx)
    if not can_write(ctx.principal, organization_id):
        raise Forbidden("Your token does not allow changing this organisation's data", message_id="error.org_write_denied")


class Owned(Protocol):
    """Anything an organisation owns: every organisation-scoped row has this column."""

    organization_id: str


def readable(ctx: Context, row: Row | None, *, kind: str, key: object) -> Row:
    """``row`` if the caller may read it; NOT_FOUND alike for a missing row and another's."""
    require_authenticated(ctx)
    if row is None or not can_read(ctx.principal, row.organization_id):
        raise NotFound(kind, key)
    return row


def writable(ctx: Context, row: Row | None, *, kind: str, key: object) -> Row:
    """``row`` if the caller may change it. One the caller may see but not change is FORBIDDEN
    (its existence is no secret to them); one it may not see is NOT_FOUND, as a missing one."""
    found = readable(ctx, row, kind=kind, key=key)
    if not can_write(ctx.principal, found.organization_id):
        raise ObjectWriteDenied(kind)
    return found


class OwnedByMany(Protocol):
    """A row that holds data of several organisations (an uploaded file of activities)."""

    organization_ids: list[str]


def readable_by_all(ctx: Context, row: R | None, *, kind: str, key: object) -> R:
    """``row`` if the caller may read the data of every organisation it holds; NOT_FOUND alike
    for a missing row and another's. A row that names no organisation is for those who read
    every organisation."""
    require_authenticated(ctx)
    readable = ctx.principal.organizations | ctx.principal.below
    if row is None or not ctx.principal.grants(READ) or not (reads_all(ctx.principal) or _all(row.organization_ids, readable)):
        raise NotFound(kind, key)
    return row


def writable_by_all(ctx: Context, row: R | None, *, kind: str, key: object) -> R:
    """``row`` if the caller may change the data of every organisation it holds (FORBIDDEN for
    one it may only read, NOT_FOUND for one it may not see)."""
    found = readable_by_all(ctx, row, kind=kind, key=key)
    if not ctx.principal.grants(WRITE) or not (ctx.principal.is_admin or _all(found.organization_ids, writes_for(ctx.principal))):
        raise ObjectWriteDenied(kind)
    return found


def _all(organization_ids: list[str], held: frozenset[str]) -> bool:
    """Every one of ``organization_ids`` (at least one) is in ``held``."""
    return bool(organization_ids) and held.issuperset(organization_ids)


def readable_rows(ctx: Context, query: QuerySet[M], organization_id: str | None) -> QuerySet[M]:
    """Organisation-scoped rows the caller may list: of one named organisation (checked), or else
    of every organisation the caller reads (all of them, for an admin)."""
    require_authenticated(ctx)
    if organization_id is not None:
        require_read(ctx, organization_id)
        return query.filter(organization_id=organization_id)
    if not ctx.principal.grants(READ):
        return query.filter(organization_id__in=[])
    if reads_all(ctx.principal):
        return query
    return query.filter(organization_id__in=sorted(ctx.principal.organizations | ctx.principal.below))
