"""Answers to repeated reads, kept under the version of the data they read.

Reports and dashboards are read far more often than data changes. An identical read — the same
GraphQL document and variables (or REST path and query), by a principal of the same scope,
asking for the same media type, on the same day — is answered from here while the data version
is the one it was computed under.

**The data version** is what the answer read, versioned (``resolvers.base.changes``): every
write through the service leaves an audit entry in its own transaction, every change the
background makes an event, and each also writes the *scope* it changed (an organisation's data,
for it and those above it; or ``*``, what every answer may read: the structure, the tree, forms,
rules, access). A read whose document says which organisation it reads (``read_scopes``) is
kept under the versions of ``*`` and of that organisation, so an import into another
organisation leaves it served; any other read is kept under the version of everything, which
every write moves. The versions are one small statement, read *before* the answer is computed:
a write that lands in between is at worst kept under the older version, which no later read
asks for. A write that took its version and commits after a later one would leave an answer
read between the two commits under a version its commit does not move: on PostgreSQL such an
answer is sent but not kept (``changes``, "A write in flight"). Writes that bypass the service
(a hand-edited row) are not seen: turn the cache off (``BUFDIR_RESPONSE_CACHE_MB=0``) where that
happens.

**Scope**: the principal's subject, organisations and roles are part of the key, so one
principal's answer never reaches another. Only answers without errors are kept.

**Memory** is bounded in bytes (least recently used first out); entries under an older version
are never asked for again and age out the same way.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .auth import Principal
from .resolvers.base import changes
from .resolvers.periods import calendar


@dataclass(frozen=True, slots=True)
class Cached:
    body: bytes
    status: int
    media_type: str
    headers: tuple[tuple[bytes, bytes], ...] = ()
    """The headers the answer left the service with (every middleware's included), sent again
    as they were but for the request id (``cached_reads``)."""
    route: object | None = None
    """The route that computed it: a hit, never routed, is counted and logged under it."""
    request_id_at: int = -1
    """Where in ``headers`` the request id is: a hit sends its own there."""


Versions = dict[str, int | None]
"""The version of each scope asked about (``changes.newest``, whose ``changes.Versions`` also
says which are unsettled)."""


class VersionReads:
    """Reads of the data versions shared by the requests that arrive together.

    A request must see every write committed before it arrived, so it may only use a read that
    *starts* after its arrival: it joins the next read, never one already under way. While a
    read is in flight, the requests arriving meanwhile wait for it to end and share the one
    started then, which reads the scopes any of them asked about in one statement. Under load
    one statement serves many requests (bench S7); alone, a request waits for exactly its own
    read."""

    def __init__(self, read: Callable[[Sequence[str]], Awaitable[Versions]] = changes.newest) -> None:
        self._read = read
        self._waiting: list[asyncio.Future[Versions]] = []
        self._wanted: set[str] = set()
        self._reading = False
        self._task: asyncio.Task[None] | None = None  # held: the loop keeps only a weak reference
        self.statements = 0

    async def version(self, scopes: Sequence[str] = (changes.EVERYTHING,)) -> tuple[int | None, ...]:
        """The versions of these scopes, in their order."""
        return (await self.settled(scopes))[0]

    async def settled(self, scopes: Sequence[str] = (changes.EVERYTHING,)) -> tuple[tuple[int | None, ...], bool]:
        """The versions of these scopes, in their order, and whether an answer read under them
        may be kept: False while a write recording one of them is in flight
        (``changes``, "A write in flight")."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Versions] = loop.create_future()  # its own: a request cancelled cancels no other
        self._waiting.append(waiter)
        self._wanted.update(scopes)
        if not self._reading:
            self._reading = True
            self._task = loop.create_task(self._drain())
        versions = await waiter
        unsettled: frozenset[str] = getattr(versions, "unsettled", frozenset())
        return tuple(versions[scope] for scope in scopes), unsettled.isdisjoint(scopes)

    async def _drain(self) -> None:
        try:
            while self._waiting:
                # later arrivals gather for the read after this one
                waiting, wanted, self._waiting, self._wanted = self._waiting, self._wanted, [], set()
                self.statements += 1
                try:
                    versions = await self._read(sorted(wanted))
                except Exception as exc:  # the database's error reaches every request that waited
                    for waiter in waiting:
                        if not waiter.done():
                            waiter.set_exception(exc)
                else:
                    for waiter in waiting:
                        if not waiter.done():
                            waiter.set_result(versions)
        finally:
            self._reading = False


def scope(principal: Principal) -> tuple[object, ...]:
    """What decides a principal's answers: a national token's claims stand for the organisations
    they map to (mapped per request, after the cache; a change of mapping is audited, so it
    changes the data version)."""
    return (
        principal.subject,
        tuple(sorted(principal.organizations)),
        tuple(sorted(principal.roles)),
        tuple(sorted(principal.granted)),
        principal.claimed,
    )


scope_of = lru_cache(maxsize=1024)(scope)
"""``scope``, worked out once for a principal that asks again (its token's are remembered)."""


class ResponseCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.versions = VersionReads()
        self._entries: OrderedDict[bytes, Cached] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    @staticmethod
    def key(*parts: object) -> bytes:
        """A digest of what decides the answer (parts are reprs of plain values)."""
        today = calendar.local_today().isoformat()  # lateness and deadlines turn at local midnight
        return hashlib.blake2b(repr((today, *parts)).encode(), digest_size=20).digest()

    def get(self, key: bytes) -> Cached | None:
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key: bytes, entry: Cached) -> None:
        size = len(entry.body) + len(key)
        if size > self.max_bytes // 8:  # one answer never takes the room of many
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body) + len(key)
        self._entries[key] = entry
        self._bytes += size
        while self._bytes > self.max_bytes:
            dropped_key, dropped = self._entries.popitem(last=False)
            self._bytes -= len(dropped.body) + len(dropped_key)

    @property
    def stats(self) -> dict[str, int]:
        return {"entries": len(self._entries), "bytes": self._bytes, "hits": self.hits, "misses": self.misses}
