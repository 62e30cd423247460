"""The one place that converts between proto messages and engine types.

Parsing raises ``InvalidRequest`` naming the request field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Protocol

from engine.api.gen.arbitrage.v1 import engine_pb2 as pb
from engine.core.engine import ChainStatus, EngineStatus, SyncState
from engine.core.errors import InvalidRequest
from engine.core.state import Key, PoolState, TokenInfo, V2PoolState, V3PoolState, mid_price

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_UINT = re.compile(r"^[0-9]+$")
_INT = re.compile(r"^-?[0-9]+$")
UINT256_MAX = (1 << 256) - 1
INT256_MIN, INT256_MAX = -(1 << 255), (1 << 255) - 1

SYNC_STATES = {
    SyncState.IDLE: pb.SYNC_STATE_IDLE,
    SyncState.SYNCING: pb.SYNC_STATE_SYNCING,
    SyncState.LIVE: pb.SYNC_STATE_LIVE,
    SyncState.RECONNECTING: pb.SYNC_STATE_RECONNECTING,
    SyncState.FAILED: pb.SYNC_STATE_FAILED,
}
MODES = {"watch": pb.MODE_WATCH, "trade": pb.MODE_TRADE}


# --- request fields ----------------------------------------------------------------


def address(field: str, value: str, *, required: bool = True) -> str:
    """A lowercase address; "" when optional and empty."""
    if not value and not required:
        return ""
    if not value:
        raise InvalidRequest(field, "is required")
    if not _ADDRESS.match(value):
        raise InvalidRequest(field, "must be a 0x-prefixed 20-byte hex address")
    return value.lower()


def uint256(field: str, value: str, *, positive: bool = True) -> int:
    if not value:
        raise InvalidRequest(field, "is required")
    if not _UINT.match(value):
        raise InvalidRequest(field, "must be a decimal integer")
    amount = int(value)
    if amount > UINT256_MAX:
        raise InvalidRequest(field, "must be below 2**256")
    if positive and amount == 0:
        raise InvalidRequest(field, "must be greater than 0")
    return amount


def int256(field: str, value: str) -> int | None:
    """An optional signed filter; None when empty."""
    if not value:
        return None
    if not _INT.match(value):
        raise InvalidRequest(field, "must be a decimal integer")
    amount = int(value)
    if not INT256_MIN <= amount <= INT256_MAX:
        raise InvalidRequest(field, "must fit in int256")
    return amount


def chain_id(field: str, value: int) -> int:
    if value == 0:
        raise InvalidRequest(field, "is required")
    return value


# --- responses ------------------------------------------------------------------------


def status(s: EngineStatus, version: str) -> pb.GetStatusResponse:
    return pb.GetStatusResponse(
        version=version,
        mode=MODES.get(s.mode, pb.MODE_UNSPECIFIED),
        chains=[chain_status(c) for c in s.chains],
        tokens=s.tokens,
        pools=s.pools,
        cycles=s.cycles,
        opportunities=s.opportunities,
        subscribers=s.subscribers,
        uptime_seconds=int(s.uptime_s),
    )


def chain_status(c: ChainStatus) -> pb.ChainStatus:
    return pb.ChainStatus(
        chain_id=c.chain_id,
        name=c.name,
        state=SYNC_STATES[c.state],
        head_number=c.head.number if c.head else 0,
        head_hash=c.head.hash if c.head else "",
        head_timestamp=c.head.timestamp if c.head else 0,
        chain_head_number=c.chain_head,
        sync_lag_blocks=c.sync_lag,
        tokens=c.tokens,
        pools=c.pools,
        blocks_processed=c.blocks_processed,
        blocks_failed=c.blocks_failed,
        reorgs=c.reorgs,
        gas_price_wei=str(c.gas_price_wei),
        last_error=c.last_error,
    )


def token(t: TokenInfo, *, is_base: bool, is_native: bool) -> pb.Token:
    return pb.Token(
        chain_id=t.chain_id, address=t.address, symbol=t.symbol, decimals=t.decimals,
        is_base=is_base, is_native=is_native,
    )


def v2_state(p: V2PoolState) -> pb.V2State:
    return pb.V2State(reserve0=str(p.reserve0), reserve1=str(p.reserve1))


def v3_state(p: V3PoolState, *, include_ticks: bool) -> pb.V3State:
    ticks = (
        [pb.Tick(tick=t, liquidity_gross=str(g), liquidity_net=str(n))
         for t, (g, n) in sorted(p.ticks.items())]
        if include_ticks else []
    )
    return pb.V3State(
        sqrt_price_x96=str(p.sqrt_price_x96), tick=p.tick, liquidity=str(p.liquidity),
        tick_spacing=p.tick_spacing, initialized_ticks=len(p.ticks), ticks=ticks,
    )


def pool(p: PoolState, tokens: Mapping[Key, TokenInfo], *, include_ticks: bool = False) -> pb.Pool:
    msg = pb.Pool(
        chain_id=p.chain_id, address=p.address, dex=p.dex, token0=p.token0, token1=p.token1,
        fee_pips=p.fee_pips, price=mid_price(p, tokens), updated_block=p.updated_block,
    )
    if isinstance(p, V2PoolState):
        msg.kind = pb.POOL_KIND_V2
        msg.v2.CopyFrom(v2_state(p))
    else:
        msg.kind = pb.POOL_KIND_V3
        msg.v3.CopyFrom(v3_state(p, include_ticks=include_ticks))
    return msg


def pool_price(p: PoolState, tokens: Mapping[Key, TokenInfo]) -> pb.PoolPrice:
    msg = pb.PoolPrice(chain_id=p.chain_id, pool=p.address, price=mid_price(p, tokens))
    if isinstance(p, V2PoolState):
        msg.kind = pb.POOL_KIND_V2
        msg.v2.CopyFrom(v2_state(p))
    else:
        msg.kind = pb.POOL_KIND_V3
        msg.v3.CopyFrom(v3_state(p, include_ticks=False))
    return msg


class OpportunityLike(Protocol):
    """engine_rs.Opportunity and engine.store.OpportunityRow."""

    @property
    def chain_id(self) -> int: ...
    @property
    def base_token(self) -> str: ...
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
    def profit_gross(self) -> int: ...
    @property
    def gas_units(self) -> int: ...
    @property
    def gas_cost(self) -> int: ...
    @property
    def profit_net(self) -> int: ...


def opportunity(
    o: OpportunityLike, *, id: str, block_number: int, block_hash: str, observed_ns: int,
    published_ns: int,
) -> pb.Opportunity:
    return pb.Opportunity(
        id=id, chain_id=o.chain_id, block_number=block_number, block_hash=block_hash,
        base_token=o.base_token, pools=o.pools, tokens=o.tokens, zero_for_one=o.zero_for_one,
        amount_in=str(o.amount_in), amounts=[str(a) for a in o.amounts],
        amount_out=str(o.amount_out), profit_gross=str(o.profit_gross), gas_units=o.gas_units,
        gas_cost=str(o.gas_cost), profit_net=str(o.profit_net),
        observed_unix_nanos=observed_ns, published_unix_nanos=published_ns,
    )


def route(r: object) -> pb.Route:
    return pb.Route(
        chain_id=r.chain_id, pools=r.pools, tokens=r.tokens,  # type: ignore[attr-defined]
        zero_for_one=r.zero_for_one, amount_in=str(r.amount_in),  # type: ignore[attr-defined]
        amounts=[str(a) for a in r.amounts], amount_out=str(r.amount_out),  # type: ignore[attr-defined]
        gas_units=r.gas_units,  # type: ignore[attr-defined]
    )


def strs(values: Iterable[int]) -> list[str]:
    return [str(v) for v in values]
