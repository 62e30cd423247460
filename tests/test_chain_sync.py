"""The chain layer (engine/chain) on a real devnet: the initial snapshot, then live
following while the market simulator trades, over WebSocket and over HTTP polling;
and a configuration that does not match the chain.

One world per module (one anvil, manual mining); tests run in file order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from engine.chain import ChainConfigError, ChainFollower, FollowerOptions
from engine.chain.snapshot import word_range
from engine.core import Engine, SyncState
from tests.chain_layer_support import (
    CHAIN_ID,
    RecordingEngine,
    World,
    assert_engine_matches_chain,
    engine_config,
    simulate,
    wait_for,
    wait_until,
    world,
)

pytestmark = pytest.mark.chain

SIM_BLOCKS = 150
SIM_SEED = 5


@pytest.fixture(scope="module")
def devnet() -> Iterator[World]:
    with world() as w:
        yield w


def test_word_range_covers_every_usable_tick() -> None:
    assert word_range(1) == range(-3466, 3466)  # floor(-887272 / 256) .. floor(887272 / 256)
    for spacing in (10, 60, 200):
        top = 887272 // spacing  # highest usable compressed tick; the lowest is -top
        assert word_range(spacing) == range(-top >> 8, (top >> 8) + 1)


def test_initial_sync_equals_the_chain(devnet: World) -> None:
    async def main() -> None:
        config = engine_config(devnet.devnet)
        engine = Engine(config)
        follower = ChainFollower(config.chains[0], engine)
        task = asyncio.create_task(follower.run())
        try:
            # LIVE, not just last_processed: the price feeds are read after the sync's head
            await wait_until(lambda: follower.status().state is SyncState.LIVE, "the initial sync")
            status = follower.status()
            assert status.state is SyncState.LIVE
            assert status.transport == "ws"
            assert status.pools == len(devnet.devnet.pools) == 26
            assert status.last_processed == devnet.head()
            assert status.lag == 0
            chain_status = engine.status().chains[0]
            assert chain_status.state is SyncState.LIVE and chain_status.sync_lag == 0
            assert chain_status.pools == 26
            assert assert_engine_matches_chain(devnet, engine) > 0
            # V3 pools hold their seeded positions: initialized ticks were read
            v3 = [p for p in engine.pools(CHAIN_ID) if p.kind == "v3"]
            assert len(v3) == 10 and all(len(p.ticks or []) >= 2 for p in v3)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    asyncio.run(main())


def test_state_equals_chain_after_thousands_of_simulated_events(devnet: World) -> None:
    """Two followers at once, one on WebSocket and one on HTTP polling, while the
    simulator sends swaps, gaps, mints and burns into 150 blocks."""

    async def main() -> None:
        start = devnet.head()
        ws_config = engine_config(devnet.devnet)
        http_config = engine_config(devnet.devnet, ws=False)
        ws_engine, http_engine = RecordingEngine(ws_config), RecordingEngine(http_config)
        ws = ChainFollower(ws_config.chains[0], ws_engine)
        http = ChainFollower(http_config.chains[0], http_engine, FollowerOptions(max_block_range=7))
        tasks = [asyncio.create_task(f.run()) for f in (ws, http)]
        try:
            await wait_until(lambda: ws.last_processed == http.last_processed == start, "sync")
            stats = await asyncio.to_thread(simulate, devnet, SIM_BLOCKS, SIM_SEED)
            head = devnet.head()
            assert head == start + SIM_BLOCKS
            await wait_until(lambda: ws.last_processed == http.last_processed == head,
                             "both followers at the head")
            assert ws.status().transport == "ws" and http.status().transport == "http"
            for engine in (ws_engine, http_engine):
                assert engine.applied == list(range(start + 1, head + 1))  # each block once, in order
                counts = engine.update_counts
                print(f"\nsimulator: {stats}\napplied updates: {counts}")
                # Enough of every kind that the equality below means something (the
                # exact numbers vary with which simulated transactions land in a block).
                assert sum(counts.values()) >= 2500
                assert counts["sync"] > 800 and counts["swap"] > 400
                assert counts["mint"] > 150 and counts["burn"] > 20
                assert assert_engine_matches_chain(devnet, engine) > 0
                assert engine.head(CHAIN_ID).number == head  # type: ignore[union-attr]
                assert engine.view.gas_price_wei[CHAIN_ID] > 0  # the blocks' base fee
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())


def test_announced_block_costs_one_request(devnet: World) -> None:
    """On WebSocket, the next block comes with its ``newHeads`` header: the follower reads
    only its logs (one ``eth_getLogs``), no latest-header and header reads. Polling is
    slowed to 30 s so that only notifications wake the follower."""

    async def main() -> None:
        config = engine_config(devnet.devnet, poll_interval_s=30.0)
        engine = Engine(config)
        follower = ChainFollower(config.chains[0], engine)
        task = asyncio.create_task(follower.run())
        try:
            await wait_until(lambda: follower.last_processed == devnet.head(), "the initial sync")
            # idle: back in wait_for_new_head after the round that follows the sync
            waits = 0
            wait_for_new_head = follower.client.wait_for_new_head

            async def counted_wait() -> None:
                nonlocal waits
                waits += 1
                await wait_for_new_head()

            follower.client.wait_for_new_head = counted_wait  # type: ignore[method-assign]
            await wait_until(lambda: waits > 0, "the follower to wait for a block")
            calls: list[str] = []
            request, batch = follower.client.request, follower.client.batch

            async def counted_request(method: str, params: list[object]) -> object:
                calls.append(method)
                return await request(method, params)

            async def counted_batch(batch_calls: list[tuple[str, list[object]]]) -> list[object]:
                calls.extend(f"batch:{m}" for m, _ in batch_calls)
                return await batch(batch_calls)

            follower.client.request = counted_request  # type: ignore[method-assign]
            follower.client.batch = counted_batch  # type: ignore[method-assign]
            for i in range(3):
                await asyncio.to_thread(simulate, devnet, 1, 100 + i, 8)
                await wait_until(lambda: follower.last_processed == devnet.head(), "the block")
            # (a batch of one call goes out as a plain request: both wrappers see it)
            assert [c for c in calls if "eth_getLogs" in c] == ["batch:eth_getLogs", "eth_getLogs"] * 3
            assert not [c for c in calls if "eth_getBlockBy" in c], calls
            assert assert_engine_matches_chain(devnet, engine) > 0
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    asyncio.run(main())


def _run_until_failed(config_overrides: dict[str, object], devnet: World) -> str:
    async def main() -> str:
        config = engine_config(devnet.devnet, **config_overrides)
        engine = Engine(config)
        follower = ChainFollower(config.chains[0], engine)
        with pytest.raises(ChainConfigError) as failure:
            await wait_for(follower.run(), "the follower to fail")
        assert follower.status().state is SyncState.FAILED
        assert engine.status().chains[0].state is SyncState.FAILED
        assert engine.status().chains[0].last_error == str(failure.value)
        assert engine.pools(CHAIN_ID) == []  # nothing half-added
        return str(failure.value)

    return asyncio.run(main())


def test_unknown_pool_address_is_a_clear_error(devnet: World) -> None:
    pools = [p.model_dump() for p in devnet.devnet.pools]
    bogus = {**pools[0], "address": "0x00000000000000000000000000000000000dead1"}
    message = _run_until_failed({"pools": [*pools, bogus]}, devnet)
    assert "pools[26] (0x00000000000000000000000000000000000dead1)" in message
    assert "not a V2 pair" in message and "no contract" in message


def test_pool_of_other_tokens_than_configured_is_a_clear_error(devnet: World) -> None:
    pools = [p.model_dump() for p in devnet.devnet.pools]
    v3 = next(i for i, p in enumerate(pools) if p["kind"] == "v3")
    pools[v3] = {**pools[v3], "token0": devnet.devnet.tokens[0].address}
    if pools[v3]["token0"].lower() == devnet.devnet.pools[v3].token0.lower():
        pools[v3]["token0"] = devnet.devnet.tokens[1].address
    message = _run_until_failed({"pools": pools}, devnet)
    assert f"pools[{v3}]" in message and "token0 is" in message and "on chain, expected" in message


def test_wrong_chain_id_is_a_clear_error(devnet: World) -> None:
    message = _run_until_failed({"chain_id": 1}, devnet)
    assert "chain_id: configured 1, the endpoint serves chain 31337" in message
