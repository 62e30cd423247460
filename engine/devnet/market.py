"""The market simulator: keeps the devnet's pools moving so that an
arbitrageur has something to find.

Per chain, on every step:
- noise traders swap on random pools, sizes log-normal in dollars; their
  direction leans towards a slowly drifting fair price, so pools do not
  wander apart forever (informed flow is what re-aligns real pools too);
- now and then one large swap moves one pool's price by a few percent, a gap
  against the other DEXes quoting the same pair that stays until someone
  arbitrages it or the noise flow slowly closes it;
- liquidity is added to and removed from V3 pools, in ranges from narrow to wide;
- every few seconds the price feeds follow the fair price, as Chainlink's do:
  a new round when the fair price moved more than ``feed_deviation`` from the
  feed's answer, or when ``feed_heartbeat_s`` passed since its last round.

Transactions go out from anvil's unlocked accounts through the world's
V2Caller / V3Caller (they hold the tokens) without waiting for receipts: with
interval mining, several swaps share each block.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.devnet import feeds, liquidity
from engine.devnet.config import ChainConfig, DevnetConfig, PoolConfig
from engine.devnet.rpc import TX_GAS, Chain, RpcError
from engine.devnet.spec import FEED_DECIMALS, PANCAKESWAP_V2, STABLES, UNISWAP_V2
from engine.devnet.v2 import V2Dex, V2Protocol, read_reserves
from engine.devnet.v3 import Pool, V3Dex

SWAP_GAS = 2_000_000  # a noise swap; a block holds hundreds
SHOCK_GAS = 30_000_000  # a gap-opening V3 swap may cross many ticks
FEED_GAS = 200_000  # PriceFeed.updateAnswer


@dataclass(frozen=True)
class MarketOptions:
    seed: int = 0
    swaps_per_second: float = 3.0  # per chain
    gaps_per_minute: float = 2.0  # per chain
    gap_move: tuple[float, float] = (0.01, 0.03)  # relative price move of a gap-opening swap
    liquidity_changes_per_minute: float = 6.0  # per chain, V3 mints and burns
    median_swap_usd: float = 2_000.0
    swap_size_sigma: float = 1.2  # log-normal: most swaps small, a few large
    max_noise_impact: float = 0.005  # a noise swap moves its pool's price by at most this
    volatility_per_sqrt_s: float = 0.0004  # fair-price drift of non-stable tokens
    reversion: float = 60.0  # direction bias per unit of log mispricing
    position_usd: tuple[float, float] = (20_000.0, 500_000.0)
    feed_interval_s: float = 5.0  # how often the price feeds are compared with the fair price
    feed_deviation: float = 0.001  # a new round when the fair price moved this much (relative)
    feed_heartbeat_s: float = 60.0  # ... or when the last round is this old


@dataclass
class MarketStats:
    counts: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))


@dataclass(frozen=True)
class Position:
    pool: Pool
    lower: int
    upper: int
    liquidity: int
    minted_at: float  # time.monotonic()


POSITION_MIN_AGE_S = 3.0  # a burn must not reach the chain before its mint


class ChainMarket:
    """The simulated market on one chain."""

    def __init__(self, config: ChainConfig, options: MarketOptions, rng: random.Random):
        self.config = config
        self.options = options
        self.rng = rng
        self.chain = Chain(config.rpc_url)
        self.traders = self.chain.accounts[1:] or self.chain.accounts
        self.stats = MarketStats()
        helpers = config.simulator
        self.v2 = {
            UNISWAP_V2: V2Dex(
                self.chain, V2Protocol.UNISWAP, helpers.v2_caller, config.dex(UNISWAP_V2).factory
            ),
            PANCAKESWAP_V2: V2Dex(
                self.chain,
                V2Protocol.PANCAKESWAP,
                helpers.v2_caller,
                config.dex(PANCAKESWAP_V2).factory,
            ),
        }
        v3_factory = next(d.factory for d in config.dexes if d.kind == "v3")
        self.v3 = V3Dex(self.chain, helpers.v3_caller, v3_factory)
        self.tokens = {t.address: t for t in config.tokens}
        self.fair_usd = {t.address: t.reference_price_usd for t in config.tokens}
        pair_counts = Counter(_pair(p) for p in config.pools)
        self.gap_pools = [p for p in config.pools if pair_counts[_pair(p)] > 1]
        self.positions: list[Position] = []
        self._next_trader = 0
        # token -> its price feed (owned by the deployer), the answer last pushed and when
        self.feeds = {token: f.feed for token, f in config.price_feeds.items()}
        now = time.monotonic()
        self.feed_answers = {
            token: feeds.answer_of(self.fair_usd[token], FEED_DECIMALS) for token in self.feeds
        }
        self._feed_pushed_at = dict.fromkeys(self.feeds, now)
        self._feeds_checked_at = now

    # --- one step -------------------------------------------------------------

    def step(self, dt: float) -> None:
        """Everything that happens on this chain in ``dt`` seconds."""
        self._drift(dt)
        self.update_feeds()
        o = self.options
        for _ in range(_poisson(self.rng, o.swaps_per_second * dt)):
            self.noise_swap(self.rng.choice(self.config.pools))
        if self.gap_pools and self.rng.random() < o.gaps_per_minute * dt / 60:
            pool = self.rng.choice(self.gap_pools)
            self.open_gap(pool, self.rng.uniform(*o.gap_move), self.rng.random() < 0.5)
        if self.rng.random() < o.liquidity_changes_per_minute * dt / 60:
            self.change_liquidity()

    def _drift(self, dt: float) -> None:
        for address, token in self.tokens.items():
            if token.symbol in STABLES:
                continue
            shock = self.rng.gauss(0, self.options.volatility_per_sqrt_s * math.sqrt(dt))
            self.fair_usd[address] *= math.exp(shock)

    # --- actions ----------------------------------------------------------------

    def update_feeds(self, now: float | None = None) -> int:
        """Push the fair price to the feeds that moved enough or are due a heartbeat,
        at most every ``feed_interval_s``; returns the rounds sent."""
        now = time.monotonic() if now is None else now
        o = self.options
        if now - self._feeds_checked_at < o.feed_interval_s:
            return 0
        self._feeds_checked_at = now
        sent = 0
        for token, feed in self.feeds.items():
            answer = feeds.answer_of(self.fair_usd[token], FEED_DECIMALS)
            moved = abs(answer / self.feed_answers[token] - 1) >= o.feed_deviation
            if not moved and now - self._feed_pushed_at[token] < o.feed_heartbeat_s:
                continue
            try:
                self.chain.send(feed, feeds.update_calldata(answer), sender=self.config.deployer,
                                gas=FEED_GAS)
            except RpcError as exc:
                self.stats.counts[f"rejected: {str(exc)[:60]}"] += 1
                continue
            self.feed_answers[token] = answer
            self._feed_pushed_at[token] = now
            self.stats.counts["feed rounds"] += 1
            sent += 1
        return sent

    def noise_swap(self, pool: PoolConfig) -> str | None:
        t0, t1 = self.tokens[pool.token0], self.tokens[pool.token1]
        price = self.pool_price(pool)
        fair = liquidity.raw_price(
            self.fair_usd[t0.address], self.fair_usd[t1.address], t0.decimals, t1.decimals
        )
        # token0 dear against the fair price: sellers of token0 are likelier
        lean = math.tanh(self.options.reversion * math.log(price / fair))
        zero_for_one = self.rng.random() < 0.5 + 0.5 * lean
        token_in = t0 if zero_for_one else t1
        size_usd = self.options.median_swap_usd * math.exp(
            self.rng.gauss(0, self.options.swap_size_sigma)
        )
        amount_in = liquidity.raw_amount(
            size_usd, self.fair_usd[token_in.address], token_in.decimals
        )
        if amount_in <= 0:
            return None
        move = self.options.max_noise_impact
        if pool.kind == "v2":
            r0, r1 = read_reserves(self.chain, pool.address)
            amount_in = min(amount_in, int((r0 if zero_for_one else r1) * move))
            if amount_in <= 0:
                return None
            data = self.v2[pool.dex].swap_in_calldata(pool.address, zero_for_one, amount_in)
            return self._send(self.v2[pool.dex].caller, data, SWAP_GAS, "swaps v2")
        return self._v3_swap(pool, zero_for_one, amount_in, move, SWAP_GAS, "swaps v3")

    def open_gap(self, pool: PoolConfig, move: float, zero_for_one: bool) -> str | None:
        """One swap that moves ``pool``'s price by about ``move`` (relative): token0
        gets cheaper when ``zero_for_one``. Other pools of the pair do not follow."""
        if pool.kind == "v2":
            r0, r1 = read_reserves(self.chain, pool.address)
            amount_in = liquidity.v2_amount_in_for_move(r0 if zero_for_one else r1, move)
            data = self.v2[pool.dex].swap_in_calldata(pool.address, zero_for_one, amount_in)
            return self._send(self.v2[pool.dex].caller, data, SHOCK_GAS, "gaps")
        return self._v3_swap(pool, zero_for_one, 2**127, move, SHOCK_GAS, "gaps")

    def change_liquidity(self) -> str | None:
        """Burns one of the simulator's positions or mints a new one on a V3 pool."""
        mined = [p for p in self.positions if time.monotonic() - p.minted_at > POSITION_MIN_AGE_S]
        if mined and self.rng.random() < 0.4:
            p = self.rng.choice(mined)
            self.positions.remove(p)
            data = self.v3.burn_calldata(p.pool, p.lower, p.upper, p.liquidity)
            return self._send(self.v3.caller, data, SHOCK_GAS, "liquidity burns")
        v3_pools = [p for p in self.config.pools if p.kind == "v3"]
        config = self.rng.choice(v3_pools)
        pool = _v3_pool(config)
        price = liquidity.price_of_sqrt_x96(self.v3.read_slot(pool)[0])
        half_width = None if self.rng.random() < 0.1 else math.exp(self.rng.uniform(-7, -1.5))
        lower, upper = liquidity.position_ticks(price, half_width, pool.tick_spacing)
        t1 = self.tokens[pool.token1]
        value1 = liquidity.raw_amount(
            math.exp(self.rng.uniform(*map(math.log, self.options.position_usd))),
            self.fair_usd[t1.address],
            t1.decimals,
        )
        amount = liquidity.liquidity_for_value(price, lower, upper, value1)
        self.positions.append(Position(pool, lower, upper, amount, time.monotonic()))
        data = self.v3.mint_calldata(pool, lower, upper, amount)
        return self._send(self.v3.caller, data, SHOCK_GAS, "liquidity mints")

    # --- helpers ----------------------------------------------------------------

    def pool_price(self, pool: PoolConfig) -> float:
        """token1 units per token0 unit, now."""
        if pool.kind == "v2":
            r0, r1 = read_reserves(self.chain, pool.address)
            return r1 / r0
        return liquidity.price_of_sqrt_x96(self.v3.read_slot(_v3_pool(pool))[0])

    def _v3_swap(
        self,
        pool: PoolConfig,
        zero_for_one: bool,
        amount_in: int,
        move: float,
        gas: int,
        kind: str,
    ) -> str | None:
        data = self.v3.swap_by_factor_calldata(_v3_pool(pool), zero_for_one, amount_in, move)
        return self._send(self.v3.caller, data, gas, kind)

    def _send(self, to: str, data: bytes, gas: int, kind: str) -> str | None:
        sender = self.traders[self._next_trader % len(self.traders)]
        self._next_trader += 1
        try:
            tx_hash = self.chain.send(to, data, sender=sender, gas=min(gas, TX_GAS))
        except RpcError as exc:
            self.stats.counts["rejected"] += 1
            self.stats.counts[f"rejected: {str(exc)[:60]}"] += 1
            return None
        self.stats.counts[kind] += 1
        return tx_hash


class MarketSimulator:
    """All chains of a devnet config, stepped together."""

    def __init__(self, config: DevnetConfig, options: MarketOptions = MarketOptions()):
        self.options = options
        self.markets = [
            ChainMarket(chain, options, random.Random(f"market:{options.seed}:{chain.chain_id}"))
            for chain in config.chains
        ]

    def step(self, dt: float) -> None:
        for market in self.markets:
            market.step(dt)

    def run(
        self,
        duration_s: float | None = None,
        tick_s: float = 0.25,
        log: Callable[[str], None] = print,
        log_every_s: float = 10.0,
    ) -> None:
        """Steps every ``tick_s`` until ``duration_s`` has passed (forever when None)."""
        start = last = last_log = time.monotonic()
        while duration_s is None or time.monotonic() - start < duration_s:
            time.sleep(max(0.0, tick_s - (time.monotonic() - last)))
            now = time.monotonic()
            self.step(now - last)
            last = now
            if now - last_log >= log_every_s:
                last_log = now
                for market in self.markets:
                    log(f"  {market.config.name}: {market.stats.line()}")


def _pair(pool: PoolConfig) -> tuple[str, str]:
    return pool.token0, pool.token1


def _v3_pool(pool: PoolConfig) -> Pool:
    if pool.tick_spacing is None:
        raise ValueError(f"V3 pool {pool.address} has no tick_spacing in the config")
    return Pool(pool.address, pool.fee, pool.tick_spacing, pool.token0, pool.token1)


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small means of one step."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
