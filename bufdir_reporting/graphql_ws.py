"""One graphql-transport-ws connection as this service runs it (``TransportWSConnection``, the
handler class of ``graphql_http.BufdirGraphQLRouter``): it lasts as long as its token, a
national token's access is checked again while it runs, each operation has a request id of its
own, and the connections and operations one holder keeps are bounded."""

from __future__ import annotations

import asyncio
import logging
import sys
from contextlib import suppress
from typing import Any

from graphql import GraphQLError
from strawberry.fastapi import BaseContext
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler

from .auth import Principal
from .dependencies import remap
from .envelope import request_id
from .errors import TooManySubscriptions
from .events import HolderAtLimit
from .graphql_requests import NestsTooDeeply
from .operations.close_codes import ACCESS_WITHDRAWN, TOKEN_EXPIRED, TOO_MANY_CONNECTIONS
from .schema.context import GraphQLContext

log = logging.getLogger(__name__)


ACCESS_RECHECK_SECONDS = 30.0
"""How often a websocket opened with a national token is mapped again (one or two primary-key
reads): what an admin withdraws reaches a connection that runs no new operation within this."""


class TransportWSConnection(BaseGraphQLTransportWSHandler[BaseContext | dict[str, Any], None]):
    """One graphql-transport-ws connection, as this service runs it:

    - it lasts as long as the authority it was opened with: when the token's ``exp`` passes it
      is closed with 4401, and its subscriptions end (they kept receiving events before); a
      national token (ID-porten, Maskinporten) is mapped again before each operation, before
      each event it is sent (the mapping read at most once a second per token:
      ``dependencies.mapped_lately``) and every ``ACCESS_RECHECK_SECONDS``, and closed with 4403
      once its mapping is refused (``_remap``);
    - a client that went away (or was dropped for not reading) ends its operations: expected,
      so logged as such rather than as an error with a traceback."""

    _expiry: asyncio.Task[None] | None = None
    _recheck: asyncio.Task[None] | None = None
    _withdrawn = False
    _operations_begun = 0

    async def handle_connection_init(self, message: Any) -> None:
        try:
            await super().handle_connection_init(message)
        except HolderAtLimit:  # from on_ws_connect, before the connection_ack
            context = self.context
            limit = context.settings.websocket_connections_per_principal if isinstance(context, GraphQLContext) else 0
            log.info("websocket refused: its holder has %d open already", limit)
            await self.websocket.close(code=TOO_MANY_CONNECTIONS, reason=f"too many connections: {limit} open already")
            return
        principal = getattr(self.context, "principal", None)
        left = principal.seconds_left() if isinstance(principal, Principal) else None
        if self.connection_acknowledged and left is not None and self._expiry is None:
            self._expiry = asyncio.create_task(self._close_in(left), name="websocket-token-expiry")
        if self.connection_acknowledged and isinstance(principal, Principal) and principal.is_mapped and self._recheck is None:
            self._recheck = asyncio.create_task(self._remap_every(ACCESS_RECHECK_SECONDS), name="websocket-access-recheck")

    async def handle_subscribe(self, message: Any) -> None:
        """Each operation runs under a request id of its own, the connection's with its number on
        the connection (``<id>.3``): its errors, its refusals and its log lines are told apart
        from the connection's other operations' (every one carried the connection's id). Set
        while Strawberry makes the operation's task, which keeps it (a task copies the context)."""
        self._operations_begun += 1
        token = request_id.set(f"{request_id.get()[:57]}.{self._operations_begun}")
        try:
            await self._subscribe(message)
        finally:
            request_id.reset(token)

    async def _subscribe(self, message: Any) -> None:
        if self._at_connection_limit(message):
            # Strawberry's own refusal was "Subscription limit reached", in English whatever was
            # asked and without a code, beside the token's cap (TOO_MANY_SUBSCRIPTIONS, in the
            # language asked): a dashboard met the connection's 20 first (outsider6)
            limit = self.max_subscriptions_per_connection
            refusal = TooManySubscriptions(
                details={"limit": limit, "per": "connection"},
                message_id="graphql.too_many_on_connection",
                values={"limit": limit},
            )
            error = GraphQLError(
                refusal.said(), extensions={"code": refusal.code, **refusal.details, "request_id": request_id.get()}
            )
            await self.send_message({"id": message["id"], "type": "error", "payload": [error.formatted]})
            return
        if await self._remap():
            await super().handle_subscribe(message)

    def _at_connection_limit(self, message: Any) -> bool:
        """As Strawberry counts (every operation running on the connection), for an id not
        already running: a repeated id is still Strawberry's to close (4409)."""
        limit = self.max_subscriptions_per_connection
        return (
            self.connection_acknowledged
            and limit is not None
            and len(self.operations) >= limit
            and message.get("id") not in self.operations
        )

    async def _remap(self, *, lately: bool = False) -> bool:
        """Map a national token again, as HTTP does on every request: an operation on a
        connection opened before an admin removed the person's assignment (or the supplier's
        delegation) read the organisation as before, and its subscriptions went on receiving
        its events, until the token expired (attacker's review). A mapping refused, or other
        than the one the connection was opened with (an organisation fewer: its running
        subscriptions were allowed on the old one), closes the connection with 4403; the
        client opens a new one with its mapping as it is now. ``lately``: the mapping may be one
        read a second ago (``dependencies.mapped_lately``), for a check before each event.
        False: closed."""
        context = self.context
        if not isinstance(context, GraphQLContext) or not context.principal.is_mapped:
            return True
        if self._withdrawn:
            return False
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        token = params.get("Authorization") or params.get("authorization")
        now = await remap(context.settings, str(token), lately=lately)
        if now is None:  # the database away: the operation meets it and says so; the next one maps again
            return True
        if now == context.principal:
            return True
        if not isinstance(now, Principal) and context.principal.seconds_left() == 0:  # the expiry's 4401, due now
            await self.websocket.close(code=TOKEN_EXPIRED, reason="token expired")
            return False
        await self._withdraw("mapping_changed" if isinstance(now, Principal) else now.details.get("reason"))
        return False

    async def _withdraw(self, reason: object) -> None:
        if self._withdrawn:  # another operation's check closed it meanwhile: one close frame
            return
        self._withdrawn = True
        log.info("websocket closed: its token's access changed (%s)", reason)
        await self.websocket.close(code=ACCESS_WITHDRAWN, reason="access withdrawn")

    async def send_message(self, message: Any) -> None:
        """A subscription's event goes out only while the token still maps as it did: checked
        every ``ACCESS_RECHECK_SECONDS`` alone, an event reached a person whose assignment had
        ended for up to that long (attacker's review)."""
        if message.get("type") == "next" and not await self._remap(lately=True):
            return
        await super().send_message(message)

    async def _remap_every(self, seconds: float) -> None:
        try:
            while True:
                await asyncio.sleep(seconds)
                if not await self._remap():
                    return
        except Exception:  # a fault here must not fail ``shutdown``, which awaits this task
            log.warning("a websocket's access could not be checked again", exc_info=True)

    async def _close_in(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self.websocket.close(code=TOKEN_EXPIRED, reason="token expired")

    async def shutdown(self) -> None:
        for task in (self._expiry, self._recheck):
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
        try:
            await super().shutdown()
        finally:
            context = self.context
            if isinstance(context, GraphQLContext) and context.connection_holder is not None and context.events is not None:
                context.events.connections.give_back(context.connection_holder)
                context.connection_holder = None

    async def handle_invalid_message(self, error_message: str) -> None:
        cause = sys.exc_info()[1]  # Strawberry reports a message it could not decode from its except block
        if isinstance(getattr(cause, "__cause__", None), NestsTooDeeply):
            error_message = "WebSocket message nests too deeply"
        await super().handle_invalid_message(error_message)

    async def handle_task_exception(self, error: Exception) -> None:
        if isinstance(error, WebSocketDisconnected):
            log.info("websocket operation ended: the client is gone")
            return
        await super().handle_task_exception(error)
