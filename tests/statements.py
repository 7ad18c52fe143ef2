"""Counting the SQL statements Tortoise sends: for tests that bound them and for the benchmarks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from bufdir_reporting.background import PERIODIC_LOOPS


class StatementCounter(logging.Handler):
    """Counts the SQL statements Tortoise sends (its db client logs each one at DEBUG), but for
    those of the app's periodic loops (``background.PERIODIC_LOOPS``): what they send while a
    counted call runs is not the call's (the job-recovery sweep, every 150 s in a served test app,
    once fell inside a count and made 20 rows over five organisations cost one statement more
    than over one). Only switched on around a counted run:
    the logging itself costs time."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []
        self.texts: list[str] = []
        """Each statement whole (``statements`` keeps its start), for a test that asks what it read."""

    def emit(self, record: logging.LogRecord) -> None:
        text = str(record.msg % record.args if record.args else record.msg)
        if text.startswith(("Created connection pool", "Closed connection pool")) or _in_periodic_task():
            return
        self.statements.append(text.split(":")[0][:120])
        self.texts.append(text)


@contextmanager
def counting_statements() -> Iterator[StatementCounter]:
    logger = logging.getLogger("tortoise.db_client")
    counter = StatementCounter()
    level, propagate = logger.level, logger.propagate
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
        logger.propagate = propagate


def _in_periodic_task() -> bool:
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no running loop: a synchronous caller
        return False
    return task is not None and task.get_name() in PERIODIC_LOOPS
