"""Request and response bodies of the REST API (the OpenAPI document's schemas).

Token amounts are decimal strings (uint256 / int256), as in the proto; ids,
block numbers and counts are integers; prices are floats, display only."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
