"""The engine's read model around engine_rs.Market: tokens, chain heads, gas prices.

Pool state is not mirrored here: ``engine_rs.Market.pool`` / ``pools`` return
``PoolView`` copies of the exact state the search runs on (reserves; V3 price,
tick, liquidity and every initialized tick). What the Market does not hold
lives in ``MarketView``: token metadata, each chain's head and gas price, and
which pools exist with the block of their last change. A ``MarketView`` is
copied shallowly per block, so a view kept in the history ring (beside the
Market snapshot of the same moment) stays valid while later blocks build new
ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import engine_rs
from engine.core.events import TokenAdded

Key = tuple[int, str]  # (chain_id, lowercase address)
Q96 = 1 << 96
PoolView = engine_rs.PoolView


def normalize_address(address: str | bytes) -> str:
    if isinstance(address, bytes):
        return "0x" + address.hex()
    return address.lower()


@dataclass(frozen=True, slots=True)
class TokenInfo:
    chain_id: int
    address: str
    decimals: int
    symbol: str


@dataclass(frozen=True, slots=True)
class ChainHead:
    number: int
    hash: str
    timestamp: int


@dataclass(slots=True)
class MarketView:
    """Tokens, pools, heads and gas prices at one point of the history.

    ``pools`` maps every pool the Market holds to the block its state was last
    set at (read at, or changed by a log of). Treat as immutable once stored:
    ``evolve`` returns a copy whose dicts may be mutated by the caller building
    the next state.
    """

    tokens: dict[Key, TokenInfo] = field(default_factory=dict)
    pools: dict[Key, int] = field(default_factory=dict)
    heads: dict[int, ChainHead] = field(default_factory=dict)
    gas_price_wei: dict[int, int] = field(default_factory=dict)

    def evolve(self, *, tokens: bool = False) -> MarketView:
        return MarketView(
            tokens=dict(self.tokens) if tokens else self.tokens,
            pools=dict(self.pools),
            heads=dict(self.heads),
            gas_price_wei=dict(self.gas_price_wei),
        )


def token_info(token: TokenAdded) -> TokenInfo:
    return TokenInfo(token.chain_id, normalize_address(token.address), token.decimals, token.symbol)


# --- reading a PoolView (its getters are Optional by kind) ----------------------------


def is_v2(pool: PoolView) -> bool:
    return pool.kind == "v2"


def fee_pips(pool: PoolView) -> int:
    """The swap fee in hundredths of a bip (V2: basis points x 100)."""
    fee = pool.fee_bps * 100 if pool.fee_bps is not None else pool.fee
    if fee is None:
        raise ValueError(f"pool {pool.address}: no fee")
    return fee


def reserves(pool: PoolView) -> tuple[int, int]:
    """A V2 pair's (reserve0, reserve1); ValueError for a V3 pool."""
    r0, r1 = pool.reserve0, pool.reserve1
    if r0 is None or r1 is None:
        raise ValueError(f"pool {pool.address} is {pool.kind}, not v2: it has no reserves")
    return r0, r1


def slot(pool: PoolView) -> tuple[int, int, int]:
    """A V3 pool's (sqrt_price_x96, tick, liquidity); ValueError for a V2 pair."""
    sqrt_price_x96, tick, liquidity = pool.sqrt_price_x96, pool.tick, pool.liquidity
    if sqrt_price_x96 is None or tick is None or liquidity is None:
        raise ValueError(f"pool {pool.address} is {pool.kind}, not v3: it has no price slot")
    return sqrt_price_x96, tick, liquidity


def mid_price(pool: PoolView, tokens: Mapping[Key, TokenInfo]) -> float:
    """token1 per token0, adjusted for decimals (display only; 0.0 when undefined)."""
    t0 = tokens.get((pool.chain_id, pool.token0))
    t1 = tokens.get((pool.chain_id, pool.token1))
    scale = 10.0 ** ((t0.decimals if t0 else 0) - (t1.decimals if t1 else 0))
    if is_v2(pool):
        reserve0, reserve1 = reserves(pool)
        return reserve1 / reserve0 * scale if reserve0 else 0.0
    return (slot(pool)[0] / Q96) ** 2 * scale
