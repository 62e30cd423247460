"""Reorganizations (anvil_reorg / anvil_rollback) under the chain layer: it finds the
common ancestor by block hashes (anvil 1.7.1 marks no log `removed`), rolls the
engine back and re-applies the new canonical blocks; the state equals the chain's."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from typing import Any

import pytest

from engine.chain import ChainFollower
from engine.devnet.market import ChainMarket, MarketOptions
from tests.chain_layer_support import (
    CHAIN_ID,
    RecordingEngine,
    World,
    assert_engine_matches_chain,
    engine_config,
    simulate,
    wait_until,
    world,
)

pytestmark = pytest.mark.chain


@pytest.fixture(scope="module")
def devnet() -> Iterator[World]:
    with world(seed=23) as w:
        yield w


def replacement_txs(devnet: World, seed: int, swaps: int, mints: int) -> list[dict[str, Any]]:
    """Transactions for anvil_reorg's new blocks: simulator swaps and V3 mints, not sent."""
    market = ChainMarket(devnet.devnet, MarketOptions(seed=seed, median_swap_usd=50_000),
                         random.Random(seed))
    txs: list[dict[str, Any]] = []
    senders = devnet.chain.accounts[1:-1]

    def capture(to: str, data: bytes, gas: int, kind: str) -> str:
        sender = senders[len(txs) % len(senders)]
        txs.append({"from": sender, "to": to, "data": "0x" + data.hex(), "gas": hex(min(gas, 30_000_000))})
        return ""

    market._send = capture  # type: ignore[method-assign]
    rng = random.Random(seed)
    for _ in range(swaps):
        market.noise_swap(rng.choice(devnet.devnet.pools))
    for _ in range(mints):
        market.change_liquidity()
    return txs


def block_hash(devnet: World, number: int) -> str:
    return str(devnet.chain.rpc("eth_getBlockByNumber", [hex(number), False])["hash"]).lower()


def test_reorgs_roll_back_and_reapply(devnet: World) -> None:
    async def main() -> None:
        config = engine_config(devnet.devnet)
        engine = RecordingEngine(config)
        follower = ChainFollower(config.chains[0], engine)
        task = asyncio.create_task(follower.run())

        def synced() -> bool:
            head = engine.head(CHAIN_ID)
            return head is not None and head.hash == block_hash(devnet, devnet.head())

        async def reorg(depth: int, seed: int, extra_blocks: int = 0) -> int:
            head = devnet.head()
            txs = replacement_txs(devnet, seed, swaps=8, mints=2)
            pairs = [[tx, i % depth] for i, tx in enumerate(txs)]
            before = block_hash(devnet, head)
            devnet.chain.rpc("anvil_reorg", [depth, pairs])
            assert block_hash(devnet, head) != before and devnet.head() == head
            if extra_blocks:
                await asyncio.to_thread(simulate, devnet, extra_blocks, seed)
            await wait_until(synced, f"the follower on the new fork (depth {depth})")
            return head - depth

        try:
            start = devnet.head()
            # a reorg just below the initial snapshot's block: the snapshot's pools are re-read
            await wait_until(lambda: follower.last_processed == start, "the initial sync")
            assert await reorg(2, seed=1) == start - 2
            assert engine.rollbacks == [start - 2]
            assert assert_engine_matches_chain(devnet, engine) > 0

            # live blocks, then a same-height reorg of depth 3
            await asyncio.to_thread(simulate, devnet, 12, 2)
            await wait_until(synced, "the follower at the head")
            ancestor = await reorg(3, seed=3)
            assert engine.rollbacks[-1] == ancestor
            assert assert_engine_matches_chain(devnet, engine) > 0

            # a deeper reorg whose new branch then grows past the old head
            ancestor = await reorg(6, seed=4, extra_blocks=5)
            assert engine.rollbacks[-1] == ancestor
            assert assert_engine_matches_chain(devnet, engine) > 0

            # the chain shrinks (anvil_rollback: blocks removed, none replaced), then grows anew
            head = devnet.head()
            devnet.chain.rpc("anvil_rollback", [4])
            assert devnet.head() == head - 4
            await wait_until(synced, "the follower after the rollback")
            assert engine.rollbacks[-1] == head - 4
            await asyncio.to_thread(simulate, devnet, 6, 5)
            await wait_until(synced, "the follower on the regrown chain")
            assert assert_engine_matches_chain(devnet, engine) > 0

            status = follower.status()
            assert status.reorgs == len(engine.rollbacks) == 4
            assert engine.status().chains[0].reorgs == 4
            # each block once in order, except that a rollback sends the follower back
            # to the block after the ancestor (the first rollback came before any block)
            rollbacks = iter(engine.rollbacks[1:])
            for previous, number in zip(engine.applied, engine.applied[1:]):
                if number != previous + 1:
                    assert number == next(rollbacks) + 1
            assert next(rollbacks, None) is None
            assert sorted(set(engine.applied)) == list(range(start - 1, devnet.head() + 1))
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    asyncio.run(main())
