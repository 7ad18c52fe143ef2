"""The suite's own app fixture (``tests/live.started_app``)."""

from __future__ import annotations

import asyncio

from tortoise import Tortoise, context

from bufdir_reporting.config import Settings
from bufdir_reporting.database import tortoise_config

from .live import started_app


async def test_an_app_a_failed_test_left_behind_does_not_fail_the_next_ones(settings: Settings) -> None:
    """A test whose app shutdown was cut short left Tortoise's global context set, and every
    later app start on that worker failed ("Global context fallback is already enabled"): 137
    errors from one failure in a loaded CI run."""

    async def left_behind() -> None:  # in a task of its own, as a lifespan runs
        await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)

    await asyncio.create_task(left_behind())
    assert context._global_context is not None
    async with started_app(settings) as app:
        assert app.state.settings is settings
