"""Relay ``Node`` support for types whose instances are model rows, not copies.

Fields resolve straight off the Tortoise row, or the plain row a read gives with the same
column names (plain attribute access is the cheapest resolver there is); ``is_type_of`` tells
GraphQL which type a row is, and ``fetch`` loads one node through the same use case as the
type's root query, so ``node(id)`` checks permissions too.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterable
from typing import Annotated, Any, ClassVar, TypeVar, cast

import strawberry
from strawberry import relay
from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import AsyncExtensionResolver, SyncExtensionResolver
from strawberry.relay import GlobalIDValueError
from strawberry.types.cast import cast as strawberry_cast

from ..errors import DomainError, InvalidInput, NotFound
from .context import Info

N = TypeVar("N")


def node_of(node_type: type[N], row: object) -> N:
    """A model row served where the schema declares its node type.

    Rows are not copied into node objects: ``ModelNode.is_type_of`` recognises them and fields
    read their attributes (bench S1). This tells the type checker what GraphQL already knows.
    A node type of another schema module is named as a string instead, ``cast("SnapshotNode",
    row)``, as the lazy annotations name it: the types refer to each other, and importing them
    at run time would make the modules a cycle (the import contract refuses it).
    """
    return cast(N, row)


def node_or_none(node_type: type[N], row: object | None) -> N | None:
    return None if row is None else node_of(node_type, row)


def nodes_of(node_type: type[N], rows: Iterable[object]) -> list[N]:
    return cast(list[N], list(rows))


class ModelNode(relay.Node):
    model: ClassVar[type]
    row: ClassVar[type | None] = None
    """The plain row a read serves instead of the model (``resolvers.base.rows``), if any."""

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, (cls, cls.model)) or (cls.row is not None and isinstance(obj, cls.row))

    @classmethod
    async def fetch(cls, info: Info, key: str) -> Any:
        raise NotImplementedError

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """Each id as ``fetch`` answers it, all at once: the use cases read through per-request
        loaders, so the ids of one type take one statement. A missing object (another
        organisation's answers the same) is null; any other refusal (another organisation
        named by its key, a malformed key) is that id's own error: an exception in the list is
        raised by graphql-core where its item is completed, so it nulls that item, with its
        path, and the others stand."""

        async def one(key: str) -> Any:
            try:
                return await cls.fetch(info, key)
            except NotFound:
                if required:
                    raise
                return None
            except DomainError as refused:
                if required:
                    raise
                return refused

        return list(await asyncio.gather(*(one(key) for key in node_ids)))


def public_key(type_name: str, value: str) -> str:
    """The one id rule: every argument that names an object is an ``ID`` and takes either the
    object's public key (``org-1042``, as REST clients know it) or its global ID (``Organization:…``
    base64, as ``id`` fields give it); one of another type is BAD_USER_INPUT."""
    try:
        global_id = relay.GlobalID.from_id(value)
    except Exception:
        return value
    if global_id.type_name != type_name:
        raise InvalidInput(field="id", message_id="requests.node.id", values={"value": value, "type_name": type_name})
    return global_id.node_id


def public_key_or_none(type_name: str, value: str | None) -> str | None:
    return None if value is None else public_key(type_name, value)


class AtMostAPage(FieldExtension):
    """``nodes(ids:)`` takes at most a page of ids (BUFDIR_MAX_PAGE_SIZE, 100 unless configured),
    as a connection answers at most a page: the work of one field stays bounded."""

    def _check(self, info: Info, ids: list[Any]) -> None:
        limit = info.context.settings.max_page_size
        if len(ids) > limit:
            raise InvalidInput(
                field="ids", message_id="requests.node.ids_takes_most_ids", values={"limit": limit, "ids": len(ids)}
            )

    def resolve(self, next_: SyncExtensionResolver, source: Any, info: Info, **kwargs: Any) -> Any:
        self._check(info, kwargs["ids"])
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any) -> Any:
        self._check(info, kwargs["ids"])
        answer = next_(source, info, **kwargs)
        return await answer if inspect.isawaitable(answer) else answer


class NamesTheIdRefused(FieldExtension):
    """``node(id:)`` given base64 of "Type:key" of a type this API does not have says which id,
    as it says of an id that is not base64 at all: "The id is not one this API gave out" named
    none, nor did ``nodes(ids:)`` (polish5)."""

    @staticmethod
    def _refused(kwargs: dict[str, Any]) -> InvalidInput:
        return InvalidInput(field="id", message_id="graphql.global_id.value", values={"value": str(kwargs["id"])})

    def resolve(self, next_: SyncExtensionResolver, source: Any, info: Info, **kwargs: Any) -> Any:
        try:
            return next_(source, info, **kwargs)
        except GlobalIDValueError:
            raise self._refused(kwargs) from None

    async def resolve_async(self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any) -> Any:
        try:
            answer = next_(source, info, **kwargs)
            return await answer if inspect.isawaitable(answer) else answer
        except GlobalIDValueError:
            raise self._refused(kwargs) from None


async def nodes_by_ids(info: Info, ids: list[str]) -> list[Any]:
    """Each id as ``node(id:)`` answers it, in order; the ids of one type read at once
    (``ModelNode.resolve_nodes``). An id this API did not give out (not base64 of ``Type:key``,
    or of a type it does not have) is that id's own error at its position, as ``node(id:)``
    refuses it: Strawberry's ``relay.node`` read every id before any node, so one such id failed
    the whole list (outsider, polish4)."""
    answers: list[Any] = [None] * len(ids)
    wanted: dict[type[ModelNode], list[tuple[int, str]]] = {}
    for position, value in enumerate(ids):
        try:
            global_id = relay.GlobalID.from_id(value)
        except GlobalIDValueError:
            answers[position] = InvalidInput(field="ids", message_id="graphql.global_id.value", values={"value": value})
            continue
        try:
            node_type = cast(type[ModelNode], global_id.resolve_type(info))
        except GlobalIDValueError:
            answers[position] = InvalidInput(field="ids", message_id="graphql.global_id.value", values={"value": value})
            continue
        wanted.setdefault(node_type, []).append((position, global_id.node_id))
    read = await asyncio.gather(
        *(node_type.resolve_nodes(info=info, node_ids=[key for _, key in keyed]) for node_type, keyed in wanted.items())
    )
    for (node_type, keyed), found in zip(wanted.items(), read, strict=True):
        for (position, _), answer in zip(keyed, found, strict=True):
            # cast: a row is served as the type its id named, not whichever type claims its model
            answers[position] = answer if answer is None or isinstance(answer, Exception) else strawberry_cast(node_type, answer)
    return answers


@strawberry.type
class NodeQuery:
    node: relay.Node | None = relay.node(description="Any object by its global ID.", extensions=[NamesTheIdRefused()])

    @strawberry.field(
        description="Objects by their global IDs, in the order given (at most a page, 100 unless configured); each "
        "answers as node(id:) would: null for a missing object or another organisation's, with that id's own error "
        "where node(id:) has one.",
        extensions=[AtMostAPage()],
    )
    async def nodes(
        self, info: Info, ids: Annotated[list[strawberry.ID], strawberry.argument(description="The IDs of the objects.")]
    ) -> list[relay.Node | None]:
        return await nodes_by_ids(info, [str(i) for i in ids])
