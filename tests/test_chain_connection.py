"""RpcClient on a real anvil: a cancelled follower stops even when a new head arrives in
the same instant (Python 3.11's ``asyncio.wait_for`` returned the event instead, and the
follower's loop went on: a task that never ended on cancel)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from engine.chain.connection import RpcClient, endpoints
from engine.devnet.node import ANVIL_BIN, AnvilNode, NodeOptions


@pytest.fixture(scope="module")
def node() -> Iterator[AnvilNode]:
    if not ANVIL_BIN.exists():
        pytest.fail(f"anvil not found at {ANVIL_BIN}: run `make npm`", pytrace=False)
    anvil = AnvilNode(NodeOptions(0, 31337, accounts=1))
    try:
        yield anvil
    finally:
        anvil.stop()


def test_cancel_wins_over_a_head_announced_at_the_same_time(node: AnvilNode) -> None:
    async def main() -> None:
        client = RpcClient(endpoints([], node.ws_url), poll_interval_s=30.0)
        await client.connect()
        try:
            waiting = asyncio.create_task(client.wait_for_new_head())
            await asyncio.sleep(0)  # inside the wait
            client._announced({"number": "0x1"})  # what the socket's reader calls
            waiting.cancel()
            done, _ = await asyncio.wait([waiting], timeout=5)
            assert done, "wait_for_new_head neither returned nor ended on cancel"
            assert waiting.cancelled(), "the cancellation was swallowed"
        finally:
            await client.close()

    asyncio.run(main())
