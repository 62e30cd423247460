"""Reference prices on a real devnet: the engine reads the devnet's Chainlink-style
feeds (engine/chain/oracle.py), serves them over gRPC (ListTokens, ListPools,
opportunities valued in USD), flags a pool a large real swap pushed off the
oracle price, and rejects bad answers while keeping the last good one.

One world per module (one anvil, manual mining); tests run in file order.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import grpc.aio
import pytest
from prometheus_client import REGISTRY

from engine.api.gen.arbitrage.v1 import engine_pb2 as pb
from engine.api.gen.arbitrage.v1 import engine_pb2_grpc
from engine.app import EngineApp, find_chain_runner
from engine.chain import ChainFollower
from engine.config import ApiConfig, EngineConfig, StoreConfig
from engine.core import Engine, SyncState
from engine.devnet import feeds
from engine.devnet.market import ChainMarket, MarketOptions
from engine.devnet.spec import FEED_DECIMALS, PRICE_FEEDS, UNISWAP_V2, WETH
from engine.devnet.v2 import read_reserves
from tests.chain_layer_support import CHAIN_ID, World, engine_config, wait_until, world

pytestmark = pytest.mark.chain

ORACLE_LOG = "engine.chain.oracle"


@pytest.fixture(scope="module")
def devnet() -> Iterator[World]:
    with world() as w:
        yield w


def _config(devnet: World, tmp_path: Path, **chain_overrides: Any) -> EngineConfig:
    # the devnet's chain config as it is (its price_feeds included), every block an oracle read
    config = engine_config(devnet.devnet, oracle_refresh_blocks=1, **chain_overrides)
    return config.model_copy(update={
        "store": StoreConfig(path=tmp_path / "arbitrage.db"), "api": ApiConfig(port=0),
    })


@asynccontextmanager
async def _serving(config: EngineConfig, devnet: World) -> AsyncIterator[tuple[EngineApp, engine_pb2_grpc.EngineServiceStub]]:
    """The engine process as `arbx serve` runs it: chain layer, real gRPC server, SQLite."""
    app = EngineApp(config, chain_runner=find_chain_runner())
    await app.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{app.port}")
    try:
        head = devnet.head()
        await wait_until(lambda: _at(app.engine, head), "the engine at the chain's head")
        yield app, engine_pb2_grpc.EngineServiceStub(channel)
    finally:
        await channel.close()
        await app.stop()


def _at(engine: Engine, number: int) -> bool:
    head = engine.head(CHAIN_ID)
    status = engine.status().chains[0]
    return head is not None and head.number >= number and status.state is SyncState.LIVE


def _feed(devnet: World, symbol: str) -> tuple[str, str]:
    token = devnet.devnet.token(symbol).address
    return token.lower(), devnet.devnet.price_feeds[token].feed


def _metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, {"chain_id": str(CHAIN_ID), **labels}) or 0.0


def test_the_devnet_config_carries_a_feed_per_main_token(devnet: World) -> None:
    by_address = {t.address: t for t in devnet.devnet.tokens}
    assert sorted(by_address[a].symbol for a in devnet.devnet.price_feeds) == sorted(PRICE_FEEDS)
    for address, feed in devnet.devnet.price_feeds.items():
        assert feeds.decimals(devnet.chain, feed.feed) == FEED_DECIMALS == 8
        answer = feeds.answer_of(by_address[address].reference_price_usd, FEED_DECIMALS)
        assert feeds.latest(devnet.chain, feed.feed).answer == answer


def test_engine_reads_the_feeds_and_serves_them(devnet: World, tmp_path: Path) -> None:
    async def main() -> None:
        async with _serving(_config(devnet, tmp_path), devnet) as (app, stub):
            prices = app.engine.reference_prices
            for address, feed in devnet.devnet.price_feeds.items():
                chain_round = feeds.latest(devnet.chain, feed.feed)
                price = prices.get(CHAIN_ID, address)
                assert price is not None, f"no price for {address}"
                assert (price.answer, price.decimals, price.round_id, price.updated_at, price.feed) == (
                    chain_round.answer, 8, chain_round.round_id, chain_round.updated_at,
                    feed.feed.lower())
            tokens = {t.symbol: t for t in (await stub.ListTokens(pb.ListTokensRequest())).tokens}
            for token in devnet.devnet.tokens:
                served = tokens[token.symbol]
                if token.symbol in PRICE_FEEDS:
                    address, feed_address = _feed(devnet, token.symbol)
                    assert served.usd_price == token.reference_price_usd  # 8-decimal answers: exact
                    assert served.usd_price_feed == feed_address.lower()
                    assert served.usd_price_updated_unix == prices.get(CHAIN_ID, address).updated_at  # type: ignore[union-attr]
                else:  # LINK, UNI: no feed on the devnet
                    assert not served.HasField("usd_price") and served.usd_price_feed == ""
            pools = (await stub.ListPools(pb.ListPoolsRequest(chain_id=CHAIN_ID))).pools
            priced = [p for p in pools if p.HasField("oracle_deviation")]
            symbols = {t.address.lower(): t.symbol for t in devnet.devnet.tokens}
            assert {p.address for p in priced} == {
                p.address for p in pools
                if symbols[p.token0] in PRICE_FEEDS and symbols[p.token1] in PRICE_FEEDS}
            assert len(priced) >= 15
            # the world starts at the reference prices, jittered by 0.05 %
            assert all(p.oracle_deviation < 0.005 and not p.off_oracle for p in priced)

    asyncio.run(main())


def test_pool_pushed_off_the_oracle_is_flagged_and_opportunities_valued_in_usd(
    devnet: World, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=ORACLE_LOG)
    weth, _ = _feed(devnet, WETH)
    target = next(p for p in devnet.devnet.pools if p.dex == UNISWAP_V2
                  and {devnet.devnet.token_by_address(t).symbol for t in (p.token0, p.token1)}
                  == {WETH, "USDC"})

    async def main() -> None:
        async with _serving(_config(devnet, tmp_path), devnet) as (app, stub):
            # a real swap moves the pair's price by about 5 %: beyond max_oracle_deviation (2 %)
            market = ChainMarket(devnet.devnet, MarketOptions(), random.Random(3))
            # a mainnet-like base fee (empty manually mined blocks let it decay to wei), so
            # that gas costs something in every base token
            devnet.chain.rpc("anvil_setNextBlockBaseFeePerGas", [hex(30 * 10**9)])
            devnet.mine()
            assert market.open_gap(target, 0.05, zero_for_one=True) is not None
            devnet.mine()
            head = devnet.head()
            await wait_until(lambda: _at(app.engine, head), "the gap's block applied")
            await wait_until(lambda: _metric("arbx_off_oracle_pools") == 1, "the oracle check")

            pools = (await stub.ListPools(pb.ListPoolsRequest(chain_id=CHAIN_ID))).pools
            off = [p for p in pools if p.off_oracle]
            assert [p.address for p in off] == [target.address.lower()]
            # the deviation is the pool's on-chain price against the oracles' ratio
            t0 = devnet.devnet.token_by_address(target.token0)
            t1 = devnet.devnet.token_by_address(target.token1)
            r0, r1 = read_reserves(devnet.chain, target.address)
            pool_price = r1 / r0 * 10 ** (t0.decimals - t1.decimals)
            implied = t0.reference_price_usd / t1.reference_price_usd
            assert off[0].oracle_deviation == pytest.approx(abs(pool_price / implied - 1), rel=1e-9)
            assert 0.04 < off[0].oracle_deviation < 0.07
            assert all(p.oracle_deviation < 0.02 for p in pools
                       if p.HasField("oracle_deviation") and not p.off_oracle)
            assert f"pool off oracle: chain devnet-1, pool {target.address.lower()}" in caplog.text

            # opportunities through the gap, their profit and gas valued in USD
            stream = stub.StreamOpportunities(pb.StreamOpportunitiesRequest(chain_ids=[CHAIN_ID]))
            snapshot = await stream.read()
            stream.cancel()
            opportunities = list(snapshot.opportunities)
            assert opportunities, "a 5 % gap opens a profitable cycle"
            assert any(target.address.lower() in o.pools for o in opportunities)
            eth_usd = app.engine.reference_prices.usd_price(CHAIN_ID, weth)
            gas_price = app.engine.view.gas_price_wei[CHAIN_ID]
            assert gas_price > 10**10
            valued = 0
            for o in opportunities:
                usd = app.engine.reference_prices.usd_price(CHAIN_ID, o.base_token)
                if usd is None:
                    assert not o.HasField("profit_net_usd") and not o.HasField("gas_cost_usd")
                    continue
                unit = usd / 10 ** devnet.devnet.token_by_address(o.base_token).decimals
                assert o.profit_net_usd == pytest.approx(int(o.profit_net) * unit, rel=1e-12)
                assert o.gas_cost_usd == pytest.approx(int(o.gas_cost) * unit, rel=1e-12)
                assert o.profit_net_usd + o.gas_cost_usd == pytest.approx(
                    int(o.profit_gross) * unit, rel=1e-9)
                # gas in USD through the native token's oracle price agrees: exactly for WETH
                # cycles (gas_cost is wei); within the pool-vs-oracle spread otherwise
                gas_usd = o.gas_units * gas_price / 1e18 * eth_usd  # type: ignore[operator]
                assert o.gas_cost_usd == pytest.approx(gas_usd, rel=1e-12 if o.base_token == weth else 0.06)
                valued += 1
            assert valued > 0
            # stored opportunities are valued the same way
            listed: list[pb.Opportunity] = []

            async def stored() -> bool:
                listed[:] = (await stub.ListOpportunities(
                    pb.ListOpportunitiesRequest(chain_id=CHAIN_ID))).opportunities
                return bool(listed)

            for _ in range(200):
                if await stored():
                    break
                await asyncio.sleep(0.05)
            assert listed, "opportunities stored"
            for o in listed:
                usd = app.engine.reference_prices.usd_price(CHAIN_ID, o.base_token)
                if usd is not None:
                    unit = usd / 10 ** devnet.devnet.token_by_address(o.base_token).decimals
                    assert o.profit_net_usd == pytest.approx(int(o.profit_net) * unit, rel=1e-12)

    asyncio.run(main())


def _rejections(caplog: pytest.LogCaptureFixture, reason: str) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == ORACLE_LOG and getattr(r, "reason", None) == reason]


def test_bad_answers_are_rejected_and_the_last_good_price_kept(
    devnet: World, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=ORACLE_LOG)
    weth, weth_feed = _feed(devnet, WETH)
    deployer = devnet.devnet.deployer
    # LINK "priced" by an account without code: the feed cannot be read
    link = devnet.devnet.token("LINK").address
    price_feeds = {a: f.model_dump() for a, f in devnet.devnet.price_feeds.items()}
    price_feeds[link] = {"feed": deployer}
    config = engine_config(devnet.devnet, oracle_refresh_blocks=1, price_feeds=price_feeds)

    def publish(data: bytes) -> None:
        devnet.chain.send(weth_feed, data, sender=deployer)
        devnet.mine()

    async def main() -> None:
        engine = Engine(config)
        follower = ChainFollower(config.chains[0], engine)
        task = asyncio.create_task(follower.run())
        oracle = follower.oracle
        assert oracle is not None
        try:
            await wait_until(lambda: oracle.last_read_block == devnet.head(), "the first read")
            good = engine.reference_prices.get(CHAIN_ID, weth)
            assert good is not None and good.usd == 3_000.0
            assert engine.reference_prices.usd_price(CHAIN_ID, link) is None
            (failed,) = _rejections(caplog, "call_failed")
            assert f"token LINK ({link.lower()}), feed {deployer.lower()}: call_failed:" in failed
            assert "no price yet" in failed

            async def read_at_head() -> None:
                head = devnet.head()
                await wait_until(lambda: oracle.last_read_block == head, f"the read at {head}")

            async def rejected(reason: str, data: bytes, reads: int = 3) -> str:
                errors = _metric("arbx_oracle_errors_total", reason=reason)
                publish(data)
                await read_at_head()
                for _ in range(reads - 1):  # read again: the same round is logged once
                    devnet.mine()
                    await read_at_head()
                assert _metric("arbx_oracle_errors_total", reason=reason) == errors + reads
                assert engine.reference_prices.get(CHAIN_ID, weth) == good  # the last good one kept
                (message,) = _rejections(caplog, reason)
                return message

            zero = await rejected("non_positive", feeds.update_calldata(0))
            assert f"token WETH ({weth}), feed {weth_feed.lower()}: non_positive: answer 0 <= 0" in zero
            assert f"keeping round {good.round_id} (3000 USD, block {good.block_number})" in zero

            now = int(devnet.chain.rpc("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)
            old = feeds.update_round_calldata(3_200 * 10**8, now - 7_200, now - 7_200)
            stale = await rejected("stale", old)
            assert "stale: updated 72" in stale and "max_staleness_s is 3600" in stale

            incomplete = await rejected("incomplete", feeds.update_round_calldata(3_200 * 10**8, 0, 0))
            assert "updatedAt 0" in incomplete

            # a good answer is taken again
            publish(feeds.update_calldata(3_300 * 10**8))
            await read_at_head()
            assert engine.reference_prices.usd_price(CHAIN_ID, weth) == 3_300.0
            assert engine.status().chains[0].state is SyncState.LIVE  # the chain never stopped
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    asyncio.run(main())
