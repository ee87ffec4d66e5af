"""Package locks on the node's event loop: holders of one package run one after the
other, other packages do not wait, a cancelled waiter never keeps the lock, and
entries disappear once nobody uses them."""

from __future__ import annotations

import anyio

from coordinator.node.package_locks import PackageLocks


def test_one_package_at_a_time_others_do_not_wait():
    locks = PackageLocks()
    order: list[str] = []

    async def holder(tag: str, package_id: str, delay: float) -> None:
        async with locks.held(package_id):
            order.append(f"{tag} in")
            await anyio.sleep(delay)
            order.append(f"{tag} out")

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(holder, "a", "p1", 0.2)
            await anyio.sleep(0.02)
            tg.start_soon(holder, "b", "p1", 0.0)   # waits for a
            tg.start_soon(holder, "c", "p2", 0.0)   # another package: in at once

    anyio.run(main)
    assert order.index("c in") < order.index("a out") < order.index("b in")
    assert len(locks) == 0


def test_cancelled_waiter_does_not_keep_the_lock():
    locks = PackageLocks()

    async def main() -> None:
        release = anyio.Event()

        async def holder() -> None:
            async with locks.held("p"):
                await release.wait()

        async with anyio.create_task_group() as tg:
            tg.start_soon(holder)
            await anyio.sleep(0.02)
            with anyio.move_on_after(0.2):
                async with locks.held("p"):
                    raise AssertionError("must not get the lock while another holds it")
            release.set()
        with anyio.fail_after(5):  # the cancelled waiter released what it got: free again
            async with locks.held("p"):
                pass

    anyio.run(main)
    assert len(locks) == 0
