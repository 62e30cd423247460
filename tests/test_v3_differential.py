"""engine_rs.V3Pool.swap against the real UniswapV3Pool bytecode on anvil.

For every fee tier (100, 500, 3000, 10000) two pools are built on the real
v3-core 1.0.1 factory: a "dense" one (full range plus dozens of positions,
from one tick spacing wide to several bitmap words wide, and a tick whose
liquidityNet is 0) and a "sparse" one (no full range, gaps with no liquidity,
positions at the extreme ticks). Then randomized swaps, with a fixed seed per
tier, are predicted by engine_rs from the state read from chain and executed
on chain through engine/devnet/contracts/V3Caller.sol; the Swap event must
equal the prediction bit for bit, and a revert must come with the same reason.

The pool state fed to engine_rs is read from the chain (slot0, liquidity and
every initialized tick, by walking all tickBitmap words); between position
changes it is carried forward from each Swap event (the event carries the
pool's new slot0 price, tick and liquidity; swaps do not change the set of
initialized ticks or their liquidityNet), and that carried state is checked
against a full re-read before every position change and at the end.

A mismatch does not stop the run: every one is collected, the first few are
written to .cache/differential-failures/ as JSON, and the test fails listing
them with the full pool state, the swap inputs and both results.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from engine.devnet.paths import REPO_ROOT
from engine.devnet.rpc import Revert
from engine.devnet.v3 import (
    FEE_TIERS,
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    Pool,
    PoolState,
    SwapEvent,
    approx_sqrt_price_at_tick,
    max_usable_tick,
    min_usable_tick,
)
from tests.chain import stats
from tests.chain.v3 import V3World

pytestmark = pytest.mark.chain

SEED = 0x5EED_3
SWAPS_PER_TIER = 620  # attempts; ~90% execute, so >= 2,000 executed swaps over the four tiers
MIN_EXECUTED_PER_TIER = 500
SEGMENT = 120  # swaps between position changes
FAILURE_DIR = REPO_ROOT / ".cache" / "differential-failures"
MAX_REPORTED = 5
Q96 = 2**96
INT256_MAX = 2**255 - 1
INT256_MIN = -(2**255)
UINT160_MAX = 2**160 - 1

# Initial ticks (dense, sparse) per tier: varied prices, extremes included.
INITIAL_TICKS = {
    100: (3, 250_000),
    500: (-201_000, 10_000),
    3000: (75_000, -500_000),
    10000: (-300_000, 600_000),
}


@pytest.fixture(scope="module")
def engine():
    return pytest.importorskip("engine_rs", reason="engine_rs is not built (make build)")


@pytest.fixture(scope="module")
def world(module_chain) -> V3World:
    return V3World(module_chain)


# --- pools and positions -------------------------------------------------------


@dataclass
class PoolHarness:
    """One pool on chain, its positions (owned by V3Caller) and its cached state."""

    world: V3World
    pool: Pool
    name: str
    positions: dict[tuple[int, int], int] = field(default_factory=dict)
    state: PoolState | None = None
    band: tuple[int, int] | None = None  # tick range where most positions sit

    @property
    def spacing(self) -> int:
        return self.pool.tick_spacing

    def mint(self, lower: int, upper: int, liquidity: int) -> None:
        self.world.mint(self.pool, lower, upper, liquidity)
        self.positions[(lower, upper)] = self.positions.get((lower, upper), 0) + liquidity

    def burn(self, lower: int, upper: int, liquidity: int) -> None:
        self.world.burn(self.pool, lower, upper, liquidity)
        self.positions[(lower, upper)] -= liquidity
        if self.positions[(lower, upper)] == 0:
            del self.positions[(lower, upper)]

    def expected_ticks(self) -> list[tuple[int, int, int]]:
        """(tick, liquidityNet, liquidityGross) implied by the positions."""
        net: dict[int, int] = {}
        gross: dict[int, int] = {}
        for (lower, upper), liq in self.positions.items():
            net[lower] = net.get(lower, 0) + liq
            net[upper] = net.get(upper, 0) - liq
            gross[lower] = gross.get(lower, 0) + liq
            gross[upper] = gross.get(upper, 0) + liq
        return sorted((t, net[t], gross[t]) for t in gross)

    def refresh(self) -> None:
        """Full re-read from chain; the tick walk must agree with the positions."""
        read = self.world.read_ticks(self.pool)
        assert read == self.expected_ticks(), (
            f"{self.name}: readTicks disagrees with the positions minted:\n"
            f"chain    {read}\nexpected {self.expected_ticks()}"
        )
        sqrt_price, tick, liquidity = self.world.read_slot(self.pool)
        self.state = PoolState(
            sqrt_price, tick, liquidity, self.pool.fee, self.spacing, [(t, n) for t, n, _ in read]
        )

    def check_cache(self) -> None:
        """The state carried forward from Swap events equals a fresh read."""
        assert self.state is not None
        cached = self.state
        self.refresh()
        assert self.state == cached, (
            f"{self.name}: state carried from Swap events differs from chain:\n"
            f"cached {cached.describe()}\nchain  {self.state.describe()}"
        )

    def apply(self, event: SwapEvent) -> None:
        assert self.state is not None
        self.state = PoolState(
            event.sqrt_price_x96,
            event.tick,
            event.liquidity,
            self.pool.fee,
            self.spacing,
            self.state.ticks,
        )


def _align(tick: int, spacing: int) -> int:
    return (tick // spacing) * spacing


def _log_uniform_int(rng: random.Random, lo: int, hi: int) -> int:
    return int(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def _liquidity(rng: random.Random, lo_exp: float = 12, hi_exp: float = 22) -> int:
    return int(10 ** rng.uniform(lo_exp, hi_exp)) + rng.randrange(1000)


def build_dense(world: V3World, fee: int, rng: random.Random) -> PoolHarness:
    sp = FEE_TIERS[fee]
    t0 = INITIAL_TICKS[fee][0]
    pool = world.create_pool(
        world.tokens[0], world.tokens[1], fee, approx_sqrt_price_at_tick(t0 + rng.random())
    )
    h = PoolHarness(world, pool, f"dense-{fee}")
    lo_full, hi_full = min_usable_tick(sp), max_usable_tick(sp)
    h.mint(lo_full, hi_full, _liquidity(rng, 14, 19))
    half = sp * 256 * 3  # three bitmap words either side of the start
    center = _align(t0, sp)
    h.band = (max(lo_full, center - half), min(hi_full, center + half))
    for _ in range(40):  # widths from one spacing to the whole band
        width = sp * _log_uniform_int(rng, 1, 2 * half // sp)
        lower = _align(rng.randrange(center - half, center + half), sp)
        upper = min(lower + width, hi_full)
        h.mint(lower, upper, _liquidity(rng))
    for k in range(-3, 3):  # one-spacing-wide positions around the start price
        h.mint(center + k * sp, center + (k + 1) * sp, _liquidity(rng, 15, 21))
    # a tick initialized with liquidityNet 0: one position ends where another starts
    zero = center + sp * 17
    liq = _liquidity(rng)
    h.mint(zero - 5 * sp, zero, liq)
    h.mint(zero, zero + 9 * sp, liq)
    h.refresh()
    assert h.state is not None and (zero, 0) in h.state.ticks
    return h


def build_sparse(world: V3World, fee: int, rng: random.Random) -> PoolHarness:
    sp = FEE_TIERS[fee]
    t0 = INITIAL_TICKS[fee][1]
    pool = world.create_pool(
        world.tokens[1], world.tokens[2], fee, approx_sqrt_price_at_tick(t0 + rng.random())
    )
    h = PoolHarness(world, pool, f"sparse-{fee}")
    lo_full, hi_full = min_usable_tick(sp), max_usable_tick(sp)
    center = _align(t0, sp)
    gap = sp * 256 * 2  # positions two words apart, with empty words between
    for i in (-4, -3, -2, -1, 1, 2, 3):
        lower = center + i * gap + sp * rng.randrange(0, 40)
        upper = lower + sp * _log_uniform_int(rng, 1, 200)
        if lo_full < lower and upper < hi_full:
            h.mint(lower, upper, _liquidity(rng))
    h.band = (max(lo_full, center - 4 * gap), min(hi_full, center + 4 * gap))
    h.mint(lo_full, lo_full + 3 * sp, _liquidity(rng, 10, 16))  # at the extreme ticks
    h.mint(hi_full - 2 * sp, hi_full, _liquidity(rng, 10, 16))
    h.refresh()
    return h


def change_positions(h: PoolHarness, rng: random.Random) -> list[str]:
    """Burn some positions (fully or partly), mint new ones around the price."""
    assert h.state is not None
    sp = h.spacing
    log = []
    lo_full, hi_full = min_usable_tick(sp), max_usable_tick(sp)
    removable = [k for k in h.positions if k != (lo_full, hi_full)]
    for key in rng.sample(removable, min(len(removable), rng.randrange(1, 3))):
        amount = h.positions[key] if rng.random() < 0.6 else rng.randrange(1, h.positions[key] + 1)
        h.burn(*key, amount)
        log.append(f"burn {key} {amount}")
    here = _align(h.state.tick, sp)
    here = max(lo_full, min(here, hi_full - sp))
    for _ in range(rng.randrange(1, 4)):
        below = sp * _log_uniform_int(rng, 1, 600)
        above = sp * _log_uniform_int(rng, 1, 600)
        lower, upper = max(lo_full, here - below + sp), min(hi_full, here + above)
        if lower >= upper:
            lower, upper = here, here + sp
        liq = _liquidity(rng)
        h.mint(lower, upper, liq)
        log.append(f"mint {(lower, upper)} {liq}")
    h.mint(here, here + sp, _liquidity(rng, 14, 20))  # one spacing wide, at the price
    h.refresh()
    return log


# --- swap generation -------------------------------------------------------------


@dataclass(frozen=True)
class SwapInput:
    zero_for_one: bool
    amount_specified: int
    limit: int | None  # what engine_rs gets (None = no limit)
    chain_limit: int  # what the pool gets
    labels: tuple[str, ...]


def _approx_amount(
    state: PoolState, zfo: bool, exact_in: bool, ticks: float, fallback_liq: int
) -> int:
    """Roughly what moves the price by ``ticks`` at the current liquidity."""
    liq = state.liquidity or fallback_liq
    r = 1.0001 ** (ticks / 2)
    s = float(state.sqrt_price_x96)
    token0 = zfo == exact_in  # token0 is the input of zfo, the output of !zfo
    scale = liq * Q96 / s if token0 else liq * s / Q96
    factor = (r - 1) if exact_in else (1 - 1 / r)
    value = scale * factor
    if not math.isfinite(value):
        return INT256_MAX
    return max(1, min(int(value), INT256_MAX))


def _tick_price(engine, tick: int) -> int:
    return engine.get_sqrt_ratio_at_tick(tick)


def gen_swap(rng: random.Random, h: PoolHarness, engine) -> SwapInput:
    state = h.state
    assert state is not None
    s = state.sqrt_price_x96
    labels: list[str] = []
    fallback = max((abs(n) for _, n in state.ticks), default=10**18) or 10**18

    # Bring the price back towards the positions when it has left them.
    if h.band and not (h.band[0] <= state.tick <= h.band[1]) and rng.random() < 0.6:
        zfo = state.tick > h.band[1]
        target = rng.randrange(h.band[0], h.band[1])
        limit = _tick_price(engine, target) + rng.randrange(-1000, 1000)
        amount = rng.randrange(2**100, 2**160) * (1 if rng.random() < 0.5 else -1)
        if (zfo and MIN_SQRT_RATIO < limit < s) or (not zfo and s < limit < MAX_SQRT_RATIO):
            return SwapInput(
                zfo,
                amount,
                limit,
                limit,
                (
                    "recenter",
                    "exact in" if amount > 0 else "exact out",
                    "limit partial",
                    "amount huge",
                ),
            )

    zfo = rng.random() < 0.5
    exact_in = rng.random() < 0.5
    labels.append("exact in" if exact_in else "exact out")

    r = rng.random()
    if r < 0.02:
        amount, kind = 0, "zero"
    elif r < 0.12:
        amount, kind = rng.randrange(1, 100) if rng.random() < 0.7 else 1, "tiny"
    elif r < 0.22:
        amount, kind = rng.randrange(2**128, 2**255), "huge"
    elif r < 0.24:
        amount, kind = INT256_MAX, "int256 max"
    elif r < 0.65:
        ticks = math.exp(rng.uniform(0, math.log(60_000)))
        amount = _approx_amount(state, zfo, exact_in, ticks, fallback)
        amount = max(1, min(INT256_MAX, int(amount * rng.uniform(0.5, 2.0))))
        kind = "scaled"
    else:
        amount, kind = 2 ** rng.uniform(0, 160), "log-uniform"
        amount = max(1, int(amount))
    amount = amount if exact_in else -amount
    if kind == "int256 max" and not exact_in and rng.random() < 0.5:
        amount, kind = INT256_MIN, "int256 min"
    labels.append(f"amount {kind}")

    extreme = MIN_SQRT_RATIO + 1 if zfo else MAX_SQRT_RATIO - 1
    r = rng.random()
    if r < 0.35:
        return SwapInput(zfo, amount, None, extreme, (*labels, "limit none"))
    if r < 0.45:
        return SwapInput(zfo, amount, extreme, extreme, (*labels, "limit extreme"))
    if r < 0.90:
        if r < 0.55 and state.ticks:  # exactly an initialized tick's price
            side = [
                t
                for t, _ in state.ticks
                if (_tick_price(engine, t) < s if zfo else _tick_price(engine, t) > s)
            ]
            if side:
                near = (
                    side[-rng.randrange(1, min(4, len(side)) + 1)]
                    if zfo
                    else side[rng.randrange(min(3, len(side)))]
                )
                limit = _tick_price(engine, near)
                if MIN_SQRT_RATIO < limit < MAX_SQRT_RATIO:
                    return SwapInput(zfo, amount, limit, limit, (*labels, "limit at tick"))
        if r < 0.6:
            step = rng.randrange(1, 1000)
        else:
            ticks = math.exp(rng.uniform(0, math.log(200_000)))
            step = (
                int(s * (1 - 1.0001 ** (-ticks / 2)))
                if zfo
                else int(s * (1.0001 ** (ticks / 2) - 1))
            )
            step = max(1, step)
        limit = s - step if zfo else s + step
        if zfo and limit <= MIN_SQRT_RATIO:
            limit = MIN_SQRT_RATIO + 1 + rng.randrange(0, 100)
        if not zfo and limit >= MAX_SQRT_RATIO:
            limit = MAX_SQRT_RATIO - 1 - rng.randrange(0, 100)
        if (zfo and MIN_SQRT_RATIO < limit < s) or (not zfo and s < limit < MAX_SQRT_RATIO):
            return SwapInput(zfo, amount, limit, limit, (*labels, "limit partial"))
        return SwapInput(zfo, amount, None, extreme, (*labels, "limit none"))
    # an invalid limit: the pool reverts with SPL
    if zfo:
        bad = [
            s,
            s + rng.randrange(1, 10**6),
            MIN_SQRT_RATIO,
            max(0, MIN_SQRT_RATIO - rng.randrange(1, 1000)),
            0,
        ]
    else:
        bad = [
            s,
            max(0, s - rng.randrange(1, 10**6)),
            MAX_SQRT_RATIO,
            MAX_SQRT_RATIO + rng.randrange(1, 1000),
            UINT160_MAX,
        ]
    limit = min(rng.choice(bad), UINT160_MAX)
    return SwapInput(zfo, amount, limit, limit, (*labels, "limit invalid"))


def scripted_swaps(h: PoolHarness, engine) -> list[SwapInput]:
    """Edge cases every pool gets first, whatever the random stream does."""
    lo, hi = MIN_SQRT_RATIO + 1, MAX_SQRT_RATIO - 1
    out = [
        SwapInput(True, 1, None, lo, ("exact in", "amount tiny", "limit none", "scripted")),
        SwapInput(False, 1, None, hi, ("exact in", "amount tiny", "limit none", "scripted")),
        SwapInput(True, -1, None, lo, ("exact out", "amount tiny", "limit none", "scripted")),
        SwapInput(False, -1, None, hi, ("exact out", "amount tiny", "limit none", "scripted")),
        SwapInput(True, 0, None, lo, ("exact in", "amount zero", "limit none", "scripted")),
    ]
    assert h.state is not None
    ticks = [t for t, _ in h.state.ticks]
    s = h.state.sqrt_price_x96
    below = [t for t in ticks if _tick_price(engine, t) < s]
    above = [t for t in ticks if _tick_price(engine, t) > s]
    if below:  # land exactly on an initialized tick, then leave it both ways
        p = _tick_price(engine, below[-1])
        out += [
            SwapInput(
                True,
                INT256_MAX,
                p,
                p,
                ("exact in", "amount int256 max", "limit at tick", "scripted"),
            ),
            SwapInput(True, 1000, None, lo, ("exact in", "amount tiny", "limit none", "scripted")),
            SwapInput(
                False, -1000, None, hi, ("exact out", "amount tiny", "limit none", "scripted")
            ),
        ]
    if above:
        p = _tick_price(engine, above[0])
        out += [
            SwapInput(
                False, -(2**200), p, p, ("exact out", "amount huge", "limit at tick", "scripted")
            ),
            SwapInput(False, 1, None, hi, ("exact in", "amount tiny", "limit none", "scripted")),
            SwapInput(True, 1, None, lo, ("exact in", "amount tiny", "limit none", "scripted")),
        ]
    out += [  # to both extremes and back: every initialized tick crossed
        SwapInput(
            True, INT256_MAX, None, lo, ("exact in", "amount int256 max", "limit none", "scripted")
        ),
        # at the bottom already: SPL
        SwapInput(True, 1, None, lo, ("exact in", "amount tiny", "limit none", "scripted")),
        SwapInput(
            False,
            INT256_MIN,
            None,
            hi,
            ("exact out", "amount int256 min", "limit none", "scripted"),
        ),
        SwapInput(False, 5, hi, hi, ("exact in", "amount tiny", "limit extreme", "scripted")),
        SwapInput(
            True,
            -(2**255 - 1),
            None,
            lo,
            ("exact out", "amount int256 max", "limit none", "scripted"),
        ),
    ]
    return out


# --- one swap, both sides ----------------------------------------------------------


@dataclass
class Outcome:
    result: Any = None  # SwapEvent / engine SwapResult fields as a tuple
    reason: str | None = None  # revert reason, None if it did not revert


def _engine_fields(res) -> tuple[int, int, int, int, int]:
    return (res.amount0, res.amount1, res.sqrt_price_x96, res.liquidity, res.tick)


def _event_fields(ev: SwapEvent) -> tuple[int, int, int, int, int]:
    return (ev.amount0, ev.amount1, ev.sqrt_price_x96, ev.liquidity, ev.tick)


FIELDS = ("amount0", "amount1", "sqrt_price_x96", "liquidity", "tick")


def run_swap(
    engine,
    h: PoolHarness,
    swap: SwapInput,
    tally,
    mismatches: list[dict[str, Any]],
    index: int,
    seed: int,
):
    state = h.state
    assert state is not None
    pool = engine.V3Pool(
        state.sqrt_price_x96,
        state.tick,
        state.liquidity,
        state.fee,
        state.tick_spacing,
        state.ticks,
    )
    predicted = Outcome()
    engine_crossed = None
    try:
        res = pool.swap(swap.zero_for_one, swap.amount_specified, swap.limit)
        predicted.result = _engine_fields(res)
        engine_crossed = res.ticks_crossed
    except engine.SwapRevert as exc:
        predicted.reason = exc.reason
    # the batch form must say the same as the single call
    (batched,) = pool.swap_batch([(swap.zero_for_one, swap.amount_specified, swap.limit)])
    batch_same = (
        isinstance(batched, engine.SwapRevert) and predicted.reason == batched.reason
        if predicted.result is None
        else not isinstance(batched, BaseException) and _engine_fields(batched) == predicted.result
    )

    actual = Outcome()
    event: SwapEvent | None = None
    if predicted.result is not None:
        try:
            event = h.world.swap(h.pool, swap.zero_for_one, swap.amount_specified, swap.chain_limit)
            actual.result = _event_fields(event)
        except Revert as exc:
            actual.reason = exc.reason
    else:  # predicted revert: probe without changing the chain
        try:
            a0, a1 = h.world.probe_swap(
                h.pool, swap.zero_for_one, swap.amount_specified, swap.chain_limit
            )
            actual.result = (a0, a1, None, None, None)
        except Revert as exc:
            actual.reason = exc.reason

    crossed = None
    if event is not None:
        h.apply(event)
        # initialized ticks crossed: down through t leaves tick < t, up through t leaves tick >= t
        start, end = state.tick, event.tick
        crossed = sum(1 for t, _ in state.ticks if min(start, end) < t <= max(start, end))
        words = abs((end // state.tick_spacing >> 8) - (start // state.tick_spacing >> 8))
        tally["executed"] += 1
        tally["ticks crossed (chain, total)"] += crossed
        tally["bitmap words crossed (total)"] += words
        tally["max ticks crossed in one swap"] = max(
            tally["max ticks crossed in one swap"], crossed
        )
        tally["swaps crossing >= 10 ticks"] += crossed >= 10
        tally["swaps crossing a word boundary"] += words > 0
    else:
        tally[f"reverted {actual.reason!r}"] += 1
    for label in swap.labels:
        tally[label] += 1

    if actual.result is not None:
        ok = predicted.result == actual.result
    else:  # a revert without a string (SafeCast, overflow) may carry any name in engine_rs
        ok = predicted.result is None and actual.reason in (predicted.reason, "")
    crossed_same = crossed is None or engine_crossed == crossed
    if ok and batch_same and crossed_same:
        return
    record = {
        "seed": seed,
        "index": index,
        "pool": h.name,
        "pool_address": h.pool.address,
        "state": {
            "sqrt_price_x96": state.sqrt_price_x96,
            "tick": state.tick,
            "liquidity": state.liquidity,
            "fee": state.fee,
            "tick_spacing": state.tick_spacing,
            "ticks": state.ticks,
        },
        "swap": {
            "zero_for_one": swap.zero_for_one,
            "amount_specified": swap.amount_specified,
            "sqrt_price_limit_x96": swap.limit,
            "chain_limit": swap.chain_limit,
            "labels": list(swap.labels),
        },
        "engine": (
            dict(zip(FIELDS, predicted.result))
            if predicted.result
            else {"revert": predicted.reason}
        ),
        "chain": dict(zip(FIELDS, actual.result)) if actual.result else {"revert": actual.reason},
        "ticks_crossed": {"engine": engine_crossed, "chain": crossed},
        "batch_agrees": batch_same,
        "batch": (
            repr(batched)
            if isinstance(batched, BaseException)
            else dict(zip(FIELDS, _engine_fields(batched)))
        ),
    }
    mismatches.append(record)


def _format(record: dict[str, Any]) -> str:
    s, w = record["state"], record["swap"]
    return (
        f"[{record['pool']} swap #{record['index']} seed {record['seed']:#x}]\n"
        f"  engine_rs.V3Pool({s['sqrt_price_x96']}, {s['tick']}, {s['liquidity']}, {s['fee']}, "
        f"{s['tick_spacing']}, {s['ticks']!r})\n"
        f"  .swap({w['zero_for_one']}, {w['amount_specified']}, {w['sqrt_price_limit_x96']})"
        f"   (pool got limit {w['chain_limit']}; {', '.join(w['labels'])})\n"
        f"  engine: {record['engine']}\n  chain:  {record['chain']}\n"
        f"  ticks crossed: {record['ticks_crossed']}\n"
        f"  swap_batch agrees with swap: {record['batch_agrees']} ({record['batch']})"
    )


def report(mismatches: list[dict[str, Any]], fee: int) -> str:
    FAILURE_DIR.mkdir(parents=True, exist_ok=True)
    for i, record in enumerate(mismatches[:MAX_REPORTED]):
        (FAILURE_DIR / f"v3-fee{fee}-{i}.json").write_text(json.dumps(record, indent=1))
    shown = "\n".join(_format(r) for r in mismatches[:MAX_REPORTED])
    return (
        f"{len(mismatches)} V3 swap(s) of fee tier {fee} differ from the real pool "
        f"(first {min(len(mismatches), MAX_REPORTED)} below, JSON in {FAILURE_DIR}):\n{shown}"
    )


# --- tests ---------------------------------------------------------------------------


def test_engine_constants_match_tick_math(engine):
    assert (engine.MIN_TICK, engine.MAX_TICK) == (MIN_TICK, MAX_TICK)
    assert (engine.MIN_SQRT_RATIO, engine.MAX_SQRT_RATIO) == (MIN_SQRT_RATIO, MAX_SQRT_RATIO)


def test_fee_tiers_enabled(world: V3World):
    assert {fee: world.fee_tick_spacing(fee) for fee in FEE_TIERS} == FEE_TIERS


@pytest.mark.parametrize("fee", sorted(FEE_TIERS))
def test_v3_swaps_match_pool(engine, world: V3World, fee: int):
    seed = SEED * 100_003 + fee
    rng = random.Random(seed)
    tally = stats.counter(f"V3 fee {fee}")
    mismatches: list[dict[str, Any]] = []
    with world.chain.isolated():
        pools = [build_dense(world, fee, rng), build_sparse(world, fee, rng)]
        index = 0
        for h in pools:
            for swap in scripted_swaps(h, engine):
                run_swap(engine, h, swap, tally, mismatches, index, seed)
                index += 1
        for n in range(SWAPS_PER_TIER):
            h = pools[0] if rng.random() < 0.65 else pools[1]
            if n and n % SEGMENT == 0:
                for p in pools:
                    p.check_cache()
                    change_positions(p, rng)
                tally["position changes"] += 1
            run_swap(engine, h, gen_swap(rng, h, engine), tally, mismatches, index, seed)
            index += 1
        for p in pools:
            p.check_cache()
    assert not mismatches, report(mismatches, fee)
    assert tally["executed"] >= MIN_EXECUTED_PER_TIER, dict(tally)
    assert tally["max ticks crossed in one swap"] >= 40, dict(tally)
    assert tally["swaps crossing a word boundary"] >= 20, dict(tally)
