"""Seeded random markets and update sequences for the Market tests and benchmarks.

A ``MarketSpec`` is plain data (tokens, V2 / V3 pools with their positions,
base tokens, gas price) that builds the same market into ``engine_rs.Market``
and into the pure-Python reference ``tests.reference.route_search.Market``
(``spec.build(cls)``). Prices follow a USD price per token (decimals 6 / 8 /
18), with small noise and a few injected gaps so that profitable cycles exist.

V3 pools get realistic tick distributions: positions from one tick spacing
wide to full range, mostly around the current price. The ticks are consistent
with the positions: ``liquidity_gross`` is the sum of the amounts of the
positions with an end at the tick, ``liquidity_net`` the sum of ``+amount``
at lower ends and ``-amount`` at upper ends, the active liquidity the sum of
the positions with ``lower <= tick < upper``.

``UpdateGen`` draws batches of updates in the shapes of ``Market.apply_updates``
(sync, swap, mint, burn) and applies them to the spec, so the spec always
holds the state the market should have. Swaps are simulated with
``engine_rs.V3Pool.swap`` (the reference ``V3Pool`` when engine_rs is absent),
so their (sqrt price, liquidity, tick) are what the pool would emit.
"""

from __future__ import annotations

import copy
import math
import random
from dataclasses import dataclass, field
from typing import Any

from tests.reference.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)

try:  # the exact swap of the compiled core (fast); the reference as a fallback
    from engine_rs import V3Pool as _SwapPool
except ImportError:  # pragma: no cover - engine_rs not built
    from tests.reference.v3_pool import V3Pool as _SwapPool

Q96 = 1 << 96
UINT112_MAX = (1 << 112) - 1
V3_TIERS = ((100, 1), (500, 10), (3000, 60), (10000, 200))
V2_DEXES = (("uniswap_v2", 30), ("sushiswap", 30), ("pancake_v2", 25), ("fraxswap", 20))
V3_DEXES = ("uniswap_v3", "pancake_v3")

# (symbol, decimals, usd): the usual base tokens; WETH is the native token.
BASES = (
    ("WETH", 18, 3000.0),
    ("USDC", 6, 1.0),
    ("USDT", 6, 1.0),
    ("WBTC", 8, 60000.0),
    ("DAI", 18, 1.0),
)


def tick_bounds(spacing: int) -> tuple[int, int]:
    """The lowest and highest usable ticks of a spacing (TickMath bounds rounded inwards)."""
    return -(-MIN_TICK // spacing) * spacing, (MAX_TICK // spacing) * spacing


@dataclass
class TokenSpec:
    chain_id: int
    address: str
    decimals: int
    symbol: str
    usd: float


@dataclass
class V2Spec:
    chain_id: int
    address: str
    token0: str
    token1: str
    reserve0: int
    reserve1: int
    fee_bps: int
    dex: str
    kind: str = "v2"


@dataclass
class V3Spec:
    chain_id: int
    address: str
    token0: str
    token1: str
    fee: int
    tick_spacing: int
    sqrt_price_x96: int
    tick: int
    liquidity: int
    ticks: dict[int, list[int]]  # tick -> [liquidity_gross, liquidity_net]
    positions: list[list[int]]  # [lower, upper, amount], amount > 0
    dex: str
    kind: str = "v3"

    def tick_rows(self) -> list[tuple[int, int, int]]:
        return [(t, g, n) for t, (g, n) in sorted(self.ticks.items())]

    def swap_pool(self):
        return _SwapPool(
            self.sqrt_price_x96,
            self.tick,
            self.liquidity,
            self.fee,
            self.tick_spacing,
            [(t, n) for t, (g, n) in sorted(self.ticks.items())],
        )

    def modify(self, lower: int, upper: int, amount: int) -> None:
        """Mint (amount > 0) or burn (amount < 0) a position's liquidity; assumes it is valid."""
        for t, sign in ((lower, 1), (upper, -1)):
            g, n = self.ticks.get(t, [0, 0])
            g += amount
            n += sign * amount
            if g == 0:
                self.ticks.pop(t, None)
            else:
                self.ticks[t] = [g, n]
        if lower <= self.tick < upper:
            self.liquidity += amount


@dataclass
class MarketSpec:
    tokens: list[TokenSpec]
    pools: dict[tuple[int, str], Any]  # (chain, address) -> V2Spec | V3Spec, in insertion order
    bases: dict[int, list[str]]
    native: dict[int, str]
    gas_price: dict[int, int]
    max_input: dict[int, int]
    params: dict[str, int] = field(default_factory=dict)  # Market(**params)

    def copy(self) -> MarketSpec:
        return copy.deepcopy(self)

    def token(self, chain_id: int, address: str) -> TokenSpec:
        for t in self.tokens:
            if t.chain_id == chain_id and t.address == address:
                return t
        raise KeyError(address)

    def build(self, market_cls, **overrides):
        """The same market in ``market_cls`` (engine_rs.Market or the reference Market)."""
        params = {**self.params, **overrides}
        m = market_cls(**params)
        for t in self.tokens:
            m.add_token(t.chain_id, t.address, t.decimals, t.symbol)
        for p in self.pools.values():
            add_pool(m, p)
        for chain_id, bases in self.bases.items():
            m.set_base_tokens(chain_id, bases, self.max_input[chain_id])
        for chain_id, price in self.gas_price.items():
            m.set_gas_price(chain_id, price, self.native[chain_id])
        return m

    def apply(self, update: tuple) -> None:
        """Apply one valid update to the spec."""
        kind, chain_id, address = update[0], update[1], update[2].lower()
        p = self.pools[(chain_id, address)]
        if kind == "sync":
            p.reserve0, p.reserve1 = update[3], update[4]
        elif kind == "swap":
            p.sqrt_price_x96, p.liquidity, p.tick = update[3], update[4], update[5]
        elif kind == "mint":
            p.modify(update[3], update[4], update[5])
            p.positions.append([update[3], update[4], update[5]])
        elif kind == "burn":
            lower, upper, amount = update[3], update[4], update[5]
            p.modify(lower, upper, -amount)
            for pos in p.positions:
                if pos[0] == lower and pos[1] == upper and pos[2] >= amount:
                    pos[2] -= amount
                    break
            p.positions = [pos for pos in p.positions if pos[2] > 0]
        else:
            raise ValueError(kind)

    def describe(self) -> str:
        """A reproducible dump (for failure messages)."""
        lines = [
            (
                f"params={self.params} bases={self.bases} native={self.native} "
                f"gas_price={self.gas_price} max_input={self.max_input}"
            )
        ]
        for t in self.tokens:
            lines.append(f"  token {t.chain_id} {t.address} {t.symbol} dec={t.decimals}")
        for p in self.pools.values():
            if p.kind == "v2":
                lines.append(
                    f"  v2 {p.address} {p.token0}/{p.token1} r=({p.reserve0}, {p.reserve1}) "
                    f"fee={p.fee_bps} {p.dex}"
                )
            else:
                lines.append(
                    f"  v3 {p.address} {p.token0}/{p.token1} fee={p.fee} sp={p.tick_spacing} "
                    f"sqrtP={p.sqrt_price_x96} tick={p.tick} L={p.liquidity} "
                    f"ticks={p.tick_rows()}"
                )
        return "\n".join(lines)


def add_pool(m, p) -> None:
    if p.kind == "v2":
        m.add_v2_pool(
            p.chain_id, p.address, p.token0, p.token1, p.reserve0, p.reserve1, p.fee_bps, p.dex
        )
    else:
        m.add_v3_pool(
            p.chain_id,
            p.address,
            p.token0,
            p.token1,
            p.fee,
            p.tick_spacing,
            p.sqrt_price_x96,
            p.tick,
            p.liquidity,
            p.tick_rows(),
            p.dex,
        )


def _addr(rng: random.Random) -> str:
    return f"0x{rng.getrandbits(160):040x}"


def _raw_price(t0: TokenSpec, t1: TokenSpec) -> float:
    """token1 raw units per token0 raw unit."""
    return t0.usd / t1.usd * 10.0 ** (t1.decimals - t0.decimals)


def make_v2(rng, chain_id, t0, t1, dex, fee_bps, tvl_usd, gap) -> V2Spec:
    r0 = tvl_usd / 2 / t0.usd * 10.0**t0.decimals
    r1 = r0 * _raw_price(t0, t1) * gap
    r0, r1 = int(r0), int(r1)
    r0 = min(max(r0, 10_000), UINT112_MAX)
    r1 = min(max(r1, 10_000), UINT112_MAX)
    return V2Spec(chain_id, _addr(rng), t0.address, t1.address, r0, r1, fee_bps, dex)


def _position_amount(rng, l_unit: float, width_ticks: int) -> int:
    # capital efficiency of a range of width w around the price: ~ 1 / (1 - 1.0001^(-w/4))
    eff = 1.0 / (1.0 - 1.0001 ** (-max(width_ticks, 1) / 4.0))
    eff = min(eff, 4000.0)
    return max(1, int(l_unit * eff * rng.lognormvariate(-1.5, 1.0)))


def make_v3(
    rng, chain_id, t0, t1, fee, spacing, dex, tvl_usd, gap, n_positions, empty_share: float = 1.0
) -> V3Spec:
    """A V3 pool; when no position covers the current price, one is added unless
    a draw falls below ``empty_share`` (pools without active liquidity exist, rarely)."""
    price = _raw_price(t0, t1) * gap
    sqrt_p = int(math.sqrt(price) * Q96)
    lo_bound, hi_bound = tick_bounds(spacing)
    sqrt_p = min(
        max(sqrt_p, get_sqrt_ratio_at_tick(lo_bound + spacing)),
        get_sqrt_ratio_at_tick(hi_bound - spacing),
    )
    tick = get_tick_at_sqrt_ratio(sqrt_p)
    r0 = tvl_usd / 2 / t0.usd * 10.0**t0.decimals
    r1 = r0 * price
    l_unit = math.sqrt(max(r0, 1.0) * max(r1, 1.0))
    pool = V3Spec(
        chain_id, _addr(rng), t0.address, t1.address, fee, spacing, sqrt_p, tick, 0, {}, [], dex
    )
    for _ in range(n_positions):
        lower, upper = random_range(rng, pool)
        amount = _position_amount(rng, l_unit, upper - lower)
        pool.modify(lower, upper, amount)
        pool.positions.append([lower, upper, amount])
    if pool.liquidity == 0 and rng.random() >= empty_share:
        # most live pools have liquidity at the current price: a position around it
        while pool.liquidity == 0:
            lower, upper = random_range(rng, pool)
            if lower <= pool.tick < upper:
                amount = _position_amount(rng, l_unit, upper - lower)
                pool.modify(lower, upper, amount)
                pool.positions.append([lower, upper, amount])
    return pool


def random_range(rng: random.Random, pool: V3Spec) -> tuple[int, int]:
    """A position range: full range, or 1 .. ~4000 spacings wide around the current tick."""
    spacing = pool.tick_spacing
    lo_bound, hi_bound = tick_bounds(spacing)
    if rng.random() < 0.15:
        return lo_bound, hi_bound
    width = (
        1 if rng.random() < 0.1 else int(math.exp(rng.uniform(0.0, math.log(4000 // spacing + 2))))
    )
    width = max(width, 1)
    center = pool.tick + int(rng.gauss(0.0, max(width * spacing, spacing) * 0.7))
    lower = math.floor((center - width * spacing / 2) / spacing) * spacing
    lower = min(max(lower, lo_bound), hi_bound - spacing)
    upper = min(lower + width * spacing, hi_bound)
    return lower, upper


def random_market(
    seed: int,
    n_tokens: int = 8,
    n_pools: int = 14,
    n_bases: int = 2,
    v3_share: float = 0.5,
    gap_prob: float = 0.3,
    gap_range: tuple[float, float] = (0.004, 0.03),
    gas_price: int = 0,
    chain_id: int = 1,
    max_hops: int = 3,
    min_profit: int = 1,
    top_k: int = 100_000,
    max_input: int | None = None,
    tvl_range: tuple[float, float] = (2e4, 2e7),
    hub_share: float = 0.6,
    max_positions: int = 12,
    empty_v3_share: float = 0.25,
) -> MarketSpec:
    """A random market of one chain: ``n_bases`` base tokens (the first is the native
    token), ``n_tokens`` tokens in all, ``n_pools`` pools (``v3_share`` of them V3).

    Base/base pairs get several pools; about ``hub_share`` of the other pools pair
    a token with a base, the rest pair random tokens. ``gap_prob`` of the pools
    are priced off by ``gap_range`` (relative) so that arbitrage exists.
    """
    rng = random.Random(seed)
    n_bases = min(n_bases, len(BASES), n_tokens)
    tokens: list[TokenSpec] = []
    for sym, dec, usd in BASES[:n_bases]:
        tokens.append(TokenSpec(chain_id, _addr(rng), dec, sym, usd))
    for i in range(n_tokens - n_bases):
        # one raw unit is worth at most $1e-4 (8 decimals: <= $10,000; 6: <= $100), as real tokens
        dec = rng.choice((6, 8, 18, 18))
        top = min(5e4, 10.0 ** (dec - 4))
        tokens.append(
            TokenSpec(
                chain_id,
                _addr(rng),
                dec,
                f"T{i}",
                math.exp(rng.uniform(math.log(0.01), math.log(top))),
            )
        )
    bases = tokens[:n_bases]
    others = tokens[n_bases:]
    used: set[tuple[str, str, str]] = set()  # (t0, t1, dex or fee tier): one pool each
    pools: dict[tuple[int, str], Any] = {}

    def add_pair(a: TokenSpec, b: TokenSpec) -> bool:
        if a.address == b.address:
            return False
        t0, t1 = (a, b) if a.address < b.address else (b, a)
        for _ in range(6):
            v3 = rng.random() < v3_share
            key_dex = None
            if v3:
                fee, spacing = rng.choice(V3_TIERS)
                dex = rng.choice(V3_DEXES)
                key_dex = f"{dex}:{fee}"
            else:
                dex, fee_bps = rng.choice(V2_DEXES)
                key_dex = dex
            if (t0.address, t1.address, key_dex) in used:
                continue
            used.add((t0.address, t1.address, key_dex))
            gap = 1.0
            if rng.random() < gap_prob:
                gap = 1.0 + rng.choice((-1, 1)) * rng.uniform(*gap_range)
            else:
                gap = 1.0 + rng.gauss(0.0, 0.0005)
            tvl = math.exp(rng.uniform(math.log(tvl_range[0]), math.log(tvl_range[1])))
            if v3:
                p = make_v3(
                    rng,
                    chain_id,
                    t0,
                    t1,
                    fee,
                    spacing,
                    dex,
                    tvl,
                    gap,
                    rng.randint(1, max_positions),
                    empty_v3_share,
                )
            else:
                p = make_v2(rng, chain_id, t0, t1, dex, fee_bps, tvl, gap)
            pools[(chain_id, p.address)] = p
            return True
        return False

    # base/base pairs: two pools each where the pool budget allows
    for i in range(len(bases)):
        for j in range(i + 1, len(bases)):
            for _ in range(2):
                if len(pools) < n_pools:
                    add_pair(bases[i], bases[j])
    # every other token gets at least one pool with a base
    for t in others:
        if len(pools) < n_pools:
            add_pair(t, rng.choice(bases))
    attempts = 0
    while len(pools) < n_pools and attempts < 100 * n_pools:
        attempts += 1
        if others and rng.random() < hub_share:
            add_pair(rng.choice(others), rng.choice(bases))
        elif len(others) >= 2:
            a, b = rng.sample(others, 2)
            add_pair(a, b)
        else:
            a, b = rng.sample(tokens, 2)
            add_pair(a, b)
    if max_input is None:
        max_input = 2**128
    params = {"max_hops": max_hops, "min_profit": min_profit, "top_k": top_k}
    return MarketSpec(
        tokens=tokens,
        pools=pools,
        bases={chain_id: [b.address for b in bases]},
        native={chain_id: bases[0].address},
        gas_price={chain_id: gas_price} if gas_price else {},
        max_input={chain_id: max_input},
        params=params,
    )


def bench_market(
    seed: int = 1,
    n_pools: int = 1000,
    n_tokens: int = 250,
    n_bases: int = 4,
    gas_price: int = 20 * 10**9,
    gap_prob: float = 0.05,
    empty_v3_share: float = 0.02,
) -> MarketSpec:
    """The benchmark market: 1,000 pools, half V3, ~250 tokens, 3..5 bases."""
    return random_market(
        seed,
        n_tokens=n_tokens,
        n_pools=n_pools,
        n_bases=n_bases,
        v3_share=0.5,
        gap_prob=gap_prob,
        gas_price=gas_price,
        top_k=100,
        min_profit=1,
        hub_share=0.75,
        empty_v3_share=empty_v3_share,
    )


# --- updates -------------------------------------------------------------------


class UpdateGen:
    """Random valid / invalid updates for a spec; ``valid_batch`` applies them to the spec."""

    def __init__(self, spec: MarketSpec, seed: int) -> None:
        self.spec = spec
        self.rng = random.Random(seed)

    def _pools(self, kind: str | None = None) -> list:
        return [p for p in self.spec.pools.values() if kind is None or p.kind == kind]

    def sync(self, p: V2Spec) -> tuple:
        rng = self.rng
        f0 = 1.0 + rng.uniform(-0.03, 0.03)
        f1 = 1.0 + rng.uniform(-0.03, 0.03)
        r0 = min(max(int(p.reserve0 * f0), 1000), UINT112_MAX)
        r1 = min(max(int(p.reserve1 * f1), 1000), UINT112_MAX)
        return ("sync", p.chain_id, p.address, r0, r1)

    def swap(self, p: V3Spec) -> tuple | None:
        rng = self.rng
        pool = p.swap_pool()
        zfo = rng.random() < 0.5
        sqrt_p = p.sqrt_price_x96
        l_virt = max(p.liquidity, 1)
        virt_in = l_virt * Q96 // sqrt_p if zfo else l_virt * sqrt_p // Q96
        amount = max(1, int(virt_in * math.exp(rng.uniform(math.log(1e-5), math.log(0.05)))))
        try:
            r = pool.swap(zfo, amount)
        except ValueError:
            return None
        if r.sqrt_price_x96 in (MIN_SQRT_RATIO + 1, MAX_SQRT_RATIO - 1):
            return None  # ran out of liquidity: keep the pool usable
        return ("swap", p.chain_id, p.address, r.sqrt_price_x96, r.liquidity, r.tick)

    def mint(self, p: V3Spec) -> tuple:
        lower, upper = random_range(self.rng, p)
        ref = max(p.liquidity, max((pos[2] for pos in p.positions), default=10**18))
        amount = max(1, int(ref * math.exp(self.rng.uniform(math.log(1e-3), math.log(0.5)))))
        return ("mint", p.chain_id, p.address, lower, upper, amount)

    def burn(self, p: V3Spec) -> tuple | None:
        if not p.positions:
            return None
        lower, upper, amount = self.rng.choice(p.positions)
        if self.rng.random() < 0.5:
            amount = max(1, int(amount * self.rng.uniform(0.01, 1.0)))
        return ("burn", p.chain_id, p.address, lower, upper, amount)

    def valid_one(self) -> tuple:
        while True:
            p = self.rng.choice(self._pools())
            if p.kind == "v2":
                u = self.sync(p)
            else:
                r = self.rng.random()
                u = self.swap(p) if r < 0.6 else self.mint(p) if r < 0.8 else self.burn(p)
            if u is not None:
                return u

    def valid_batch(self, n: int) -> list[tuple]:
        """``n`` valid updates, applied to the spec in order as they are drawn."""
        batch = []
        for _ in range(n):
            u = self.valid_one()
            self.spec.apply(u)
            batch.append(u)
        return batch

    def invalid_one(self, kind: str) -> tuple:
        """An update the market must reject: ``kind`` is one of INVALID_KINDS."""
        rng = self.rng
        chain_id = next(iter(self.spec.bases))
        v2 = self._pools("v2")
        v3 = self._pools("v3")
        if kind == "unknown_pool":
            return ("sync", chain_id, _addr(rng), 10**18, 10**18)
        if kind == "sync_on_v3":
            p = rng.choice(v3)
            return ("sync", p.chain_id, p.address, 10**18, 10**18)
        if kind == "swap_on_v2":
            p = rng.choice(v2)
            return ("swap", p.chain_id, p.address, Q96, 10**18, 0)
        if kind == "mint_on_v2":
            p = rng.choice(v2)
            return ("mint", p.chain_id, p.address, -600, 600, 10**18)
        if kind == "burn_beyond":
            p = rng.choice(v3)
            lower, upper = (
                (p.positions[0][0], p.positions[0][1]) if p.positions else random_range(rng, p)
            )
            g = max(p.ticks.get(lower, [0, 0])[0], p.ticks.get(upper, [0, 0])[0], p.liquidity)
            return ("burn", p.chain_id, p.address, lower, upper, g + 1)
        if kind == "burn_uninitialized":
            p = rng.choice(v3)
            s = p.tick_spacing
            free = [t for t in range(-200 * s, 200 * s, s) if t not in p.ticks]
            lower = free[0]
            upper = next(t for t in free if t > lower)
            return ("burn", p.chain_id, p.address, lower, upper, 1)
        if kind == "tick_out_of_range":
            p = rng.choice(v3)
            s = p.tick_spacing
            lo, hi = tick_bounds(s)
            if rng.random() < 0.5:
                return ("mint", p.chain_id, p.address, lo - s, hi, 10**18)
            return ("mint", p.chain_id, p.address, lo, hi + s, 10**18)
        if kind == "off_spacing":
            p = rng.choice([q for q in v3 if q.tick_spacing > 1] or v3)
            s = p.tick_spacing
            base = (p.tick // s) * s
            if s == 1:  # no off-spacing tick exists: fall back to beyond the bound
                return ("mint", p.chain_id, p.address, MIN_TICK - 1, base + 1, 10**18)
            return ("mint", p.chain_id, p.address, base - s + 1, base + s, 10**18)
        if kind == "swap_tick_out_of_range":
            p = rng.choice(v3)
            return ("swap", p.chain_id, p.address, p.sqrt_price_x96, p.liquidity, MAX_TICK + 1)
        raise ValueError(kind)


INVALID_KINDS = (
    "unknown_pool",
    "sync_on_v3",
    "swap_on_v2",
    "mint_on_v2",
    "burn_beyond",
    "burn_uninitialized",
    "tick_out_of_range",
    "off_spacing",
    "swap_tick_out_of_range",
)


# --- independent oracles (brute force) ------------------------------------------
#
# Written apart from both the reference search and engine_rs: cycles by
# permutations of pools, exact outputs from engine_rs.V3Pool.swap_batch and the
# reference V2 library, the optimum by a dense log grid plus linear refinement.


def brute_cycles(spec: MarketSpec, max_hops: int) -> list[tuple[str, tuple, tuple, tuple]]:
    """Every (base, pool addresses, zero_for_one, tokens) simple cycle of 2..max_hops pools."""
    from itertools import permutations

    out = []
    pools = list(spec.pools.values())
    for chain_id, bases in spec.bases.items():
        chain_pools = [p for p in pools if p.chain_id == chain_id]
        for base in bases:
            for k in range(2, max_hops + 1):
                for perm in permutations(chain_pools, k):
                    token = base
                    tokens = [base]
                    zfos = []
                    ok = True
                    for p in perm:
                        if token == p.token0:
                            zfos.append(True)
                            token = p.token1
                        elif token == p.token1:
                            zfos.append(False)
                            token = p.token0
                        else:
                            ok = False
                            break
                        tokens.append(token)
                    if not ok or token != base or len(set(tokens[:-1])) != k:
                        continue
                    out.append((base, tuple(p.address for p in perm), tuple(zfos), tuple(tokens)))
    return out


def hop_outputs(p, zero_for_one: bool, amounts: list[int]) -> list[tuple[int | None, int]]:
    """Exact (amount_out or None when the hop cannot take the input, ticks crossed) per input."""
    from tests.reference.evm import SwapRevert as RefRevert
    from tests.reference.uniswap_v2 import v2_get_amount_out as ref_v2

    res: list[tuple[int | None, int]] = []
    if p.kind == "v2":
        r_in, r_out = (p.reserve0, p.reserve1) if zero_for_one else (p.reserve1, p.reserve0)
        for a in amounts:
            if a is None:
                res.append((None, 0))
            elif a == 0:
                res.append((0, 0))
            else:
                try:
                    res.append((ref_v2(a, r_in, r_out, p.fee_bps), 0))
                except RefRevert:
                    res.append((None, 0))
        return res
    pool = p.swap_pool()
    res = [(None, 0) if a is None else (0, 0) for a in amounts]
    # inputs ascending: once a swap cannot spend its input (a partial fill or a
    # revert) no larger input can, and running those to the extreme price is slow
    todo = sorted((a, i) for i, a in enumerate(amounts) if a)
    for start in range(0, len(todo), 16):
        chunk = todo[start : start + 16]
        failed = False
        for (a, i), r in zip(chunk, pool.swap_batch([(zero_for_one, a, None) for a, _ in chunk])):
            if isinstance(r, ValueError):
                failed = True
                res[i] = (None, 0)
                continue
            paid, got = (r.amount0, -r.amount1) if zero_for_one else (r.amount1, -r.amount0)
            if paid == a:
                res[i] = (got, r.ticks_crossed)
            else:
                failed = True
                res[i] = (None, 0)
        if failed:
            for a, i in todo[start + 16 :]:
                res[i] = (None, 0)
            break
    return res


def gas_cost_fn(spec: MarketSpec, chain_id: int, base: str, gas: dict[str, int]):
    """units -> gas cost in base units (None: cannot be valued), per the contract in the stub."""
    if chain_id not in spec.gas_price:
        return lambda units: 0
    price = spec.gas_price[chain_id]
    native = spec.native[chain_id]
    if base == native:
        return lambda units: units * price
    best, depth = None, -1.0
    for p in spec.pools.values():
        if p.chain_id != chain_id or {p.token0, p.token1} != {native, base}:
            continue
        if p.kind == "v2":
            d = float(p.reserve0 if p.token0 == native else p.reserve1)
        else:
            s = p.sqrt_price_x96 / Q96
            d = p.liquidity / s if p.token0 == native else p.liquidity * s
        if d > depth:
            best, depth = p, d
    if best is None:
        return lambda units: None if units * price else 0
    p = best
    if p.kind == "v2":
        rn, rb = (p.reserve0, p.reserve1) if p.token0 == native else (p.reserve1, p.reserve0)
        return lambda units: units * price * rb // rn
    sq = p.sqrt_price_x96
    if p.token0 == native:
        return lambda units: (units * price * sq >> 96) * sq >> 96
    return lambda units: ((units * price << 96) // sq << 96) // sq


def simulate_cycle(
    spec: MarketSpec, pools: tuple, zfos: tuple, amounts: list[int], chain_id: int | None = None
):
    """Per input: (final output or None, per-hop outputs, ticks crossed) along pools."""
    if chain_id is None:
        chain_id = next(iter(spec.bases))
    cur: list = list(amounts)
    per_hop: list[list] = []
    crossed = [0] * len(amounts)
    for addr, zfo in zip(pools, zfos):
        outs = hop_outputs(spec.pools[(chain_id, addr)], zfo, cur)
        cur = [o for o, _ in outs]
        per_hop.append(cur)
        crossed = [c + t for c, (_, t) in zip(crossed, outs)]
    return cur, per_hop, crossed


def grid_best(spec: MarketSpec, cycle, gas: dict[str, int], n: int = 2000, refine: int = 2):
    """(best net profit, its input, best gross profit) over a log grid of [1, max_input],
    refined linearly around the best point ``refine`` times."""
    base, pools, zfos, _ = cycle
    chain_id = next(iter(spec.bases))
    max_input = spec.max_input[chain_id]
    cost = gas_cost_fn(spec, chain_id, base, gas)
    kinds = [spec.pools[(chain_id, a)].kind for a in pools]
    fixed = gas["overhead"] + sum(gas["v2"] if k == "v2" else gas["v3"] for k in kinds)
    log_max = math.log(max_input)
    xs = sorted({max(1, min(max_input, int(math.exp(log_max * i / (n - 1))))) for i in range(n)})

    def evaluate(xs):
        # ascending chunks; the profit is concave (up to rounding), so once the
        # output has been positive and then falls below half the input, stop
        best = (None, None, None)
        seen_output = False
        for start in range(0, len(xs), 100):
            chunk = xs[start : start + 100]
            outs, _, crossed = simulate_cycle(spec, pools, zfos, chunk)
            losing = True
            for x, o, c in zip(chunk, outs, crossed):
                if o is None:
                    continue
                if o > 0:
                    seen_output = True
                if 2 * o >= x:
                    losing = False
                gross = o - x
                g = cost(fixed + gas["tick"] * c)
                if g is None:
                    continue
                net = gross - g
                if best[0] is None or net > best[0]:
                    best = (net, x, gross)
            if (seen_output and losing) or outs[-1] is None:
                break  # (an input the cycle cannot take: no larger one can either)
        return best

    best = evaluate(xs)
    for _ in range(refine):
        if best[1] is None:
            break
        x = best[1]
        lo, hi = max(1, int(x / 1.05)), min(max_input, int(x * 1.05) + 2)
        step = max(1, (hi - lo) // 400)
        cand = evaluate(list(range(lo, hi + 1, step)))
        if cand[0] is not None and cand[0] > best[0]:
            best = cand
    return best


# --- comparing results ------------------------------------------------------------

DEFAULT_GAS = {"overhead": 60_000, "v2": 60_000, "v3": 90_000, "tick": 20_000}


def op_key(o) -> tuple:
    """A cycle's identity independent of cycle ids: (chain, base, pools, directions)."""
    return (o.chain_id, o.base_token, tuple(o.pools), tuple(o.zero_for_one))


def op_tuple(o, with_id: bool = True) -> tuple:
    """Everything an Opportunity reports, for exact comparisons."""
    t = (
        o.chain_id,
        o.base_token,
        tuple(o.pools),
        tuple(o.tokens),
        tuple(o.zero_for_one),
        o.amount_in,
        tuple(o.amounts),
        o.amount_out,
        o.profit_gross,
        o.gas_units,
        o.gas_cost,
        o.profit_net,
    )
    return ((o.cycle_id,) + t) if with_id else t


def rounding_noise(amount_in: int, amounts) -> int:
    """About what one raw unit of rounding in an intermediate amount costs in base units.

    With small intermediate amounts (a few hundred thousand raw units) the exact
    profit is a sawtooth in the input; a search cannot be asked to be closer
    than this to a grid optimum.
    """
    return sum(amount_in // a + 1 for a in amounts[:-1] if a) if amounts else 0


def merge_specs(a: MarketSpec, b: MarketSpec) -> MarketSpec:
    """Two markets (on different chains) as one."""
    return MarketSpec(
        tokens=a.tokens + b.tokens,
        pools={**a.pools, **b.pools},
        bases={**a.bases, **b.bases},
        native={**a.native, **b.native},
        gas_price={**a.gas_price, **b.gas_price},
        max_input={**a.max_input, **b.max_input},
        params=dict(a.params),
    )


def brute_paths(spec: MarketSpec, chain_id: int, token_in: str, token_out: str, max_hops: int):
    """Every simple path (no pool or token twice) token_in -> token_out of 1..max_hops pools."""
    from itertools import permutations

    pools = [p for p in spec.pools.values() if p.chain_id == chain_id]
    out = []
    for k in range(1, max_hops + 1):
        for perm in permutations(pools, k):
            token, tokens, zfos, ok = token_in, [token_in], [], True
            for p in perm:
                if token == p.token0:
                    zfos.append(True)
                    token = p.token1
                elif token == p.token1:
                    zfos.append(False)
                    token = p.token0
                else:
                    ok = False
                    break
                if token in tokens:
                    ok = False
                    break
                tokens.append(token)
            if ok and token == token_out:
                out.append((tuple(p.address for p in perm), tuple(zfos), tuple(tokens)))
    return out
