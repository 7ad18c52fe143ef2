"""The audit log in the graph, for admins."""

from __future__ import annotations

import datetime

import strawberry
from strawberry.scalars import JSON

from .. import models
from ..resolvers.base import audit
from .context import Info
from .node import public_key_or_none
from .pagination import CountedConnection, resolve_connection


@strawberry.type(name="AuditEntry", description="One write: who, when, what, before and after.")
class AuditEntryType:
    id: strawberry.ID
    at: datetime.datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    organization_id: str | None
    before: JSON | None
    after: JSON | None

    @classmethod
    def is_type_of(cls, obj: object, info: object) -> bool:
        return isinstance(obj, (cls, models.AuditEntry))


@strawberry.type
class AuditQuery:
    @strawberry.field(description="The audit log, newest first (admin).")
    async def audit_log(
        self,
        info: Info,
        organization_id: strawberry.ID | None = None,
        entity_type: str | None = None,
        entity_id: str | None = None,
        action: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> CountedConnection[AuditEntryType]:
        return await resolve_connection(
            CountedConnection[AuditEntryType],
            info,
            lambda window: audit.list_(
                info.context,
                window=window,
                organization_id=public_key_or_none("Organization", organization_id),
                entity_type=entity_type,
                entity_id=entity_id,
                action=action,
            ),
            first=first,
            after=after,
            last=None,
            before=None,
        )
