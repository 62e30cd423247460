"""Request and response bodies of the REST API (the OpenAPI document's schemas).

Token amounts are decimal strings (uint256 / int256), as in the proto; ids,
block numbers and counts are integers; prices are floats, display only."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Role = Literal["viewer", "trader", "admin"]
DecimalStr = str


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


# --- engine ---------------------------------------------------------------------


class ChainStatus(_Out):
    chain_id: int
    name: str
    state: str = Field(description="idle, syncing, live, reconnecting, failed")
    head_number: int
    head_hash: str
    head_timestamp: int
    chain_head_number: int
    sync_lag_blocks: int
    tokens: int
    pools: int
    blocks_processed: int
    blocks_failed: int
    reorgs: int
    gas_price_wei: DecimalStr
    last_error: str


class EngineStatus(_Out):
    version: str
    mode: str = Field(description="watch or trade")
    chains: list[ChainStatus]
    tokens: int
    pools: int
    cycles: int
    opportunities: int
    subscribers: int
    uptime_seconds: int


class Token(_Out):
    chain_id: int
    address: str
    symbol: str
    decimals: int
    is_base: bool
    is_native: bool
    usd_price: float | None = Field(
        description="USD per whole token from the chain's price-feed oracle "
        "(Chainlink AggregatorV3Interface); null without a feed or before its first read"
    )
    usd_price_updated_unix: int = Field(
        description="the feed answer's updatedAt, unix seconds (0 without a price)"
    )
    usd_price_feed: str = Field(description='the feed\'s address ("" without a feed)')


class V2State(_Out):
    reserve0: DecimalStr
    reserve1: DecimalStr


class Tick(_Out):
    tick: int
    liquidity_gross: DecimalStr
    liquidity_net: DecimalStr


class V3State(_Out):
    sqrt_price_x96: DecimalStr
    tick: int
    liquidity: DecimalStr
    tick_spacing: int
    initialized_ticks: int
    ticks: list[Tick]


class Pool(_Out):
    chain_id: int
    address: str
    kind: str = Field(description="v2 or v3")
    dex: str
    token0: str
    token1: str
    fee_pips: int
    v2: V2State | None
    v3: V3State | None
    price: float = Field(description="token1 per token0, decimals applied; display only")
    updated_block: int
    oracle_deviation: float | None = Field(
        description="|price / the price the oracles imply - 1|; null unless both "
        "tokens have a reference price"
    )
    off_oracle: bool = Field(
        description="oracle_deviation exceeds the chain's max_oracle_deviation"
    )


class PoolPrice(_Out):
    chain_id: int
    pool: str
    kind: str
    price: float


class Quote(_Out):
    chain_id: int
    tokens: list[str]
    amounts: list[DecimalStr]
    amount_out: DecimalStr
    block_number: int


class Route(_Out):
    chain_id: int
    pools: list[str]
    tokens: list[str]
    zero_for_one: list[bool]
    amount_in: DecimalStr
    amounts: list[DecimalStr]
    amount_out: DecimalStr
    gas_units: int


class BestRoute(_Out):
    route: Route | None = Field(description="null when no path connects the tokens")
    block_number: int


class Opportunity(_Out):
    id: str
    chain_id: int
    block_number: int
    block_hash: str
    base_token: str
    pools: list[str]
    tokens: list[str]
    zero_for_one: list[bool]
    amount_in: DecimalStr
    amounts: list[DecimalStr]
    amount_out: DecimalStr
    profit_gross: DecimalStr
    gas_units: int
    gas_cost: DecimalStr
    profit_net: DecimalStr
    observed_unix_nanos: int
    published_unix_nanos: int
    profit_net_usd: float | None = Field(
        description="profit_net at the base token's reference price (USD); null without it"
    )
    gas_cost_usd: float | None = Field(
        description="gas_cost at the base token's reference price (USD); null without it"
    )
    model_score: float | None = Field(
        description="the highest IsolationForest anomaly score among the route's pools (higher "
        "= more anomalous); null without models or before the pools have enough history"
    )
    anomalous: bool = Field(description="a pool of the route scores above the anomaly threshold")
    model_decision: Literal["pass", "skip", ""] = Field(
        description='the strategy\'s decision from the models: "skip" (not traded: an '
        'anomalous pool), "pass", or "" when the engine runs without models'
    )
    model_reason: str = Field(description="why, with every pool's anomaly score")


class OpportunityPage(_Out):
    opportunities: list[Opportunity]
    next_page_token: str = Field(description='"" when there are no more')


class LiveOpportunities(_Out):
    opportunities: list[Opportunity]
    published_unix_nanos: int


class EngineConfig(_Out):
    config: dict[str, object] = Field(description="the engine's configuration, secrets redacted")


# --- trading (the engine's execution RPCs) -------------------------------------------

ExecutionMode = Literal["observe", "dry_run", "live"]
TradeStatus = Literal["created", "simulated", "sent", "replaced", "mined", "reverted",
                      "dropped", "failed_simulation"]
UINT32_MAX = 2**32 - 1
UINT64_MAX = 2**64 - 1
Uint256Str = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,78}$")]
Int256Str = Annotated[str, StringConstraints(pattern=r"^-?[0-9]{1,77}$")]
# a start token of the size caps: its address or its symbol
TokenKey = Annotated[str, StringConstraints(pattern=r"^(0x[0-9a-fA-F]{40}|[A-Za-z0-9._-]{1,32})$")]
IdempotencyKey = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class TradeStatusChange(_Out):
    status: str = Field(description="a trade status (see Trade.status)")
    at_unix_nanos: int
    tx_hash: str = Field(description='the transaction this change is about, "" when none')
    detail: str


class TradeTransaction(_Out):
    tx_hash: str
    nonce: int
    kind: str = Field(description="original, replacement or cancel")
    max_fee_per_gas: DecimalStr
    max_priority_fee_per_gas: DecimalStr
    sent_unix_nanos: int


class Trade(_Out):
    """One trade. Amounts the engine does not know yet are "" (e.g. profit_realized
    until mined); ``nonce`` is meaningful only when ``has_nonce``."""

    id: str
    idempotency_key: str = Field(description='as the engine stores it: "rpc:u<user id>:<key>" '
                                             'for trades made through the gateway')
    source: str = Field(description='"auto" (the engine\'s own loop) or "rpc"')
    mode: str = Field(description="observe, dry_run or live: the mode it was made in")
    chain_id: int
    opportunity_id: str
    block_number: int = Field(description="the head block when the trade started")
    base_token: str
    pools: list[str]
    tokens: list[str]
    executor: str
    amount_in: DecimalStr
    min_profit: DecimalStr
    deadline_block: int
    flash: bool
    profit_expected: DecimalStr = Field(description="int256, the simulation's exact profit")
    gas_cost_expected: DecimalStr
    status: str = Field(description="created, simulated, sent, replaced, mined, reverted, "
                                    "dropped or failed_simulation")
    reason: str = Field(description='why it failed or was dropped ("" otherwise)')
    sender: str
    has_nonce: bool
    nonce: int
    tx_hash: str = Field(description='the latest transaction sent for it ("" before sending)')
    gas_limit: int
    max_fee_per_gas: DecimalStr
    max_priority_fee_per_gas: DecimalStr
    gas_used: int
    effective_gas_price: DecimalStr
    mined_block: int
    profit_realized: DecimalStr = Field(description='int256, from the receipt ("" until mined)')
    final: bool
    created_unix_nanos: int
    updated_unix_nanos: int
    history: list[TradeStatusChange] = Field(description="every status, oldest first")
    transactions: list[TradeTransaction]


class TradePage(_Out):
    trades: list[Trade]
    next_page_token: str = Field(description='"" when there are no more')


class SimulateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    block_number: int = Field(default=0, ge=0, le=UINT64_MAX,
                              description="the block the opportunity was seen on (another "
                                          "block: 409 stale); 0 = the current head")


class ExecuteRequest(SimulateRequest):
    idempotency_key: IdempotencyKey | None = Field(
        default=None, description="or the Idempotency-Key header; the same key (per user) "
                                  "never trades twice")


class Simulation(_Out):
    opportunity_id: str
    chain_id: int
    executable: bool = Field(description="did not revert and its net profit meets the minimum")
    profit: DecimalStr = Field(description="int256, the executor's exact profit (0 if reverted)")
    gas_estimate: int
    max_fee_per_gas: DecimalStr
    max_priority_fee_per_gas: DecimalStr
    gas_cost_wei: DecimalStr
    gas_cost: DecimalStr = Field(description="in start token units")
    profit_net: DecimalStr = Field(description="int256: profit - gas_cost")
    block_number: int
    reason: str = Field(description='why it is not executable ("" when it is)')


class Execution(_Out):
    trade: Trade
    duplicate: bool = Field(description="the key was used before: this is that trade, "
                                        "nothing was done now")


# --- models (the engine's Predict) -------------------------------------------------


class PoolPrediction(_Out):
    chain_id: int
    pool: str
    block_number: int = Field(description="the latest block the models observed on the chain")
    ready: bool = Field(description="false while the pool has too little history (no model "
                                    "fields set)")
    log_return: float | None = Field(description="lstm_return: predicted log return over its "
                                                 "target horizon")
    p_up: float | None = Field(description="lstm_return: P(return > 0)")
    pattern: str = Field(description="cnn_pattern: the most likely pattern (empty when not ready)")
    pattern_probs: dict[str, float]
    anomaly_score: float | None = Field(description="iforest_pool: higher = more anomalous")
    anomalous: bool = Field(description="the score exceeds the threshold (the execution gate "
                                        "skips such pools)")
    model_versions: dict[str, str] = Field(description="model name -> registry version")


class Predictions(_Out):
    chain_id: int
    block_number: int = Field(description="the latest block the models observed (0 before the "
                                          "first)")
    predictions: list[PoolPrediction]
    anomaly_threshold: float | None


# --- statistics (the engine's GetStats) -------------------------------------------------


class TokenPnl(_Out):
    """Realized profit of mined trades in one start token (windows by when they were mined)."""

    chain_id: int
    token: str
    symbol: str
    decimals: int
    today: DecimalStr = Field(description="int256, token units: mined today (UTC)")
    last_7d: DecimalStr = Field(description="int256: mined in the last 7 × 24 h")
    all_time: DecimalStr = Field(description="int256")


class GasSpent(_Out):
    """Gas paid by mined and reverted trades on one chain."""

    chain_id: int
    today: DecimalStr = Field(description="uint256, wei")
    last_7d: DecimalStr = Field(description="uint256, wei")
    all_time: DecimalStr = Field(description="uint256, wei")


class UsdPnl(_Out):
    today: float
    last_7d: float
    all_time: float
    complete: bool = Field(description="false when some profit or gas had no price and is left "
                                       "out")


class TradeCounts(_Out):
    total: int
    by_status: dict[str, int] = Field(description="trade status (see Trade.status) -> trades "
                                                  "in it now")
    in_flight: int = Field(description="trades not final yet")
    success_rate: float | None = Field(description="mined / (mined + reverted + dropped); null "
                                                   "before the first such trade")
    today: int = Field(description="trades created today (UTC)")


class LatencyStat(_Out):
    stage: str = Field(description="block_to_opportunities, opportunity_to_send or "
                                   "send_to_mined")
    samples: int = Field(description="the recent samples these percentiles are over")
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float


class ProcessResources(_Out):
    """One process's resource use."""

    rss_bytes: int
    cpu_percent: float = Field(description="since the previous reading, percent of one core")
    cpu_seconds: float = Field(description="user + system since the process started")
    threads: int
    open_files: int = Field(description="open file descriptors (files, sockets, pipes)")
    uptime_seconds: int


class PnlPoint(_Out):
    """One mined or reverted trade: its profit and the running total of its token."""

    unix_nanos: int = Field(description="when the trade became final")
    chain_id: int
    token: str
    trade_id: str
    profit: DecimalStr = Field(description="int256, token units (0 when reverted)")
    cumulative: DecimalStr = Field(description="int256: running total of (chain_id, token)")
    gas_wei: DecimalStr
    net_usd: float | None = Field(description="profit net of gas in USD, when priced")


class LatencyPoint(_Out):
    unix_nanos: int = Field(description="the minute's start")
    stage: str
    samples: int
    p50_ms: float
    p99_ms: float


class Stats(_Out):
    """Trading statistics, the engine's latencies and resources, and the series of the
    performance charts. Without execution on the engine (``execution_enabled`` false)
    ``pnl``, ``gas`` and ``pnl_series`` are empty and ``trades`` is null."""

    generated_unix_nanos: int
    execution_enabled: bool
    pnl: list[TokenPnl]
    gas: list[GasSpent]
    usd: UsdPnl | None = Field(description="null when no reference prices are configured")
    trades: TradeCounts | None
    opportunities_today: int = Field(description="opportunities stored today (UTC)")
    opportunities_total: int = Field(description="opportunities stored (within retention)")
    latencies: list[LatencyStat] = Field(description="the engine's, all chains")
    resources: ProcessResources = Field(description="the engine process's")
    pnl_series: list[PnlPoint] = Field(description="oldest first, the newest max_points trades")
    latency_series: list[LatencyPoint] = Field(description="per minute and stage, oldest "
                                                           "first; max_points per stage")


class ModeState(_Out):
    mode: str = Field(description="observe, dry_run or live")


class ModeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: ExecutionMode


class ModeChanged(_Out):
    mode: str
    previous: str


class RiskLimits(_Out):
    max_in_flight: int | None
    max_amount_in: dict[str, DecimalStr] = Field(description="start token (address or symbol) "
                                                            "-> largest amount_in")
    min_profit_net: DecimalStr | None = Field(description="int256, start token units")
    daily_loss_limit_wei: DecimalStr | None
    pool_cooldown_blocks: int | None
    kill_switch: bool | None
    exclusive_pools: bool | None


class RiskState(_Out):
    limits: RiskLimits
    mode: str = Field(description="observe, dry_run or live")
    in_flight: int
    loss_today_wei: DecimalStr = Field(description="gas burned by reverted trades today (UTC)")


class RiskLimitsUpdate(BaseModel):
    """The limits to change; fields left out (or null) keep their value."""

    model_config = ConfigDict(extra="forbid")
    max_in_flight: int | None = Field(default=None, ge=0, le=UINT32_MAX)
    max_amount_in: dict[TokenKey, Uint256Str] | None = Field(
        default=None, max_length=256,
        description="replaces every cap when given; {} clears them all")
    min_profit_net: Int256Str | None = None
    daily_loss_limit_wei: Uint256Str | None = None
    pool_cooldown_blocks: int | None = Field(default=None, ge=0, le=UINT32_MAX)
    kill_switch: bool | None = None
    exclusive_pools: bool | None = None


# --- auth -------------------------------------------------------------------------


class Provider(_Out):
    name: str
    preset: str
    display_name: str
    login_url: str


class TokenResponse(_Out):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    role: Role


class RefreshRequest(BaseModel):
    refresh_token: str | None = Field(
        default=None, min_length=1, max_length=200,
        description="or the arbx_refresh cookie set at login",
    )


class Me(_Out):
    id: int
    provider: str
    email: str | None
    login: str | None
    name: str | None
    role: Role
    via: Literal["jwt", "api_key"]
    session_id: str | None
    api_key_id: str | None


class Session(_Out):
    id: str = Field(description="the session (refresh-token family)")
    user_id: int
    created_at: float
    expires_at: float
    ip: str | None
    user_agent: str | None


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    role: Role = Field(description="at most the creator's role")
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class ApiKey(_Out):
    id: str
    user_id: int
    name: str
    role: Role
    prefix: str
    created_at: float
    expires_at: float | None
    last_used_at: float | None
    revoked_at: float | None


class ApiKeyCreated(ApiKey):
    key: str = Field(description="shown this once; store it now")


# --- admin ------------------------------------------------------------------------


class User(_Out):
    id: int
    provider: str
    subject: str
    email: str | None
    login: str | None
    name: str | None
    role: Role
    disabled: bool
    created_at: float
    last_login_at: float | None


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
    disabled: bool | None = None


class AuditEntry(_Out):
    id: int
    ts: float
    actor: str
    action: str
    target: str | None
    ip: str | None
    detail: dict[str, object] | None


class Revoked(_Out):
    revoked: int


class TopicHealth(_Out):
    name: str
    role: Role
    epoch: str
    seq: int
    subscribers: int
    upstream_connected: bool
    upstream_reconnects: int
    replay_buffered: int


class WsClientHealth(_Out):
    id: str
    subject: str
    role: Role
    ip: str
    topics: list[str]
    queue_depth: int
    conflations: int
    sent: int
    connected_s: float


class WebSocketHealth(_Out):
    topics: list[TopicHealth]
    clients: list[WsClientHealth]


class Health(_Out):
    status: Literal["ok", "unavailable"]
    engine: bool | None = None
    database: bool | None = None


class Problem(_Out):
    """Every error response."""

    detail: str | list[dict[str, object]]
    error_id: str | None = None
