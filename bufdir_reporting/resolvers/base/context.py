"""The one request context every use case receives, whatever the transport."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from ...auth import ANONYMOUS, Principal
from ...config import Settings
from ...events import EventHub
from .jobs import JobRunner
from .loaders import Loaders


@dataclass
class Context:
    settings: Settings
    principal: Principal = ANONYMOUS
    loaders: Loaders = field(default_factory=lambda: Loaders())
    jobs: JobRunner | None = None
    events: EventHub | None = None
    table_cells: int = 0
    """The analytics cells this request's tables have asked for so far (``analytics.selection``)."""
    worklists: dict[Any, Any] = field(default_factory=dict)
    """The worklists this request reads, by their filters (``reporting.worklist.page``)."""
    client: str | None = None
    """The caller's address as the server sees it (the proxy's, unless it forwards a trusted one)."""

    @property
    def holder(self) -> Hashable:
        """Whose live subscriptions a new one counts with (``live_subscriptions_per_principal``):
        the principal's; an anonymous caller's per address, else one anonymous client holding
        the public topics' every place shut every other anonymous client out (attacker's review)."""
        return ("anonymous", self.client) if self.principal == ANONYMOUS else self.principal

    def fell_behind(self) -> None:
        """The caller stopped reading a live stream it follows and its queue filled: the stream
        ends. A transport that can tell the caller why does so here (GraphQL closes the
        websocket with 4429)."""
