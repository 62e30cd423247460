"""Pure-Python reference of ``engine_rs.Market``: pool state, cycle index, route search, sizing.

The same algorithm as the comment of the ``Market`` section of
``engine_rs/_engine_rs.pyi``, on Python ints, with the reference math of this
package (``uniswap_v2``, ``v3_pool``). It is a readable spec and the
pure-Python baseline of the benchmarks; the tests check that it and engine_rs
find the same profitable cycles with profits within 0.1% (the chosen input
need not be the same integer: search details may differ).

Per chain and base token:
  1. cycles: every simple cycle base -> t1 -> ... -> base of 2..max_hops
     pools (no pool twice, no token twice but the base at both ends), in both
     directions, enumerated by a depth-first search when the pool set or the
     base tokens change; ``pool_cycles`` maps each pool to the cycles through it;
  2. screening: a marginal rate after fees per pool direction (f64); a cycle
     is a candidate when the product of its rates exceeds 1;
  3. sizing: all-V2 cycles compose to ``A*x/(D + C*x)``, optimum
     ``(sqrt(A*D) - D)/C`` (f64, clamped to [1, max_input]); a cycle with a V3
     hop starts from the same closed form on the V3 hops' virtual reserves,
     brackets the optimum exponentially (doubling / halving), then runs a
     golden-section search on the exact integer simulation of its gross profit
     (a V3 hop that cannot spend all its input, a partial fill, fails the input);
  4. exact evaluation: hop by hop in integers; gas units = overhead + per hop
     + per initialized tick crossed; gas cost = units * gas price in the base
     token at the mid price (floored) of the deepest native/base pool (depth:
     the native side's reserve, virtual ``L/sqrtP`` or ``L*sqrtP`` for V3),
     1:1 when the base is the native token, 0 when no gas price is set, and
     the cycle is dropped when gas has a price but no such pool exists;
     reported when ``profit_gross > 0`` and ``profit_net >= min_profit``,
     ranked by ``profit_net`` valued in the native token at that pool's mid
     price (raw ``profit_net`` without a gas price), ties by cycle id, top_k.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

from tests.reference.evm import SwapRevert
from tests.reference.tick_math import MAX_SQRT_RATIO, MAX_TICK, MIN_SQRT_RATIO, MIN_TICK
from tests.reference.uniswap_v2 import UINT112_MAX, v2_get_amount_out
from tests.reference.v3_pool import V3Pool

Q96 = 1 << 96
UINT128_MAX = (1 << 128) - 1
NEG_INF = float("-inf")


def norm_addr(address: str | bytes) -> str:
    """``0x``-prefixed lowercase hex of a 20-byte address."""
    if isinstance(address, bytes | bytearray):
        if len(address) != 20:
            raise ValueError(f"address: {len(address)} bytes, expected 20")
        return "0x" + bytes(address).hex()
    a = address.lower()
    if not a.startswith("0x") or len(a) != 42:
        raise ValueError(f"address: {address!r} is not 0x + 40 hex digits")
    int(a.removeprefix("0x"), 16)  # hex digits only
    return a


@dataclass
class V2State:
    chain_id: int
    address: str
    token0: str
    token1: str
    reserve0: int
    reserve1: int
    fee_bps: int
    dex: str = ""
    kind: str = "v2"

    def rate(self, zero_for_one: bool) -> float:
        r_in, r_out = (
            (self.reserve0, self.reserve1) if zero_for_one else (self.reserve1, self.reserve0)
        )
        if r_in == 0:
            return 0.0
        return r_out / r_in * (1.0 - self.fee_bps / 10_000)

    def virtual(self, zero_for_one: bool) -> tuple[float, float, float]:
        """(reserve_in, reserve_out, fee factor) in f64."""
        if zero_for_one:
            return float(self.reserve0), float(self.reserve1), 1.0 - self.fee_bps / 10_000
        return float(self.reserve1), float(self.reserve0), 1.0 - self.fee_bps / 10_000

    def swap(self, zero_for_one: bool, amount_in: int) -> tuple[int, int]:
        """(amount_out, ticks crossed); reverts as the library does (an input of 0 gives 0)."""
        if amount_in == 0:
            return 0, 0
        if zero_for_one:
            return v2_get_amount_out(amount_in, self.reserve0, self.reserve1, self.fee_bps), 0
        return v2_get_amount_out(amount_in, self.reserve1, self.reserve0, self.fee_bps), 0


@dataclass
class V3State:
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
    dex: str = ""
    kind: str = "v3"
    _sim: Any = field(default=None, repr=False, compare=False)

    def sim(self) -> V3Pool:
        if self._sim is None:
            self._sim = V3Pool(
                self.sqrt_price_x96,
                self.tick,
                self.liquidity,
                self.fee,
                self.tick_spacing,
                [(t, n) for t, (_, n) in self.ticks.items()],
            )
        return self._sim

    def price(self) -> float:
        """token1 per token0 (raw units), f64."""
        s = self.sqrt_price_x96 / Q96
        return s * s

    def rate(self, zero_for_one: bool) -> float:
        p = self.price()
        g = 1.0 - self.fee / 1_000_000
        return p * g if zero_for_one else g / p

    def virtual(self, zero_for_one: bool) -> tuple[float, float, float]:
        s = self.sqrt_price_x96 / Q96
        liq = float(self.liquidity)
        x, y = liq / s, liq * s
        g = 1.0 - self.fee / 1_000_000
        return (x, y, g) if zero_for_one else (y, x, g)

    def swap(self, zero_for_one: bool, amount_in: int) -> tuple[int, int]:
        """(amount_out, ticks crossed) of an exact-input swap to the extreme price limit.

        An input of 0 gives 0; a swap that runs out of price range before
        spending all of its input (a partial fill) counts as a revert: a cycle
        cannot hand the pool less than the previous hop gave it.
        """
        if amount_in == 0:
            return 0, 0
        r = self.sim().swap(zero_for_one, amount_in)
        paid, out = (r.amount0, -r.amount1) if zero_for_one else (r.amount1, -r.amount0)
        if paid != amount_in:
            raise SwapRevert("partial fill: the pool runs out of price range")
        return out, r.ticks_crossed


@dataclass(frozen=True)
class Cycle:
    cycle_id: int
    chain_id: int
    base_token: str
    pools: tuple[tuple[int, str], ...]  # pool keys (chain_id, address)
    zero_for_one: tuple[bool, ...]
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class Opportunity:
    chain_id: int
    cycle_id: int
    base_token: str
    pools: list[str]
    tokens: list[str]
    zero_for_one: list[bool]
    amount_in: int
    amounts: list[int]
    amount_out: int
    profit_gross: int
    gas_units: int
    gas_cost: int
    profit_net: int
    rank_value: float = field(default=0.0, compare=False)  # net profit in native units (f64)


@dataclass(frozen=True)
class Route:
    chain_id: int
    pools: list[str]
    tokens: list[str]
    zero_for_one: list[bool]
    amount_in: int
    amounts: list[int]
    amount_out: int
    gas_units: int


@dataclass
class MarketSnapshot:
    pools: dict
    results: dict
    ranked: list


class Market:
    """Pure-Python ``engine_rs.Market`` (same constructor, methods and results)."""

    def __init__(
        self,
        max_hops: int = 3,
        min_profit: int = 1,
        top_k: int = 100,
        gas_overhead: int = 60_000,
        gas_v2_hop: int = 60_000,
        gas_v3_hop: int = 90_000,
        gas_v3_tick: int = 20_000,
    ) -> None:
        if not 2 <= max_hops <= 4:
            raise ValueError(f"max_hops: {max_hops} must be 2..4")
        self.max_hops = max_hops
        self.min_profit = min_profit
        self.top_k = top_k
        self.gas_overhead = gas_overhead
        self.gas_v2_hop = gas_v2_hop
        self.gas_v3_hop = gas_v3_hop
        self.gas_v3_tick = gas_v3_tick
        self.tokens: dict[tuple[int, str], tuple[int, str]] = {}
        self.pools: dict[tuple[int, str], V2State | V3State] = {}
        self.bases: dict[int, tuple[list[str], int]] = {}
        self.gas: dict[int, tuple[int, str]] = {}
        self._cycles: list[Cycle] = []
        self._pool_cycles: dict[tuple[int, str], list[int]] = {}
        self._dirty = True
        self._results: dict[int, Opportunity | None] = {}
        self._ranked: list[Opportunity] = []

    # --- state -------------------------------------------------------------------

    @property
    def num_tokens(self) -> int:
        return len(self.tokens)

    @property
    def num_pools(self) -> int:
        return len(self.pools)

    @property
    def num_cycles(self) -> int:
        self._index()
        return len(self._cycles)

    def add_token(self, chain_id: int, address, decimals: int, symbol: str = "") -> None:
        self.tokens[(chain_id, norm_addr(address))] = (decimals, symbol)

    def _check_tokens(self, chain_id: int, token0: str, token1: str) -> None:
        for t in (token0, token1):
            if (chain_id, t) not in self.tokens:
                raise ValueError(f"token {t} on chain {chain_id} was not added")
        if token0 == token1:
            raise ValueError("token0 and token1 are the same")

    def add_v2_pool(
        self, chain_id, address, token0, token1, reserve0, reserve1, fee_bps=30, dex=""
    ) -> None:
        key = (chain_id, norm_addr(address))
        if key in self.pools:
            raise ValueError(f"pool {key[1]} exists")
        t0, t1 = norm_addr(token0), norm_addr(token1)
        self._check_tokens(chain_id, t0, t1)
        self.pools[key] = V2State(chain_id, key[1], t0, t1, reserve0, reserve1, fee_bps, dex)
        self._dirty = True

    def add_v3_pool(
        self,
        chain_id,
        address,
        token0,
        token1,
        fee,
        tick_spacing,
        sqrt_price_x96,
        tick,
        liquidity,
        ticks,
        dex="",
    ) -> None:
        key = (chain_id, norm_addr(address))
        if key in self.pools:
            raise ValueError(f"pool {key[1]} exists")
        t0, t1 = norm_addr(token0), norm_addr(token1)
        self._check_tokens(chain_id, t0, t1)
        tick_map = {t: [g, n] for t, g, n in sorted(ticks)}
        self.pools[key] = V3State(
            chain_id,
            key[1],
            t0,
            t1,
            fee,
            tick_spacing,
            sqrt_price_x96,
            tick,
            liquidity,
            tick_map,
            dex,
        )
        self._dirty = True

    def remove_pool(self, chain_id: int, address) -> None:
        key = (chain_id, norm_addr(address))
        if key not in self.pools:
            raise ValueError(f"unknown pool {key[1]}")
        del self.pools[key]
        self._dirty = True

    def set_base_tokens(self, chain_id: int, tokens, max_input: int = 2**128) -> None:
        self.bases[chain_id] = ([norm_addr(t) for t in tokens], max_input)
        self._dirty = True

    def set_gas_price(self, chain_id: int, gas_price_wei: int, native_token) -> None:
        self.gas[chain_id] = (gas_price_wei, norm_addr(native_token))

    # --- updates -----------------------------------------------------------------

    def apply_updates(self, updates) -> int:
        """Validate and apply atomically; the touched pools' count. ValueError names updates[i]."""
        return len(self._apply(updates))

    def _apply(self, updates) -> set[tuple[int, str]]:
        staged: dict[tuple[int, str], V2State | V3State] = {}
        for i, u in enumerate(updates):
            try:
                self._stage(u, staged)
            except (ValueError, TypeError, IndexError) as e:
                raise ValueError(f"updates[{i}]: {e}") from None
        for key, state in staged.items():
            if state.kind == "v3":
                state._sim = None
            self.pools[key] = state
        return set(staged)

    def _stage(self, u, staged) -> None:
        kind, chain_id, address = u[0], u[1], norm_addr(u[2])
        key = (chain_id, address)
        if key not in staged:
            if key not in self.pools:
                raise ValueError(f"unknown pool {address} on chain {chain_id}")
            staged[key] = copy.deepcopy(self.pools[key])
        p = staged[key]
        if kind == "sync":
            if p.kind != "v2":
                raise ValueError("sync on a V3 pool")
            _, _, _, r0, r1 = u
            if not (0 <= r0 <= UINT112_MAX and 0 <= r1 <= UINT112_MAX):
                raise ValueError("reserve out of uint112")
            p.reserve0, p.reserve1 = r0, r1
            return
        if kind not in ("swap", "mint", "burn"):
            raise ValueError(f"unknown update kind {kind!r}")
        if p.kind != "v3":
            raise ValueError(f"{kind} on a V2 pool")
        if kind == "swap":
            _, _, _, sqrt_p, liq, tick = u
            if not MIN_TICK <= tick <= MAX_TICK:
                raise ValueError(f"tick {tick} out of range")
            if not MIN_SQRT_RATIO <= sqrt_p < MAX_SQRT_RATIO:
                raise ValueError("sqrt_price_x96 out of range")
            if not 0 <= liq <= UINT128_MAX:
                raise ValueError("liquidity out of uint128")
            p.sqrt_price_x96, p.liquidity, p.tick = sqrt_p, liq, tick
            return
        _, _, _, lower, upper, amount = u
        s = p.tick_spacing
        if not (MIN_TICK <= lower < upper <= MAX_TICK):
            raise ValueError(f"tick range [{lower}, {upper}] out of range")
        if lower % s or upper % s:
            raise ValueError(f"tick off the spacing {s}")
        if not 0 <= amount < 1 << 127:  # SafeCast.toInt128; Burn(0) is a poke
            raise ValueError("amount must be in 0..2**127-1")
        delta = amount if kind == "mint" else -amount
        for t, sign in ((lower, 1), (upper, -1)):
            g, n = p.ticks.get(t, [0, 0])
            if g + delta < 0:
                raise ValueError(f"burn beyond the liquidity of tick {t}")
            if g + delta > UINT128_MAX:
                raise ValueError("liquidity overflow")
            if g + delta == 0:
                p.ticks.pop(t, None)
            else:
                p.ticks[t] = [g + delta, n + sign * delta]
        if lower <= p.tick < upper:
            if p.liquidity + delta < 0:
                raise ValueError("burn beyond the active liquidity")
            p.liquidity += delta
        # keep ascending order of the tick map (for listings)
        p.ticks = dict(sorted(p.ticks.items()))

    def snapshot(self) -> MarketSnapshot:
        return MarketSnapshot(copy.deepcopy(self.pools), dict(self._results), list(self._ranked))

    def restore(self, snapshot: MarketSnapshot) -> None:
        if set(snapshot.pools) != set(self.pools):
            self._dirty = True
        self.pools = copy.deepcopy(snapshot.pools)
        self._results = dict(snapshot.results)
        self._ranked = list(snapshot.ranked)

    # --- cycle index ---------------------------------------------------------------

    def _index(self) -> None:
        if not self._dirty:
            return
        adjacency: dict[tuple[int, str], list[tuple[tuple[int, str], str, bool]]] = {}
        for key, p in self.pools.items():
            adjacency.setdefault((p.chain_id, p.token0), []).append((key, p.token1, True))
            adjacency.setdefault((p.chain_id, p.token1), []).append((key, p.token0, False))
        cycles: list[Cycle] = []
        for chain_id in sorted(self.bases):
            for base in self.bases[chain_id][0]:
                self._dfs(adjacency, chain_id, base, base, [], [], [base], cycles)
        self._cycles = cycles
        self._pool_cycles = {}
        for c in cycles:
            for key in c.pools:
                self._pool_cycles.setdefault(key, []).append(c.cycle_id)
        self._results = {}
        self._ranked = []
        self._dirty = False

    def _dfs(
        self,
        adjacency,
        chain_id: int,
        base: str,
        token: str,
        pools: list,
        zfos: list,
        path: list,
        cycles: list[Cycle],
    ) -> None:
        """Extend the path base -> ... -> token by one pool; close it where it returns to base."""
        for key, other, zfo in adjacency.get((chain_id, token), ()):
            if key in pools:
                continue
            if other == base:
                if len(pools) >= 1:
                    cycles.append(
                        Cycle(
                            len(cycles), chain_id, base, (*pools, key), (*zfos, zfo), (*path, base)
                        )
                    )
                continue
            if other in path or len(pools) + 1 >= self.max_hops:
                continue
            self._dfs(
                adjacency,
                chain_id,
                base,
                other,
                [*pools, key],
                [*zfos, zfo],
                [*path, other],
                cycles,
            )

    def cycles(self) -> list[tuple[int, int, str, list[str], list[bool]]]:
        self._index()
        return [
            (c.cycle_id, c.chain_id, c.base_token, [k[1] for k in c.pools], list(c.zero_for_one))
            for c in self._cycles
        ]

    # --- evaluation ------------------------------------------------------------------

    def _simulate(self, pools, zfos, amount_in: int) -> tuple[list[int], int]:
        """Hop-by-hop outputs and the initialized ticks crossed; reverts propagate."""
        amounts = []
        crossed = 0
        x = amount_in
        for key, zfo in zip(pools, zfos):
            x, c = self.pools[key].swap(zfo, x)
            crossed += c
            amounts.append(x)
        return amounts, crossed

    def _gas_units(self, pools, crossed: int) -> int:
        units = self.gas_overhead
        for key in pools:
            units += self.gas_v2_hop if self.pools[key].kind == "v2" else self.gas_v3_hop
        return units + self.gas_v3_tick * crossed

    def gas_pool(self, chain_id: int, base: str):
        """The deepest native/base pool (native-side reserve, virtual for V3), or None."""
        if chain_id not in self.gas:
            return None
        native = self.gas[chain_id][1]
        best, best_depth = None, -1.0
        for p in self.pools.values():
            if p.chain_id != chain_id or {p.token0, p.token1} != {native, base}:
                continue
            if p.kind == "v2":
                depth = float(p.reserve0 if p.token0 == native else p.reserve1)
            else:
                x, y, _ = p.virtual(True)
                depth = x if p.token0 == native else y
            if depth > best_depth:
                best, best_depth = p, depth
        return best

    @staticmethod
    def _convert_at_mid(p, native: str, amount: int) -> int | None:
        """``amount`` of the native token valued in the pool's other token at its mid price, floored
        (V3: two floored steps through sqrtP, as ``mulDiv(mulDiv(a, sqrtP, Q96), sqrtP, Q96)``)."""
        if p.kind == "v2":
            r_native, r_base = (
                (p.reserve0, p.reserve1) if p.token0 == native else (p.reserve1, p.reserve0)
            )
            return amount * r_base // r_native if r_native else None
        sq = p.sqrt_price_x96
        if p.token0 == native:  # base per native = (sqrtP / 2^96)^2
            return (amount * sq >> 96) * sq >> 96
        return ((amount << 96) // sq << 96) // sq

    def _gas_cost(self, chain_id: int, base: str, units: int) -> tuple[int, float] | None:
        """(gas cost in base units, base per native as f64), or None when gas cannot be valued
        (a gas price is set but no native/base pool exists)."""
        if chain_id not in self.gas:
            return 0, 1.0
        price, native = self.gas[chain_id]
        wei = units * price
        if base == native:
            return wei, 1.0
        p = self.gas_pool(chain_id, base)
        if p is None:
            return (0, 1.0) if wei == 0 else None
        one = 10 ** self.tokens[(chain_id, native)][0]
        cost = self._convert_at_mid(p, native, wei)
        unit = self._convert_at_mid(p, native, one)
        if cost is None or unit is None:
            return None
        return cost, float(unit) / float(one)

    def _net(self, c: Cycle, x: int) -> float:
        try:
            amounts, _ = self._simulate(c.pools, c.zero_for_one, x)
        except SwapRevert:
            return NEG_INF
        return amounts[-1] - x

    def _estimate(self, c: Cycle) -> float:
        """The all-V2 closed form (V3 hops on their virtual reserves): x* in f64."""
        a, d, cc = 1.0, 1.0, 0.0
        for key, zfo in zip(c.pools, c.zero_for_one):
            r_in, r_out, g = self.pools[key].virtual(zfo)
            a, d, cc = g * r_out * a, r_in * d, r_in * cc + g * a
        if not (cc > 0.0 and a > 0.0 and d > 0.0 and math.isfinite(a) and math.isfinite(d)):
            return math.nan
        return (math.sqrt(a) * math.sqrt(d) - d) / cc

    def _size(self, c: Cycle, max_input: int) -> int | None:
        est = self._estimate(c)
        if all(self.pools[k].kind == "v2" for k in c.pools):
            if not math.isfinite(est):
                return None
            return min(max(round(est), 1), max_input)
        if not (math.isfinite(est) and est >= 1.0):  # no local depth (a V3 hop with L = 0)
            est = max_input * 1e-9
        x0 = min(max(int(est), 1), max_input)
        memo: dict[int, float] = {}

        def f(x: int) -> float:
            v = memo.get(x)
            if v is None:
                v = memo[x] = self._net(c, x)
            return v

        # exponential bracket around x0
        x, fx = x0, f(x0)
        up = min(2 * x, max_input)
        if up > x and f(up) > fx:
            a, x, fx = x, up, f(up)
            b = max_input
            while x < max_input:
                nxt = min(2 * x, max_input)
                if f(nxt) <= fx:
                    b = nxt
                    break
                a, x, fx = x, nxt, f(nxt)
        else:
            b = up
            a = 1
            while x > 1:
                dn = max(x // 2, 1)
                if f(dn) <= fx and fx != NEG_INF:  # an input the cycle cannot take is too much
                    a = dn
                    break
                b, x, fx = x, dn, f(dn)
        # golden-section search on [a, b]
        inv_phi = (math.sqrt(5.0) - 1.0) / 2.0
        lo, hi = a, b
        while hi - lo > max(2, lo >> 20):
            step = int((hi - lo) * inv_phi)
            c1, c2 = hi - step, lo + step
            if c1 >= c2:
                c1, c2 = lo + (hi - lo) // 3, hi - (hi - lo) // 3
            if f(c1) >= f(c2):
                hi = c2
            else:
                lo = c1
        for x in (lo, (lo + hi) // 2, hi):
            f(x)
        return max(memo, key=lambda k: (memo[k], -k))

    def _evaluate(self, c: Cycle) -> Opportunity | None:
        rate = 1.0
        for key, zfo in zip(c.pools, c.zero_for_one):
            rate *= self.pools[key].rate(zfo)
        if not rate > 1.0:
            return None
        max_input = self.bases[c.chain_id][1]
        x = self._size(c, max_input)
        if x is None:
            return None
        try:
            amounts, crossed = self._simulate(c.pools, c.zero_for_one, x)
        except SwapRevert:
            return None
        gross = amounts[-1] - x
        if gross <= 0:
            return None
        units = self._gas_units(c.pools, crossed)
        gas = self._gas_cost(c.chain_id, c.base_token, units)
        if gas is None:
            return None
        gas_cost, base_per_native = gas
        net = gross - gas_cost
        if net < self.min_profit:
            return None
        rank = net / base_per_native if base_per_native > 0 else float(net)
        return Opportunity(
            c.chain_id,
            c.cycle_id,
            c.base_token,
            [k[1] for k in c.pools],
            list(c.tokens),
            list(c.zero_for_one),
            x,
            amounts,
            amounts[-1],
            gross,
            units,
            gas_cost,
            net,
            rank,
        )

    def _rank(self) -> list[Opportunity]:
        ops = [o for o in self._results.values() if o is not None]
        ops.sort(key=lambda o: (-o.rank_value, o.cycle_id))
        self._ranked = ops[: self.top_k]
        return list(self._ranked)

    def scan(self) -> list[Opportunity]:
        self._index()
        self._results = {c.cycle_id: self._evaluate(c) for c in self._cycles}
        return self._rank()

    def update(self, updates) -> list[Opportunity]:
        self._index()
        touched = self._apply(updates)
        ids: set[int] = set()
        for key in touched:
            ids.update(self._pool_cycles.get(key, ()))
        # a native/base pool changes the gas conversion of every cycle of that base
        for key in touched:
            p = self.pools[key]
            g = self.gas.get(p.chain_id)
            if g is None:
                continue
            native = g[1]
            if native in (p.token0, p.token1):
                other = p.token1 if p.token0 == native else p.token0
                ids.update(
                    c.cycle_id
                    for c in self._cycles
                    if c.chain_id == p.chain_id and c.base_token == other
                )
        for i in ids:
            self._results[i] = self._evaluate(self._cycles[i])
        return self._rank()

    def opportunities(self) -> list[Opportunity]:
        return list(self._ranked)

    def evaluate_cycle(self, cycle_id: int, amount_in: int) -> list[int]:
        self._index()
        c = self._cycles[cycle_id]
        return self._simulate(c.pools, c.zero_for_one, amount_in)[0]

    # --- quoting -----------------------------------------------------------------------

    def quote(self, chain_id: int, pools, token_in, amount_in: int) -> list[int]:
        token = norm_addr(token_in)
        keys, zfos = [], []
        for a in pools:
            key = (chain_id, norm_addr(a))
            p = self.pools.get(key)
            if p is None:
                raise ValueError(f"unknown pool {key[1]}")
            if token == p.token0:
                zfos.append(True)
                token = p.token1
            elif token == p.token1:
                zfos.append(False)
                token = p.token0
            else:
                raise ValueError(f"pool {key[1]} does not trade {token}")
            keys.append(key)
        return self._simulate(keys, zfos, amount_in)[0]

    def best_route(
        self, chain_id: int, token_in, token_out, amount_in: int, max_hops: int = 3
    ) -> Route | None:
        t_in, t_out = norm_addr(token_in), norm_addr(token_out)
        adjacency: dict[str, list] = {}
        for key, p in self.pools.items():
            if p.chain_id == chain_id:
                adjacency.setdefault(p.token0, []).append((key, p.token1, True))
                adjacency.setdefault(p.token1, []).append((key, p.token0, False))
        best: Route | None = None

        def dfs(token, amount, pools, zfos, path, amounts, crossed):
            nonlocal best
            for key, other, zfo in adjacency.get(token, ()):
                if other in path:
                    continue
                try:
                    out, c = self.pools[key].swap(zfo, amount)
                except SwapRevert:
                    continue
                if other == t_out:
                    if best is None or out > best.amount_out:
                        ps = [*pools, key]
                        best = Route(
                            chain_id,
                            [k[1] for k in ps],
                            [*path, other],
                            [*zfos, zfo],
                            amount_in,
                            [*amounts, out],
                            out,
                            self._gas_units(ps, crossed + c),
                        )
                    continue
                if len(pools) + 1 < max_hops:
                    dfs(
                        other,
                        out,
                        [*pools, key],
                        [*zfos, zfo],
                        [*path, other],
                        [*amounts, out],
                        crossed + c,
                    )

        if t_in != t_out and amount_in > 0:
            dfs(t_in, amount_in, [], [], [t_in], [], 0)
        return best
