"""Background tasks are owned: kept until they end, failures logged with what they were doing, cancelled on close."""

from __future__ import annotations

import asyncio
import gc
import logging

from interview_server.tasks import TaskOwner


async def test_a_task_is_kept_until_it_ends_even_with_no_other_reference():
    owner, done = TaskOwner(), asyncio.Event()

    async def work():
        await asyncio.sleep(0.05)
        done.set()

    owner.spawn(work(), "work")
    gc.collect()  # asyncio holds running tasks weakly: only the owner keeps this one alive
    assert len(owner) == 1
    await asyncio.wait_for(done.wait(), 5)
    await asyncio.sleep(0)
    assert len(owner) == 0


async def test_a_failure_is_logged_with_what_the_task_was_doing(caplog):
    owner = TaskOwner()

    async def fail():
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="interview_server.tasks"):
        task = owner.spawn(fail(), "relay frames of s1")
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.sleep(0)
    assert [record.getMessage() for record in caplog.records] == ["background task failed: relay frames of s1"]
    assert caplog.records[0].exc_info[1].args == ("boom",)


async def test_close_cancels_what_still_runs():
    owner, cancelled = TaskOwner(), asyncio.Event()

    async def forever():
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    owner.spawn(forever(), "forever")
    await asyncio.sleep(0)
    await owner.close()
    assert cancelled.is_set() and len(owner) == 0
