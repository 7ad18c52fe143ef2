"""Log lines (JSON for machines, one readable line at a terminal) and request ids."""

from __future__ import annotations

import itertools
import json
import logging
import secrets
import sys
from datetime import UTC, datetime

from ..envelope import request_id


def instant(created: float) -> str:
    """A record's time as log collectors read it unambiguously: UTC with its offset, to the
    millisecond (``2026-03-26T09:12:00.042Z``); local time without an offset was an hour or two
    off in Oslo, and lines of one second could not be ordered."""
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": instant(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    """One readable line an event for a person at a terminal: time, level, message; the
    request id and logger on warnings and errors, where someone will look them up."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", {})
        line = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<7} {record.getMessage()}"
        if "seconds" in fields:
            line += f" ({fields['seconds'] * 1000:.0f} ms)"
        if record.levelno >= logging.WARNING:
            line += f"  [{record.name}; request {request_id.get()}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


QUIET = {"tortoise": logging.WARNING, "aiosqlite": logging.WARNING, "asyncio": logging.WARNING}
"""Libraries whose INFO lines are their internals (Tortoise prints its client objects' reprs)."""


def new_request_id() -> str:
    """32 hex digits like a UUID: 20 drawn once per process, then a counter. Unique as ids must
    be, without reading the system's randomness for every request (3 % of a cached read)."""
    return f"{_ID_PREFIX}{next(_ID_COUNTER):012x}"


_ID_PREFIX = secrets.token_hex(10)
_ID_COUNTER = itertools.count(1)


def configure_logging(level: str = "INFO", log_format: str = "auto") -> bool:
    """JSON lines for machines; a console format when a person is watching (``auto``: when
    stderr is a terminal); whether it is the console's. A record does not gather what no line
    shows — the calling source line, thread, process and task names (the logging HOWTO's
    "Optimization"): about a fifth of the access log line's cost, paid on every request."""
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging.logAsyncioTasks = False  # type: ignore[attr-defined]  # Python 3.12+; harmless before
    console = log_format == "console" or (log_format == "auto" and sys.stderr.isatty())
    handler = logging.StreamHandler()
    handler.setFormatter(ConsoleFormatter() if console else JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(max(quiet, logging.getLevelName(level)))
    return console
