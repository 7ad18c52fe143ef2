"""What every event is: a frozen pydantic model with its name, its channels and its JSON.

An event is a frozen pydantic model. The name is the ``event`` literal (the key the watch
contract documents, ``"event": "data_updated"``) and tells the kinds apart when a message is
decoded (``catalogue.decode``), once per replica for all its subscribers. Pydantic rather than
dataclasses: one ``TypeAdapter`` over the union validates and decodes any message into its class
(enums, instants, lists) and writes it back, where dataclasses would need a reader and a writer per
event, the key-by-key code this package replaces.

The wire shape is a flat JSON object: ``event``, the body's fields in the order declared, then
``event_id`` (the event log's id) once the event is logged. Legacy clients of the watch stream read
``data_updated`` in exactly this shape, and replicas of the version before read the same keys, so a
field is only ever added, with a default. Every backend carries it as text under
``MAX_PAYLOAD_BYTES`` (PostgreSQL NOTIFY's limit), which is why texts are cut; a logged event that
is larger still travels as a reference to its log row (``EventHub.publish``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer

from ..timefmt import iso_z

MAX_PAYLOAD_BYTES = 8000
MAX_KEYS = 150
"""Field keys a data_updated names; more are flagged ``changed_field_keys_truncated``."""

Instant = Annotated[datetime, PlainSerializer(iso_z, return_type=str)]
"""An instant written as the contracts print them: UTC, whole seconds, ``Z``."""


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Event(BaseModel):
    model_config = ConfigDict(frozen=True)

    event: str

    def channels(self) -> tuple[str, ...]:
        """Where it is published (and logged, once per channel)."""
        raise NotImplementedError

    def also(self) -> tuple[Event, ...]:
        """Events this one implies, raised with it."""
        return ()

    def body(self, event_id: int | None = None) -> dict[str, Any]:
        """The event as JSON values in the wire's order, with its id last when it has one."""
        body = self.model_dump(mode="json")
        if event_id is not None:
            body["event_id"] = event_id
        return body

    def message(self, event_id: int | None = None) -> str:
        """The text every pub/sub backend carries."""
        return json.dumps(self.body(event_id), separators=(",", ":"), ensure_ascii=False)
