"""The terminal a command talks to: one line per message on stderr, or log lines under ``serve``."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class CommandError(Exception):
    """A command cannot go on; the message is for the person at the terminal."""


class _Terminal:
    as_log_lines = False
    """Set by ``serve``: from then on stderr is the service's log."""


terminal = _Terminal()


def say(message: str, *, error: bool = False) -> None:
    if terminal.as_log_lines:
        logging.getLogger("bufdir_reporting.cli").log(logging.ERROR if error else logging.INFO, message)
    else:
        print(message, file=sys.stderr, flush=True)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)
