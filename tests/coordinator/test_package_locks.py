"""Package locks shared by the event loop and the upload port's threads: a holder on
one side excludes the other side, and entries disappear once nobody uses them."""

from __future__ import annotations

import threading
import time

import anyio

from coordinator.package_locks import PackageLocks


def test_thread_holder_excludes_event_loop_and_back():
    locks = PackageLocks()
    order: list[str] = []
    held = threading.Event()

    def thread_side() -> None:
        with locks.held("p1"):
            held.set()
            time.sleep(0.3)
            order.append("thread done")

    t = threading.Thread(target=thread_side)
    t.start()
    held.wait(5)

    async def loop_side() -> None:
        async with locks.held_async("p1"):
            order.append("loop in")
        async with locks.held_async("p2"):  # another package: no waiting
            order.append("other package")

    anyio.run(loop_side)
    t.join(5)
    assert order == ["thread done", "loop in", "other package"]
    assert len(locks) == 0


def test_cancelled_waiter_does_not_keep_the_lock():
    locks = PackageLocks()
    release = threading.Event()
    held = threading.Event()

    def thread_side() -> None:
        with locks.held("p"):
            held.set()
            release.wait(5)

    t = threading.Thread(target=thread_side)
    t.start()
    held.wait(5)

    async def main() -> None:
        with anyio.move_on_after(0.2):
            async with locks.held_async("p"):
                raise AssertionError("must not get the lock while the thread holds it")
        release.set()
        with anyio.fail_after(5):  # the cancelled waiter released what it got: free again
            async with locks.held_async("p"):
                pass

    anyio.run(main)
    t.join(5)
    assert len(locks) == 0


def test_event_loop_holder_excludes_thread_and_a_long_wait_is_refused():
    from coordinator.errors import NodeBusyError

    locks = PackageLocks()
    order: list[str] = []

    async def main() -> None:
        async with locks.held_async("p"):
            waiter = threading.Thread(target=lambda: _thread_wait(locks, order))
            waiter.start()
            await anyio.sleep(0.3)
            order.append("loop done")
        await anyio.to_thread.run_sync(waiter.join, 5)

    anyio.run(main)
    assert order == ["loop done", "thread in"]
    with locks.held("q"):  # a thread that cannot get the lock in time is told the node is busy
        other = threading.Thread(target=lambda: order.append(_try(locks, "q")))
        other.start()
        other.join(5)
    assert order[-1] == "busy" and len(locks) == 0
    assert NodeBusyError.http_status == 503 and NodeBusyError.message_ru


def _thread_wait(locks: PackageLocks, order: list[str]) -> None:
    with locks.held("p"):
        order.append("thread in")


def _try(locks: PackageLocks, package_id: str) -> str:
    from coordinator.errors import NodeBusyError

    try:
        with locks.held(package_id, timeout=0.2):
            return "got it"
    except NodeBusyError:
        return "busy"
