"""Typed stub of the compiled core (engine_rs/src/py/)."""

from collections.abc import Sequence
from typing import Final

MIN_TICK: Final[int]  # -887272
MAX_TICK: Final[int]  # 887272
MIN_SQRT_RATIO: Final[int]  # 4295128739
MAX_SQRT_RATIO: Final[int]  # 1461446703485210103287273052203988822378723970342

class SwapRevert(ValueError):
    """A revert of the reproduced contract code.

    ``reason`` is the contract's revert string, e.g. ``"AS"`` (amount specified
    is zero), ``"SPL"`` (bad price limit), ``"T"`` / ``"R"`` (tick / sqrt ratio out
    of range), ``"LOK"``-free pool errors such as ``"LS"`` / ``"LA"``, V2's
    ``"UniswapV2: INSUFFICIENT_LIQUIDITY"``, or, where Solidity reverts without
    a string (SafeMath / SafeCast overflow), a short name of the check such as
    ``"ds-math-mul-overflow"`` or ``"SafeCast"``.
    """

    reason: str

# --- Uniswap V2 (UniswapV2Library.getAmountOut / getAmountIn) -----------------

def v2_get_amount_out(amount_in: int, reserve_in: int, reserve_out: int, fee_bps: int = 30) -> int:
    """Output of a V2 pair for ``amount_in``, fee in basis points (30 = Uniswap, 20 = PancakeSwap)."""

def v2_get_amount_in(amount_out: int, reserve_in: int, reserve_out: int, fee_bps: int = 30) -> int:
    """Smallest input that buys ``amount_out`` from a V2 pair."""

def v2_get_amount_out_batch(
    quotes: Sequence[tuple[int, int, int]], fee_bps: int = 30
) -> list[int]:
    """``v2_get_amount_out`` for many ``(amount_in, reserve_in, reserve_out)``; the GIL is released."""

def v2_get_amount_in_batch(
    quotes: Sequence[tuple[int, int, int]], fee_bps: int = 30
) -> list[int]:
    """``v2_get_amount_in`` for many ``(amount_out, reserve_in, reserve_out)``; the GIL is released."""

# --- Uniswap V3 libraries ------------------------------------------------------

def mul_div(a: int, b: int, denominator: int) -> int:
    """FullMath.mulDiv: floor(a*b/denominator) with a 512-bit intermediate."""

def mul_div_rounding_up(a: int, b: int, denominator: int) -> int:
    """FullMath.mulDivRoundingUp."""

def get_sqrt_ratio_at_tick(tick: int) -> int:
    """TickMath.getSqrtRatioAtTick (Q64.96)."""

def get_tick_at_sqrt_ratio(sqrt_price_x96: int) -> int:
    """TickMath.getTickAtSqrtRatio."""

def get_next_sqrt_price_from_input(
    sqrt_price_x96: int, liquidity: int, amount_in: int, zero_for_one: bool
) -> int:
    """SqrtPriceMath.getNextSqrtPriceFromInput."""

def get_next_sqrt_price_from_output(
    sqrt_price_x96: int, liquidity: int, amount_out: int, zero_for_one: bool
) -> int:
    """SqrtPriceMath.getNextSqrtPriceFromOutput."""

def get_amount0_delta(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool) -> int:
    """SqrtPriceMath.getAmount0Delta (unsigned form)."""

def get_amount1_delta(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool) -> int:
    """SqrtPriceMath.getAmount1Delta (unsigned form)."""

def compute_swap_step(
    sqrt_ratio_current_x96: int,
    sqrt_ratio_target_x96: int,
    liquidity: int,
    amount_remaining: int,
    fee_pips: int,
) -> tuple[int, int, int, int]:
    """SwapMath.computeSwapStep -> (sqrt_ratio_next_x96, amount_in, amount_out, fee_amount)."""

def next_initialized_tick_within_one_word(
    initialized_ticks: Sequence[int], tick: int, tick_spacing: int, lte: bool
) -> tuple[int, bool]:
    """TickBitmap.nextInitializedTickWithinOneWord over a bitmap holding ``initialized_ticks``."""

class SwapResult:
    """What the pool's ``Swap`` event would carry (amounts signed, positive = into the pool)."""

    @property
    def amount0(self) -> int: ...
    @property
    def amount1(self) -> int: ...
    @property
    def sqrt_price_x96(self) -> int: ...
    @property
    def tick(self) -> int: ...
    @property
    def liquidity(self) -> int: ...
    @property
    def ticks_crossed(self) -> int:
        """Initialized ticks crossed by the swap (not part of the event; for gas estimates)."""

class V3Pool:
    """An immutable snapshot of a Uniswap V3 pool, enough to simulate ``UniswapV3Pool.swap``.

    ``ticks`` lists every initialized tick as ``(tick, liquidity_net)``; a tick
    whose ``liquidity_net`` is 0 but is initialized still splits swap steps and
    must be listed. ``fee`` is in hundredths of a bip (3000 = 0.3%).
    """

    def __init__(
        self,
        sqrt_price_x96: int,
        tick: int,
        liquidity: int,
        fee: int,
        tick_spacing: int,
        ticks: Sequence[tuple[int, int]],
    ) -> None: ...
    @property
    def sqrt_price_x96(self) -> int: ...
    @property
    def tick(self) -> int: ...
    @property
    def liquidity(self) -> int: ...
    @property
    def fee(self) -> int: ...
    @property
    def tick_spacing(self) -> int: ...
    @property
    def ticks(self) -> list[tuple[int, int]]: ...
    def swap(
        self, zero_for_one: bool, amount_specified: int, sqrt_price_limit_x96: int | None = None
    ) -> SwapResult:
        """Simulate UniswapV3Pool.swap without changing the pool.

        ``amount_specified > 0`` is exact input, ``< 0`` exact output. Without a
        limit the swap may run to the extreme price (MIN_SQRT_RATIO + 1 or
        MAX_SQRT_RATIO - 1), as a caller passing those limits would.
        """
    def swap_batch(
        self, swaps: Sequence[tuple[bool, int, int | None]]
    ) -> list[SwapResult | SwapRevert]:
        """Many independent swaps from the same state; each result or its revert. GIL released."""

# --- Market: pool state, cycle index, route search and sizing ----------------
#
# Addresses are "0x"-prefixed hex strings (any case; returned lowercase) or
# 20-byte ``bytes``. Tokens are identified by (chain_id, address), pools by
# (chain_id, address). Cycles live within one chain.
#
# The search, per chain and base token:
#   1. Cycles: every simple cycle base -> t1 -> ... -> base of 2..max_hops
#      pools (no pool twice, no token twice except the base at both ends),
#      both directions, enumerated when the pool set changes; an index maps
#      each pool to the cycles through it.
#   2. Screening: each pool direction has a marginal rate after fees (f64:
#      V2 r_out/r_in*(1-fee); V3 price from sqrt_price_x96 times (1-fee));
#      a cycle is a candidate when the product of its rates exceeds 1.
#   3. Sizing: all-V2 cycles compose to out = A*x/(D + C*x), optimum
#      x* = (sqrt(A*D) - D)/C (evaluated in f64, then clamped to
#      [1, max_input]); cycles with a V3 hop use a golden-section search on
#      the exact integer simulation of the cycle over [1, max_input] after
#      an exponential bracket from the V2-like estimate.
#   4. Exact evaluation: the chosen input is simulated hop by hop with the
#      exact math (integers); profit_gross = out - in; gas_cost =
#      gas_units * gas_price converted to the base token at the market's own
#      mid price of the deepest native/base pool (1:1 when the base is the
#      native token); profit_net = profit_gross - gas_cost. Only cycles with
#      profit_net >= min_profit are reported, ranked by profit_net valued in
#      the chain's native token (so that base tokens compare), top_k. With a
#      gas price set but no native/base pool, a cycle cannot be valued and is
#      not reported.
#   Sizing depends only on the current state, so incremental updates give
#   exactly what a full scan gives; a new gas price re-values sized cycles
#   without re-sizing them. V3 hops stop at the last initialized tick in
#   their direction (beyond it there is no liquidity).

class Opportunity:
    """A sized, exactly simulated profitable cycle."""

    @property
    def chain_id(self) -> int: ...
    @property
    def cycle_id(self) -> int:
        """Stable while the pool set does not change."""
    @property
    def base_token(self) -> str: ...
    @property
    def pools(self) -> list[str]:
        """Pool addresses in hop order."""
    @property
    def tokens(self) -> list[str]:
        """Token path, hops + 1 long, starting and ending at the base token."""
    @property
    def zero_for_one(self) -> list[bool]:
        """Per hop: True when the hop sells the pool's token0."""
    @property
    def amount_in(self) -> int: ...
    @property
    def amounts(self) -> list[int]:
        """Output of each hop; the last is ``amount_out``."""
    @property
    def amount_out(self) -> int: ...
    @property
    def profit_gross(self) -> int:
        """amount_out - amount_in (base token units)."""
    @property
    def gas_units(self) -> int: ...
    @property
    def gas_cost(self) -> int:
        """gas_units * gas_price in base token units."""
    @property
    def profit_net(self) -> int:
        """profit_gross - gas_cost; may be negative only if min_profit is."""

class Route:
    """The best path found between two tokens for an amount."""

    @property
    def chain_id(self) -> int: ...
    @property
    def pools(self) -> list[str]: ...
    @property
    def tokens(self) -> list[str]: ...
    @property
    def zero_for_one(self) -> list[bool]: ...
    @property
    def amount_in(self) -> int: ...
    @property
    def amounts(self) -> list[int]: ...
    @property
    def amount_out(self) -> int: ...
    @property
    def gas_units(self) -> int: ...

class PoolView:
    """A pool's current state as the market holds it (read-only copy)."""

    @property
    def chain_id(self) -> int: ...
    @property
    def address(self) -> str: ...
    @property
    def kind(self) -> str:
        """"v2" or "v3"."""
    @property
    def token0(self) -> str: ...
    @property
    def token1(self) -> str: ...
    @property
    def dex(self) -> str: ...
    @property
    def reserve0(self) -> int | None:
        """V2 only."""
    @property
    def reserve1(self) -> int | None:
        """V2 only."""
    @property
    def fee_bps(self) -> int | None:
        """V2 only: the fork's fee in basis points."""
    @property
    def fee(self) -> int | None:
        """V3 only: the fee tier in hundredths of a bip."""
    @property
    def tick_spacing(self) -> int | None: ...
    @property
    def sqrt_price_x96(self) -> int | None: ...
    @property
    def tick(self) -> int | None: ...
    @property
    def liquidity(self) -> int | None: ...
    @property
    def ticks(self) -> list[tuple[int, int, int]] | None:
        """V3 only: (tick, liquidity_gross, liquidity_net) of every initialized tick."""

class MarketSnapshot:
    """An opaque, cheap copy of a Market's state (copy-on-write per pool)."""

class Market:
    """Tokens and pools of several chains, the cycle index and the search.

    Gas units: ``gas_overhead`` per trade plus ``gas_v2_hop`` / ``gas_v3_hop``
    per hop and ``gas_v3_tick`` per initialized tick crossed.
    """

    def __init__(
        self,
        max_hops: int = 3,
        min_profit: int = 1,
        top_k: int = 100,
        gas_overhead: int = 60_000,
        gas_v2_hop: int = 60_000,
        gas_v3_hop: int = 90_000,
        gas_v3_tick: int = 20_000,
    ) -> None: ...
    @property
    def num_tokens(self) -> int: ...
    @property
    def num_pools(self) -> int: ...
    @property
    def num_cycles(self) -> int:
        """Cycles in the index (rebuilt when the pool set or the base tokens change)."""
    def add_token(self, chain_id: int, address: str | bytes, decimals: int, symbol: str = "") -> None: ...
    def add_v2_pool(
        self,
        chain_id: int,
        address: str | bytes,
        token0: str | bytes,
        token1: str | bytes,
        reserve0: int,
        reserve1: int,
        fee_bps: int = 30,
        dex: str = "",
    ) -> None:
        """Add a V2 pair; both tokens must have been added and token0 must sort
        below token1 (as on chain). Replacing a pool is an error."""
    def add_v3_pool(
        self,
        chain_id: int,
        address: str | bytes,
        token0: str | bytes,
        token1: str | bytes,
        fee: int,
        tick_spacing: int,
        sqrt_price_x96: int,
        tick: int,
        liquidity: int,
        ticks: Sequence[tuple[int, int, int]],
        dex: str = "",
    ) -> None:
        """Add a V3 pool; ``ticks`` lists ``(tick, liquidity_gross, liquidity_net)`` of every initialized tick."""
    def remove_pool(self, chain_id: int, address: str | bytes) -> None: ...
    def set_base_tokens(
        self, chain_id: int, tokens: Sequence[str | bytes], max_input: int = 2**128
    ) -> None:
        """Cycles start and end at these tokens; ``max_input`` caps each trade's input."""
    def set_gas_price(self, chain_id: int, gas_price_wei: int, native_token: str | bytes) -> None: ...
    def apply_updates(self, updates: Sequence[tuple[object, ...]]) -> int:
        """Apply a batch atomically; returns the number of pools touched.

        Shapes, as the chain's logs deliver them:
          ("sync", chain_id, pool, reserve0, reserve1)                  V2 Sync
          ("swap", chain_id, pool, sqrt_price_x96, liquidity, tick)    V3 Swap
          ("mint", chain_id, pool, tick_lower, tick_upper, amount)     V3 Mint
          ("burn", chain_id, pool, tick_lower, tick_upper, amount)     V3 Burn
        A bad update (unknown pool, wrong pool kind, a burn beyond the
        liquidity, a tick out of range or off the spacing) raises ValueError
        naming ``updates[i]`` and leaves the market unchanged.
        """
    def pool(self, chain_id: int, address: str | bytes) -> PoolView:
        """One pool's current state; ValueError naming ``pool`` when unknown."""
    def pools(self, chain_id: int | None = None) -> list[PoolView]:
        """Every pool (of one chain, if given)."""
    def snapshot(self) -> MarketSnapshot: ...
    def restore(self, snapshot: MarketSnapshot) -> None: ...
    def scan(self) -> list[Opportunity]:
        """Evaluate every cycle (GIL released); the ranked top_k."""
    def update(self, updates: Sequence[tuple[object, ...]]) -> list[Opportunity]:
        """apply_updates, re-evaluate only the cycles through touched pools, return the ranked top_k."""
    def opportunities(self) -> list[Opportunity]:
        """The ranked top_k of the last scan/update."""
    def cycles(self) -> list[tuple[int, int, str, list[str], list[bool]]]:
        """Every indexed cycle: (cycle_id, chain_id, base_token, pools, zero_for_one)."""
    def evaluate_cycle(self, cycle_id: int, amount_in: int) -> list[int]:
        """Exact outputs of each hop of a cycle for ``amount_in``."""
    def quote(self, chain_id: int, pools: Sequence[str | bytes], token_in: str | bytes, amount_in: int) -> list[int]:
        """Exact outputs of each hop along ``pools`` starting with ``token_in``."""
    def best_route(
        self, chain_id: int, token_in: str | bytes, token_out: str | bytes, amount_in: int, max_hops: int = 3
    ) -> Route | None:
        """The path of up to ``max_hops`` pools with the largest exact output, or None."""
