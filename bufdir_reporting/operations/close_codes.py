"""The websocket close codes this service sends, besides Strawberry's own (4400 a bad message,
4403 a refused connection_init, 4408 no connection_init in time). README lists them for clients."""

GOING_AWAY = 1001
"""The server shuts down: reconnect (to another replica)."""

MESSAGE_TOO_BIG = 1009
"""A message above ``BUFDIR_WEBSOCKET_MAX_MESSAGE_BYTES`` (RFC 6455's "message too big")."""

TOKEN_EXPIRED = 4401
"""The token the connection was opened with expired: get a new one and reconnect.
graphql-transport-ws has no code of its own for it; 4401 is its Unauthorized."""

TOO_SLOW = 4429
"""The client did not keep up: it fell behind its events, stopped taking them for the send
timeout, or left the server's keepalive ping unanswered. Reconnect and resume."""
STOPPED_READING = "the client stopped reading"

ACCESS_WITHDRAWN = 4403
"""The national token the connection was opened with no longer maps to what it read (an
admin removed the person's assignment, the supplier's delegation, or the consumer's
organisation): as a refused ``connection_init``, graphql-transport-ws's Forbidden."""

TOO_MANY_CONNECTIONS = 1013
"""The token (an anonymous caller: its address) holds ``BUFDIR_WEBSOCKET_CONNECTIONS_PER_PRINCIPAL``
websockets open in this process already: RFC 6455's "try again later", sent instead of the
``connection_ack``. Close one of the others first."""
