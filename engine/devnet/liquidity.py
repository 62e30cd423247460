"""Sizing in the devnet: dollar values to raw token amounts, V2 reserves and
V3 position liquidity. Floats are fine here: these choose how much liquidity
to add or how big a trade to make, they never predict a pool's answer."""

from __future__ import annotations

import math

from engine.devnet.v3 import max_usable_tick, min_usable_tick

Q96 = 2**96
LOG_TICK_BASE = math.log(1.0001)


def raw_amount(value_usd: float, price_usd: float, decimals: int) -> int:
    """Token units worth ``value_usd``."""
    return int(value_usd / price_usd * 10**decimals)


def raw_price(price0_usd: float, price1_usd: float, decimals0: int, decimals1: int) -> float:
    """token1 units per token0 unit: the price a V2 pair's r1/r0 and a V3 pool's sqrtPrice² hold."""
    return price0_usd / price1_usd * 10.0 ** (decimals1 - decimals0)


def tick_at_price(price: float) -> int:
    return math.floor(math.log(price) / LOG_TICK_BASE)


def price_at_tick(tick: float) -> float:
    return math.exp(tick * LOG_TICK_BASE)


def price_of_sqrt_x96(sqrt_price_x96: int) -> float:
    return (sqrt_price_x96 / Q96) ** 2


def position_ticks(price: float, half_width: float | None, spacing: int) -> tuple[int, int]:
    """A range of ±half_width around ``price`` on the spacing grid, holding the
    current tick strictly inside; None: full range."""
    if half_width is None:
        return min_usable_tick(spacing), max_usable_tick(spacing)
    current = tick_at_price(price)
    lower = math.floor(tick_at_price(price * (1 - half_width)) / spacing) * spacing
    upper = math.ceil(tick_at_price(price * (1 + half_width)) / spacing) * spacing
    floor_current = math.floor(current / spacing) * spacing
    lower = max(min(lower, floor_current), min_usable_tick(spacing))
    upper = min(max(upper, floor_current + spacing), max_usable_tick(spacing))
    return lower, upper


def liquidity_for_value(price: float, lower: int, upper: int, value_in_token1: float) -> int:
    """The liquidity L whose position on [lower, upper] at ``price`` holds
    ``value_in_token1`` (token1 units, token0 valued at ``price``)."""
    sqrt_p = math.sqrt(price)
    sqrt_a = math.sqrt(price_at_tick(lower))
    sqrt_b = math.sqrt(price_at_tick(upper))
    sqrt_p = min(max(sqrt_p, sqrt_a), sqrt_b)
    amount0_per_l = 1 / sqrt_p - 1 / sqrt_b
    amount1_per_l = sqrt_p - sqrt_a
    per_l = amount0_per_l * price + amount1_per_l
    return max(int(value_in_token1 / per_l), 1)


def v2_amount_in_for_move(reserve_in: int, move: float) -> int:
    """Input that moves a V2 pair's price of the input token down by the fraction
    ``move`` (fee ignored): r_in' = r_in / sqrt(1 - move)."""
    return int(reserve_in * (1 / math.sqrt(1 - move) - 1))
