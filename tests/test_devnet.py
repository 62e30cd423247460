"""The devnet world (engine/devnet): `python -m engine.devnet up` from nothing,
pools consistent with the config it writes, the keystore, the market
simulator's swaps on chain, a gap it opens that the exact math (engine_rs)
and the executor agree is profitable, the price feeds it moves, and a clean
shutdown.

One `up` (two anvil chains, interval mining) serves the module; the tests run
in file order because the simulator tests change the chains' state.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak, to_checksum_address

from engine.devnet import artifacts, feeds, keystore, tokens
from engine.devnet.config import ChainConfig, DevnetConfig, PoolConfig, load
from engine.devnet.market import ChainMarket, MarketOptions, MarketSimulator
from engine.devnet.node import ANVIL_BIN, AnvilNode, NodeOptions
from engine.devnet.paths import REPO_ROOT
from engine.devnet.rpc import Chain
from engine.devnet.spec import (
    FEED_MAX_STALENESS_S,
    PANCAKESWAP_V2,
    PRICE_FEEDS,
    UNISWAP_V2,
    UNISWAP_V3,
)
from engine.devnet.v2 import read_reserves
from engine.devnet.v3 import FEE_TIERS, Pool, V3Dex, max_usable_tick, min_usable_tick
from engine.devnet.world import WorldOptions, build

pytestmark = pytest.mark.chain

PASSWORD = "test-password-not-a-secret"
SEED = 7
BLOCK_TIME_S = 1


@dataclass
class Devnet:
    proc: subprocess.Popen[str]
    config: DevnetConfig
    config_path: Path
    pid_file: Path
    keystore_path: Path
    startup_s: float


@pytest.fixture(scope="module")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devnet]:
    if not ANVIL_BIN.exists():
        pytest.fail(f"anvil not found at {ANVIL_BIN}: run `make npm`", pytrace=False)
    if not artifacts.EXECUTOR_ARTIFACT.exists():
        pytest.fail(
            "contracts/out is missing: run `cd contracts && tools/forge build`", pytrace=False
        )
    artifacts.helpers()  # compile (or load from cache) outside the timed start
    tmp = tmp_path_factory.mktemp("devnet")
    config_path, pid_file, keystore_path = tmp / "devnet.json", tmp / "pid", tmp / "trader.json"
    started = time.monotonic()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "engine.devnet",
            "up",
            "--base-port",
            "0",
            "--block-time",
            str(BLOCK_TIME_S),
            "--seed",
            str(SEED),
            "--config",
            str(config_path),
            "--keystore",
            str(keystore_path),
            "--pid-file",
            str(pid_file),
        ],
        cwd=REPO_ROOT,
        env={**os.environ, keystore.PASSWORD_ENV: PASSWORD},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        while not config_path.exists():
            if proc.poll() is not None:
                pytest.fail(f"devnet up exited with {proc.returncode}:\n{proc.stdout.read()}")  # type: ignore[union-attr]
            if time.monotonic() - started > 120:
                pytest.fail("devnet up wrote no config within 120 s")
            time.sleep(0.05)
        startup_s = time.monotonic() - started
        yield Devnet(proc, load(config_path), config_path, pid_file, keystore_path, startup_s)
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


def _chain(config: ChainConfig) -> Chain:
    return Chain(config.rpc_url)


def _call(chain: Chain, address: str, artifact: artifacts.Artifact, fn: str, *args: Any) -> Any:
    (value,) = artifact.decode_output(fn, chain.call(address, artifact.encode(fn, *args)))[:1]
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return to_checksum_address(value)  # eth_abi decodes addresses in lower case
    return value


def _create2(factory: str, salt: bytes, init_code_hash: str) -> str:
    digest = keccak(b"\xff" + bytes.fromhex(factory[2:]) + salt + bytes.fromhex(init_code_hash[2:]))
    return to_checksum_address(digest[12:])


# --- the world --------------------------------------------------------------------


def test_world_comes_up_from_nothing(devnet: Devnet) -> None:
    print(
        f"\ndevnet up (2 chains, {len(devnet.config.chains[0].pools)} pools each, "
        f"keystore included): {devnet.startup_s:.1f} s"
    )
    chains = devnet.config.chains
    assert len(chains) == 2
    assert [c.chain_id for c in chains] == [31337, 31338]
    assert len({c.rpc_url for c in chains}) == 2
    for config in chains:
        chain = _chain(config)
        assert chain.chain_id() == config.chain_id
        assert config.block_time_s == BLOCK_TIME_S
        assert not chain.automine(), "interval mining must turn automine off"
        before = chain.block_number()
        time.sleep(BLOCK_TIME_S * 2.5)
        assert chain.block_number() > before, "no block mined on the interval"


def test_tokens_have_realistic_decimals(devnet: Devnet) -> None:
    for config in devnet.config.chains:
        chain = _chain(config)
        decimals = {t.symbol: t.decimals for t in config.tokens}
        assert {decimals["USDC"], decimals["WBTC"], decimals["WETH"]} == {6, 8, 18}
        for token in config.tokens:
            assert tokens.decimals_of(chain, token.address) == token.decimals, token.symbol


def test_dexes_are_real_and_configured(devnet: Devnet) -> None:
    for config in devnet.config.chains:
        chain = _chain(config)
        names = {d.name: d for d in config.dexes}
        assert names[UNISWAP_V2].fee == 3000 and names[PANCAKESWAP_V2].fee == 2000
        assert names[UNISWAP_V2].factory != names[PANCAKESWAP_V2].factory
        # the npm Uniswap builds reproduce mainnet's constants
        assert names[UNISWAP_V2].init_code_hash.startswith("0x96e8ac42")
        assert names[UNISWAP_V3].init_code_hash.startswith("0xe34f199b")
        v3 = V3Dex(chain, config.simulator.v3_caller, names[UNISWAP_V3].factory)
        for fee, spacing in FEE_TIERS.items():
            assert v3.fee_tick_spacing(fee) == spacing
        assert {p.fee for p in config.pools if p.kind == "v3"} == set(FEE_TIERS)
        executor_art = artifacts.executor()
        assert _call(chain, config.executor, executor_art, "owner") == config.deployer
        assert _call(chain, config.executor, executor_art, "executor") == config.trader
        for dex in config.dexes:
            configured = _call(chain, config.executor, executor_art, "initCodeHashOf", dex.factory)
            assert "0x" + bytes(configured).hex() == dex.init_code_hash, dex.name


def test_pools_are_readable_and_consistent(devnet: Devnet) -> None:
    pair_art, pool_art = artifacts.v2("UniswapV2Pair"), artifacts.v3("UniswapV3Pool")
    for config in devnet.config.chains:
        chain = _chain(config)
        for pool in config.pools:
            dex = config.dex(pool.dex)
            assert int(pool.token0, 16) < int(pool.token1, 16), "tokens must be sorted"
            t0, t1 = config.token_by_address(pool.token0), config.token_by_address(pool.token1)
            art = pair_art if pool.kind == "v2" else pool_art
            assert _call(chain, pool.address, art, "token0") == pool.token0
            assert _call(chain, pool.address, art, "token1") == pool.token1
            if pool.kind == "v2":
                salt = keccak(bytes.fromhex(pool.token0[2:] + pool.token1[2:]))
                r0, r1 = read_reserves(chain, pool.address)
                assert r0 > 0 and r1 > 0
                price = r1 / r0
            else:
                assert _call(chain, pool.address, pool_art, "fee") == pool.fee
                assert _call(chain, pool.address, pool_art, "tickSpacing") == pool.tick_spacing
                salt = keccak(
                    bytes(12)
                    + bytes.fromhex(pool.token0[2:])
                    + bytes(12)
                    + bytes.fromhex(pool.token1[2:])
                    + pool.fee.to_bytes(32, "big")
                )
                v3 = V3Dex(chain, config.simulator.v3_caller, dex.factory)
                state = v3.read_state(_v3(pool))
                assert state.liquidity > 0
                # positions from full range down to a few spacings around the price
                ticks = [t for t, _ in state.ticks]
                spacing = state.tick_spacing
                assert ticks[0] == min_usable_tick(spacing) and ticks[-1] == max_usable_tick(
                    spacing
                )
                nearest_below = max(t for t in ticks if t <= state.tick)
                nearest_above = min(t for t in ticks if t > state.tick)
                assert nearest_above - nearest_below <= max(400, 2 * spacing), pool
                assert len(ticks) >= 8
                price = (state.sqrt_price_x96 / 2**96) ** 2
            assert _create2(dex.factory, salt, dex.init_code_hash) == pool.address
            reference = (
                t0.reference_price_usd / t1.reference_price_usd * 10 ** (t1.decimals - t0.decimals)
            )
            assert abs(price / reference - 1) < 0.01, (pool, price, reference)


def test_same_seed_builds_the_same_world(devnet: Devnet) -> None:
    """A fresh anvil and the same seed give the same addresses, reserves and liquidity."""
    original = devnet.config.chains[0]
    node = AnvilNode(NodeOptions(chain_id=original.chain_id, accounts=10))
    try:
        again = build(
            Chain(node.url),
            WorldOptions(SEED, original.name, node.url, node.ws_url, 0, original.trader),
            log=lambda _: None,
        )
        ignore = {"rpc_url", "ws_url", "block_time_s"}
        assert again.model_dump(exclude=ignore) == original.model_dump(exclude=ignore)
        chain_a, chain_b = _chain(original), Chain(node.url)
        for pool in original.pools:
            if pool.kind == "v2":
                assert read_reserves(chain_a, pool.address) == read_reserves(chain_b, pool.address)
            else:
                factory = original.dex(pool.dex).factory
                state_a = V3Dex(chain_a, original.simulator.v3_caller, factory).read_state(
                    _v3(pool)
                )
                state_b = V3Dex(chain_b, original.simulator.v3_caller, factory).read_state(
                    _v3(pool)
                )
                assert state_a == state_b
    finally:
        node.stop()


def test_keystore_decrypts_and_is_funded(devnet: Devnet) -> None:
    path = Path(devnet.config.keystore.path)
    assert path == devnet.keystore_path.resolve()
    assert path.stat().st_mode & 0o077 == 0, "keystore must be private to its owner"
    raw = json.loads(path.read_text())
    assert raw["version"] == 3 and "crypto" in raw
    key = keystore.decrypt(path, PASSWORD)
    from eth_account import Account

    assert Account.from_key(key).address == devnet.config.keystore.address
    with pytest.raises(keystore.KeystoreError, match="wrong password"):
        keystore.decrypt(path, PASSWORD + "x")
    assert PASSWORD not in devnet.config_path.read_text()
    for config in devnet.config.chains:
        chain = _chain(config)
        assert config.trader == devnet.config.keystore.address
        assert int(chain.rpc("eth_getBalance", [config.trader, "latest"]), 16) >= 10**18
        assert tokens.balance_of(chain, config.token("WETH").address, config.trader) > 0


def test_up_refuses_to_start_without_a_password(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != keystore.PASSWORD_ENV}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine.devnet",
            "up",
            "--config",
            str(tmp_path / "c.json"),
            "--keystore",
            str(tmp_path / "k.json"),
            "--pid-file",
            str(tmp_path / "pid"),
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert keystore.PASSWORD_ENV in proc.stderr and "--dev-password" in proc.stderr
    assert not (tmp_path / "k.json").exists()


# --- the market simulator ------------------------------------------------------------


def _count_logs(chain: Chain, addresses: list[str], topic: str, from_block: int) -> int:
    logs = chain.rpc(
        "eth_getLogs",
        [
            {
                "fromBlock": hex(from_block),
                "toBlock": "latest",
                "address": addresses,
                "topics": [topic],
            }
        ],
    )
    return len(logs)


def _wait_for_pending(chain: Chain, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while int(chain.rpc("eth_getBlockTransactionCountByNumber", ["pending"]), 16) > 0:
        if time.monotonic() > deadline:
            raise TimeoutError("pending transactions were not mined")
        time.sleep(0.2)
    time.sleep(BLOCK_TIME_S * 1.2)


def test_simulator_swaps_land_on_chain(devnet: Devnet) -> None:
    v2_swap = "0x" + artifacts.v2("UniswapV2Pair").event_topic("Swap").hex()
    v3_swap = "0x" + artifacts.v3("UniswapV3Pool").event_topic("Swap").hex()
    v3_mint = "0x" + artifacts.v3("UniswapV3Pool").event_topic("Mint").hex()
    v3_burn = "0x" + artifacts.v3("UniswapV3Pool").event_topic("Burn").hex()
    options = MarketOptions(
        seed=SEED, swaps_per_second=8, gaps_per_minute=30, liquidity_changes_per_minute=60
    )
    simulator = MarketSimulator(devnet.config, options)
    starts = [_chain(c).block_number() + 1 for c in devnet.config.chains]
    simulator.run(duration_s=8, tick_s=0.25, log=lambda _: None)
    for market, start in zip(simulator.markets, starts, strict=True):
        _wait_for_pending(market.chain)
        pools = market.config.pools
        v2 = [p.address for p in pools if p.kind == "v2"]
        v3 = [p.address for p in pools if p.kind == "v3"]
        counts = market.stats.counts
        sent_swaps = counts["swaps v2"] + counts["swaps v3"] + counts["gaps"]
        landed = _count_logs(market.chain, v2, v2_swap, start) + _count_logs(
            market.chain, v3, v3_swap, start
        )
        print(f"\n{market.config.name}: {market.stats.line()}; Swap events {landed}")
        assert counts["rejected"] == 0
        assert counts["swaps v2"] > 0 and counts["swaps v3"] > 0
        assert landed == sent_swaps, "every swap the simulator sent must emit one Swap event"
        assert _count_logs(market.chain, v3, v3_mint, start) == counts["liquidity mints"]
        assert _count_logs(market.chain, v3, v3_burn, start) == counts["liquidity burns"]
        assert market.chain.block_number() - start >= 3, "several blocks, not one per tx"


def _v3(pool: PoolConfig) -> Pool:
    assert pool.tick_spacing is not None
    return Pool(pool.address, pool.fee, pool.tick_spacing, pool.token0, pool.token1)


class Quoter:
    """Exact outputs from chain state: engine_rs's V2 formula and V3 pool simulation."""

    def __init__(self, engine: Any, chain: Chain, config: ChainConfig, pools: list[PoolConfig]):
        self.engine = engine
        self.v2: dict[str, tuple[int, int]] = {}
        self.v3: dict[str, Any] = {}
        for pool in pools:
            if pool.kind == "v2":
                self.v2[pool.address] = read_reserves(chain, pool.address)
            else:
                v3 = V3Dex(chain, config.simulator.v3_caller, config.dex(pool.dex).factory)
                s = v3.read_state(_v3(pool))
                self.v3[pool.address] = engine.V3Pool(
                    s.sqrt_price_x96, s.tick, s.liquidity, s.fee, s.tick_spacing, s.ticks
                )

    def out(self, pool: PoolConfig, token_in: str, amount_in: int) -> int:
        if amount_in == 0:
            return 0  # both pools revert on a zero input; the cycle just loses
        zero_for_one = token_in == pool.token0
        if pool.kind == "v2":
            r0, r1 = self.v2[pool.address]
            r_in, r_out = (r0, r1) if zero_for_one else (r1, r0)
            return int(self.engine.v2_get_amount_out(amount_in, r_in, r_out, pool.fee // 100))
        result = self.v3[pool.address].swap(zero_for_one, amount_in)
        return -int(result.amount1 if zero_for_one else result.amount0)

    def cycle_profit(self, first: PoolConfig, second: PoolConfig, start: str, amount: int) -> int:
        other = first.token1 if start == first.token0 else first.token0
        return self.out(second, other, self.out(first, start, amount)) - amount


def _best_amount(profit: Any, high: int) -> tuple[int, int]:
    """Ternary search of a concave integer function on [1, high]."""
    low = 1
    while high - low > 2:
        a, b = low + (high - low) // 3, high - (high - low) // 3
        if profit(a) < profit(b):
            low = a
        else:
            high = b
    best = max(range(low, high + 1), key=profit)
    return best, profit(best)


def test_an_opened_gap_is_profitable_by_the_exact_math(devnet: Devnet) -> None:
    engine = pytest.importorskip("engine_rs", reason="engine_rs is not built (make build)")
    config = devnet.config.chains[0]
    market = ChainMarket(config, MarketOptions(seed=SEED), random.Random(SEED))
    weth, usdc = config.token("WETH").address, config.token("USDC").address
    pair = sorted((weth, usdc), key=lambda a: int(a, 16))
    same_pair = [p for p in config.pools if [p.token0, p.token1] == pair]
    shocked = next(p for p in same_pair if p.dex == UNISWAP_V2)
    others = [p for p in same_pair if p is not shocked]
    assert {p.dex for p in others} >= {PANCAKESWAP_V2, UNISWAP_V3}

    tx = market.open_gap(shocked, 0.03, zero_for_one=True)
    assert tx is not None
    assert int(market.chain.receipt(tx)["status"], 16) == 1
    _wait_for_pending(market.chain)

    quoter = Quoter(engine, market.chain, config, same_pair)
    results = []
    for other in others:
        for first, second in ((shocked, other), (other, shocked)):
            for start in pair:
                start_token = config.token_by_address(start)
                high = 5_000_000 * 10**start_token.decimals // int(start_token.reference_price_usd)
                amount, profit = _best_amount(
                    lambda a, f=first, s=second, t=start: quoter.cycle_profit(f, s, t, a), high
                )
                results.append((profit, amount, first, second, start))
    profit, amount, first, second, start = max(results, key=lambda r: r[0])
    start_token = config.token_by_address(start)
    print(
        f"\nbest 2-hop cycle after a 3 % gap: {first.dex} -> {second.dex}, "
        f"{amount / 10**start_token.decimals:.4f} {start_token.symbol} in, "
        f"profit {profit / 10**start_token.decimals:.4f} {start_token.symbol}"
    )
    assert profit > 0

    # The executor realizes exactly that profit on the same state (eth_call by the trader).
    other_token = first.token1 if start == first.token0 else first.token0
    hops = [
        (
            first.address,
            start,
            other_token,
            config.dex(first.dex).factory,
            first.fee,
            0 if first.kind == "v2" else 1,
        ),
        (
            second.address,
            other_token,
            start,
            config.dex(second.dex).factory,
            second.fee,
            0 if second.kind == "v2" else 1,
        ),
    ]
    executor_art = artifacts.executor()
    deadline = market.chain.block_number() + 5
    data = executor_art.encode("execute", hops, amount, 0, deadline, True)
    (realized,) = executor_art.decode_output(
        "execute", market.chain.call(config.executor, data, sender=config.trader)
    )
    assert realized == profit


def test_price_feeds_follow_the_simulated_fair_price(devnet: Devnet) -> None:
    """A feed per main token at its reference price (8 decimals, as Chainlink's USD feeds),
    moved by the simulator when the fair price moves, refreshed by heartbeat otherwise."""
    config = devnet.config.chains[1]  # the gap test traded on the first chain
    chain = _chain(config)
    symbols = {config.token_by_address(t).symbol for t in config.price_feeds}
    assert symbols == set(PRICE_FEEDS) == {"WETH", "WBTC", "USDC", "USDT", "DAI"}
    rounds = {}
    for token, feed in config.price_feeds.items():
        assert feed.max_staleness_s == FEED_MAX_STALENESS_S
        assert feeds.decimals(chain, feed.feed) == 8
        first = feeds.round_data(chain, feed.feed, 1)  # deployed at the reference price
        assert first.answer == feeds.answer_of(config.token_by_address(token).reference_price_usd, 8)
        assert _call(chain, feed.feed, artifacts.helpers()["PriceFeed"], "owner") == config.deployer
        rounds[token] = feeds.latest(chain, feed.feed).round_id  # the simulator test may have moved it

    options = MarketOptions(seed=SEED, feed_interval_s=5, feed_deviation=0.001, feed_heartbeat_s=60)
    market = ChainMarket(config, options, random.Random(SEED))
    weth, wbtc = config.token("WETH").address, config.token("WBTC").address
    market.feed_answers.update({t: feeds.latest(chain, config.price_feeds[t].feed).answer
                                for t in config.price_feeds})  # what the feeds answer now
    market.fair_usd.update({t: a / 10**8 for t, a in market.feed_answers.items()})
    start = market._feeds_checked_at
    market.fair_usd[weth] *= 1.01  # moved: a new round
    market.fair_usd[wbtc] *= 1.0004  # within the deviation threshold: none yet
    assert market.update_feeds(start + 1) == 0  # not due before feed_interval_s
    assert market.update_feeds(start + 5) == 1
    _wait_for_pending(chain)
    weth_feed = config.price_feeds[weth].feed
    moved = feeds.latest(chain, weth_feed)
    assert moved.answer == feeds.answer_of(market.fair_usd[weth], 8)
    assert moved.round_id == rounds[weth] + 1
    assert feeds.latest(chain, config.price_feeds[wbtc].feed).round_id == rounds[wbtc]
    # the heartbeat: every feed gets a fresh round, moved or not
    assert market.update_feeds(start + 70) == len(config.price_feeds)
    _wait_for_pending(chain)
    for token, feed in config.price_feeds.items():
        latest = feeds.latest(chain, feed.feed)
        assert latest.answer == feeds.answer_of(market.fair_usd[token], 8)
        assert latest.round_id == rounds[token] + (2 if token == weth else 1)
    assert market.stats.counts["feed rounds"] == 1 + len(config.price_feeds)


def test_shutdown_leaves_no_anvil_running(devnet: Devnet) -> None:
    children = [  # /proc/<pid>/stat: "pid (comm) state ppid ..."
        int(path.parent.name)
        for path in Path("/proc").glob("[0-9]*/stat")
        if (stat := _read(path)) and int(stat.rsplit(") ", 1)[1].split()[1]) == devnet.proc.pid
    ]
    assert len(children) == 2, f"expected two anvil children, found {children}"
    ports = [int(c.rpc_url.rsplit(":", 1)[1]) for c in devnet.config.chains]
    assert devnet.pid_file.read_text().strip() == str(devnet.proc.pid)
    devnet.proc.send_signal(signal.SIGTERM)
    assert devnet.proc.wait(timeout=30) == 0
    for pid in children:
        assert not Path(f"/proc/{pid}").exists(), f"anvil {pid} still running"
    for port in ports:
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open"
    assert not devnet.pid_file.exists()


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
