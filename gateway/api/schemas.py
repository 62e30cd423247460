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
