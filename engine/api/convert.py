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
from engine.core.events import ModelVerdict
from engine.core.reference_prices import ReferencePrice, ReferencePrices
from engine.core.state import Key, PoolView, TokenInfo, fee_pips, is_v2, mid_price, reserves, slot
from engine.execution.executor import SimulationReport
from engine.execution.risk import Mode, RiskLimits
from engine.store.trades import Trade, TradeStatus

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


def token(
    t: TokenInfo, *, is_base: bool, is_native: bool, reference: ReferencePrice | None = None,
    feed: str | None = None,
) -> pb.Token:
    msg = pb.Token(
        chain_id=t.chain_id, address=t.address, symbol=t.symbol, decimals=t.decimals,
        is_base=is_base, is_native=is_native, usd_price_feed=feed or "",
    )
    if reference is not None:
        msg.usd_price = reference.usd
        msg.usd_price_updated_unix = reference.updated_at
    return msg


def v2_state(p: PoolView) -> pb.V2State:
    reserve0, reserve1 = reserves(p)
    return pb.V2State(reserve0=str(reserve0), reserve1=str(reserve1))


def v3_state(p: PoolView, *, include_ticks: bool) -> pb.V3State:
    sqrt_price_x96, tick, liquidity = slot(p)
    initialized = p.ticks or []  # sorted by tick
    ticks = (
        [pb.Tick(tick=t, liquidity_gross=str(g), liquidity_net=str(n)) for t, g, n in initialized]
        if include_ticks else []
    )
    return pb.V3State(
        sqrt_price_x96=str(sqrt_price_x96), tick=tick, liquidity=str(liquidity),
        tick_spacing=p.tick_spacing or 0, initialized_ticks=len(initialized), ticks=ticks,
    )


def pool(
    p: PoolView, tokens: Mapping[Key, TokenInfo], *, updated_block: int = 0,
    include_ticks: bool = False, oracle_deviation: float | None = None, off_oracle: bool = False,
) -> pb.Pool:
    msg = pb.Pool(
        chain_id=p.chain_id, address=p.address, dex=p.dex, token0=p.token0, token1=p.token1,
        fee_pips=fee_pips(p), price=mid_price(p, tokens), updated_block=updated_block,
        oracle_deviation=oracle_deviation, off_oracle=off_oracle,
    )
    if is_v2(p):
        msg.kind = pb.POOL_KIND_V2
        msg.v2.CopyFrom(v2_state(p))
    else:
        msg.kind = pb.POOL_KIND_V3
        msg.v3.CopyFrom(v3_state(p, include_ticks=include_ticks))
    return msg


def pool_price(p: PoolView, tokens: Mapping[Key, TokenInfo]) -> pb.PoolPrice:
    msg = pb.PoolPrice(chain_id=p.chain_id, pool=p.address, price=mid_price(p, tokens))
    if is_v2(p):
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
    published_ns: int, verdict: ModelVerdict | None = None,
) -> pb.Opportunity:
    """``verdict``: the models' (model_score, anomalous, model_decision, model_reason);
    None without models, leaving them unset."""
    msg = pb.Opportunity(
        id=id, chain_id=o.chain_id, block_number=block_number, block_hash=block_hash,
        base_token=o.base_token, pools=o.pools, tokens=o.tokens, zero_for_one=o.zero_for_one,
        amount_in=str(o.amount_in), amounts=[str(a) for a in o.amounts],
        amount_out=str(o.amount_out), profit_gross=str(o.profit_gross), gas_units=o.gas_units,
        gas_cost=str(o.gas_cost), profit_net=str(o.profit_net),
        observed_unix_nanos=observed_ns, published_unix_nanos=published_ns,
    )
    if verdict is not None:
        msg.anomalous = verdict.anomalous
        msg.model_decision = verdict.decision
        msg.model_reason = verdict.reason
        if verdict.score is not None:
            msg.model_score = verdict.score
    return msg


def value_in_usd(msg: pb.Opportunity, prices: ReferencePrices, decimals: int | None) -> None:
    """Set ``profit_net_usd`` and ``gas_cost_usd``: the opportunity's own profit_net and
    gas_cost (base token units) at the base token's reference price, so that
    profit_net_usd + gas_cost_usd is the gross profit's value. Unset without that price."""
    usd = prices.usd_price(msg.chain_id, msg.base_token)
    if usd is None or decimals is None:
        return
    unit = usd / 10**decimals
    msg.profit_net_usd = int(msg.profit_net) * unit
    msg.gas_cost_usd = int(msg.gas_cost) * unit


def route(r: object) -> pb.Route:
    return pb.Route(
        chain_id=r.chain_id, pools=r.pools, tokens=r.tokens,  # type: ignore[attr-defined]
        zero_for_one=r.zero_for_one, amount_in=str(r.amount_in),  # type: ignore[attr-defined]
        amounts=[str(a) for a in r.amounts], amount_out=str(r.amount_out),  # type: ignore[attr-defined]
        gas_units=r.gas_units,  # type: ignore[attr-defined]
    )


def strs(values: Iterable[int]) -> list[str]:
    return [str(v) for v in values]


# --- execution ---------------------------------------------------------------------------

EXECUTION_MODES = {
    Mode.OBSERVE: pb.EXECUTION_MODE_OBSERVE,
    Mode.DRY_RUN: pb.EXECUTION_MODE_DRY_RUN,
    Mode.LIVE: pb.EXECUTION_MODE_LIVE,
}
_MODE_OF = {v: k for k, v in EXECUTION_MODES.items()}
TRADE_STATUSES = {
    TradeStatus.CREATED: pb.TRADE_STATUS_CREATED,
    TradeStatus.SIMULATED: pb.TRADE_STATUS_SIMULATED,
    TradeStatus.SENT: pb.TRADE_STATUS_SENT,
    TradeStatus.REPLACED: pb.TRADE_STATUS_REPLACED,
    TradeStatus.MINED: pb.TRADE_STATUS_MINED,
    TradeStatus.REVERTED: pb.TRADE_STATUS_REVERTED,
    TradeStatus.DROPPED: pb.TRADE_STATUS_DROPPED,
    TradeStatus.FAILED_SIMULATION: pb.TRADE_STATUS_FAILED_SIMULATION,
}
_STATUS_OF = {v: k for k, v in TRADE_STATUSES.items()}


def execution_mode(field: str, value: int) -> Mode:
    mode = _MODE_OF.get(value)  # type: ignore[call-overload]
    if mode is None:
        raise InvalidRequest(field, "must be OBSERVE, DRY_RUN or LIVE")
    return mode


def trade_status(field: str, value: int) -> TradeStatus:
    status = _STATUS_OF.get(value)  # type: ignore[call-overload]
    if status is None:
        raise InvalidRequest(field, "is not a trade status")
    return status


def _opt(value: int | None) -> str:
    return "" if value is None else str(value)


def trade(t: Trade) -> pb.Trade:
    return pb.Trade(
        id=t.id, idempotency_key=t.idempotency_key, source=t.source,
        mode=EXECUTION_MODES[Mode(t.mode)], chain_id=t.chain_id, opportunity_id=t.opportunity_id,
        block_number=t.block_number, base_token=t.base_token, pools=t.pools, tokens=t.tokens,
        executor=t.executor, amount_in=str(t.amount_in), min_profit=str(t.min_profit),
        deadline_block=t.deadline_block, flash=t.flash, profit_expected=str(t.profit_expected),
        gas_cost_expected=str(t.gas_cost_expected), status=TRADE_STATUSES[t.status],
        reason=t.reason, sender=t.sender, has_nonce=t.nonce is not None, nonce=t.nonce or 0,
        tx_hash=t.tx_hash or "", gas_limit=t.gas_limit or 0,
        max_fee_per_gas=_opt(t.max_fee_per_gas),
        max_priority_fee_per_gas=_opt(t.max_priority_fee_per_gas), gas_used=t.gas_used or 0,
        effective_gas_price=_opt(t.effective_gas_price), mined_block=t.mined_block or 0,
        profit_realized=_opt(t.profit_realized), final=t.final, created_unix_nanos=t.created_ns,
        updated_unix_nanos=t.updated_ns,
        history=[pb.TradeStatusChange(status=TRADE_STATUSES[h.status], at_unix_nanos=h.at_ns,
                                      tx_hash=h.tx_hash, detail=h.detail) for h in t.history],
        transactions=[pb.TradeTransaction(
            tx_hash=x.tx_hash, nonce=x.nonce, kind=x.kind, max_fee_per_gas=str(x.max_fee_per_gas),
            max_priority_fee_per_gas=str(x.max_priority_fee_per_gas), sent_unix_nanos=x.sent_ns,
        ) for x in t.txs],
    )


def simulation(r: SimulationReport) -> pb.SimulateOpportunityResponse:
    return pb.SimulateOpportunityResponse(
        opportunity_id=r.opportunity_id, chain_id=r.chain_id, executable=r.ok, profit=str(r.profit),
        gas_estimate=r.gas_estimate,
        max_fee_per_gas=str(r.fees.max_fee_per_gas) if r.fees else "",
        max_priority_fee_per_gas=str(r.fees.max_priority_fee_per_gas) if r.fees else "",
        gas_cost_wei=str(r.gas_cost_wei), gas_cost=str(r.gas_cost), profit_net=str(r.profit_net),
        block_number=r.block_number, reason=r.reason,
    )


def risk_limits(r: RiskLimits) -> pb.RiskLimits:
    return pb.RiskLimits(
        max_in_flight=r.max_in_flight, max_amount_in={k: str(v) for k, v in r.max_amount_in.items()},
        min_profit_net=str(r.min_profit_net), daily_loss_limit_wei=str(r.daily_loss_limit_wei),
        pool_cooldown_blocks=r.pool_cooldown_blocks, kill_switch=r.kill_switch,
        exclusive_pools=r.exclusive_pools,
    )


def updated_limits(current: RiskLimits, m: pb.RiskLimits) -> RiskLimits:
    """``current`` with the fields ``m`` sets."""
    changes: dict[str, object] = {}
    if m.HasField("max_in_flight"):
        changes["max_in_flight"] = m.max_in_flight
    if m.max_amount_in or m.replace_max_amount_in:
        caps = {}
        for token, cap in m.max_amount_in.items():
            key = address("limits.max_amount_in", token) if token.startswith("0x") else token
            caps[key] = uint256(f"limits.max_amount_in[{token}]", cap)
        changes["max_amount_in"] = caps
    if m.HasField("min_profit_net"):
        changes["min_profit_net"] = int256("limits.min_profit_net", m.min_profit_net)
    if m.HasField("daily_loss_limit_wei"):
        changes["daily_loss_limit_wei"] = uint256("limits.daily_loss_limit_wei",
                                                  m.daily_loss_limit_wei, positive=False)
    if m.HasField("pool_cooldown_blocks"):
        changes["pool_cooldown_blocks"] = m.pool_cooldown_blocks
    if m.HasField("kill_switch"):
        changes["kill_switch"] = m.kill_switch
    if m.HasField("exclusive_pools"):
        changes["exclusive_pools"] = m.exclusive_pools
    if changes.get("min_profit_net", 0) is None:
        raise InvalidRequest("limits.min_profit_net", "must be a decimal integer")
    return current.updated(**changes)
