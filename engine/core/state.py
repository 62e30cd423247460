"""The engine's own read model of the market: tokens, pool state, chain heads.

engine_rs.Market holds the state the search runs on but exposes no getters,
so the engine mirrors each pool's state here from the same updates (ListPools,
price streams, the per-block market series). Every object is immutable and a
``MarketView`` is copied shallowly per block, so a view kept in the history
ring stays valid while later blocks build new ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from engine.core.events import MarketUpdate, PoolAdded, TokenAdded, V2PoolAdded

Key = tuple[int, str]  # (chain_id, lowercase address)
Q96 = 1 << 96


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
class V2PoolState:
    chain_id: int
    address: str
    token0: str
    token1: str
    fee_bps: int
    dex: str
    reserve0: int
    reserve1: int
    updated_block: int = 0

    @property
    def fee_pips(self) -> int:
        return self.fee_bps * 100


@dataclass(frozen=True, slots=True)
class V3PoolState:
    chain_id: int
    address: str
    token0: str
    token1: str
    fee: int
    tick_spacing: int
    dex: str
    sqrt_price_x96: int
    tick: int
    liquidity: int
    # tick -> (liquidity_gross, liquidity_net), every initialized tick
    ticks: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    updated_block: int = 0

    @property
    def fee_pips(self) -> int:
        return self.fee


PoolState = V2PoolState | V3PoolState


@dataclass(frozen=True, slots=True)
class ChainHead:
    number: int
    hash: str
    timestamp: int


@dataclass(slots=True)
class MarketView:
    """Tokens, pools, heads and gas prices at one point of the history.

    Treat as immutable once stored: ``evolve`` returns a copy whose dicts may
    be mutated by the caller building the next state.
    """

    tokens: dict[Key, TokenInfo] = field(default_factory=dict)
    pools: dict[Key, PoolState] = field(default_factory=dict)
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


def pool_state(pool: PoolAdded) -> PoolState:
    address, t0, t1 = (normalize_address(a) for a in (pool.address, pool.token0, pool.token1))
    if isinstance(pool, V2PoolAdded):
        return V2PoolState(
            pool.chain_id, address, t0, t1, pool.fee_bps, pool.dex, pool.reserve0, pool.reserve1
        )
    ticks = {t: (gross, net) for t, gross, net in pool.ticks}
    return V3PoolState(
        pool.chain_id, address, t0, t1, pool.fee, pool.tick_spacing, pool.dex,
        pool.sqrt_price_x96, pool.tick, pool.liquidity, ticks,
    )


def apply_update(pools: dict[Key, PoolState], update: MarketUpdate, block_number: int) -> Key:
    """Apply one update (already accepted by engine_rs) to ``pools``; returns the pool's key."""
    kind, chain_id, address = update[0], update[1], update[2]
    key = (int(chain_id), normalize_address(address))  # type: ignore[call-overload, arg-type]
    pool = pools[key]
    if kind == "sync" and isinstance(pool, V2PoolState):
        _, _, _, reserve0, reserve1 = update
        pools[key] = replace(
            pool, reserve0=int(reserve0), reserve1=int(reserve1), updated_block=block_number  # type: ignore[call-overload]
        )
    elif kind == "swap" and isinstance(pool, V3PoolState):
        _, _, _, sqrt_price_x96, liquidity, tick = update
        pools[key] = replace(
            pool,
            sqrt_price_x96=int(sqrt_price_x96),  # type: ignore[call-overload]
            liquidity=int(liquidity),  # type: ignore[call-overload]
            tick=int(tick),  # type: ignore[call-overload]
            updated_block=block_number,
        )
    elif kind in ("mint", "burn") and isinstance(pool, V3PoolState):
        _, _, _, lower, upper, amount = update
        lower, upper, amount = int(lower), int(upper), int(amount)  # type: ignore[call-overload]
        signed = amount if kind == "mint" else -amount
        ticks = dict(pool.ticks)
        for tick, net in ((lower, signed), (upper, -signed)):
            gross0, net0 = ticks.get(tick, (0, 0))
            gross = gross0 + signed
            if gross == 0:
                ticks.pop(tick, None)
            else:
                ticks[tick] = (gross, net0 + net)
        liquidity = pool.liquidity + signed if lower <= pool.tick < upper else pool.liquidity
        pools[key] = replace(pool, ticks=ticks, liquidity=liquidity, updated_block=block_number)
    else:  # engine_rs accepted it, so this is a bug of the mirror
        raise AssertionError(f"update {kind!r} does not fit pool {key}")
    return key


def mid_price(pool: PoolState, tokens: Mapping[Key, TokenInfo]) -> float:
    """token1 per token0, adjusted for decimals (display only; 0.0 when undefined)."""
    t0 = tokens.get((pool.chain_id, pool.token0))
    t1 = tokens.get((pool.chain_id, pool.token1))
    scale = 10.0 ** ((t0.decimals if t0 else 0) - (t1.decimals if t1 else 0))
    if isinstance(pool, V2PoolState):
        return pool.reserve1 / pool.reserve0 * scale if pool.reserve0 else 0.0
    return (pool.sqrt_price_x96 / Q96) ** 2 * scale
