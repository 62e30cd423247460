"""The engine's configuration: ``config.json`` (system), per-component YAML files,
and environment / ``.env`` (secrets).

Validated once at start-up; every error names the file and the key
(``config.json: chains[0].rpc_url: ...``). Secret values are ``SecretStr``
(printed as ``**********``) and may be written in the file encrypted as
``"fernet:<token>"`` with the Fernet key in ``ARBX_CONFIG_KEY``.

Per-component YAML: a top-level section of config.json may be given as the
name of a YAML file holding it, relative to config.json's folder
(``"execution": "execution.yaml"``, ``"models": "config.d/models.yaml"``). The
file holds what the section's JSON value would (an empty file: an empty
section); errors in it name the file and the key inside it
(``execution.yaml: risk.max_in_flight: ...``). Relative paths in any section are
relative to config.json's folder. In YAML, quote addresses: an unquoted
``0x…`` is read as a number.

Environment (or ``.env`` beside config.json; the environment wins):
  ARBX_CONFIG_KEY   Fernet key for ``fernet:`` values
  ARBX_JWT_SECRET   HS256 secret of the bearer JWTs (overrides auth.jwt.hs256_secret)

The chains list reads the devnet's ``.devnet/devnet.json`` as it is (its
extra keys are ignored; its fees are in pips for both kinds).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from cryptography.fernet import Fernet, InvalidToken
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SecretStr,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

FERNET_PREFIX = "fernet:"
YAML_SUFFIXES = (".yaml", ".yml")
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_DECIMAL = re.compile(r"^[0-9]+$")


class ConfigError(Exception):
    """The configuration is invalid; the message names the file and key."""


def _address(value: object) -> object:
    if isinstance(value, str) and _ADDRESS.match(value):
        return value.lower()
    if isinstance(value, str):
        raise ValueError("must be a 0x-prefixed 20-byte hex address")  # noqa: TRY004 - pydantic reports ValueError
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(  # noqa: TRY004 - pydantic reports ValueError
            "must be a 0x-prefixed 20-byte hex address as a string (in YAML, quote it: "
            "an unquoted 0x... is read as a number)"
        )
    return value


def _amount(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("must be a non-negative decimal integer")  # noqa: TRY004 - pydantic reports ValueError
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _DECIMAL.match(value):
        return int(value)
    raise ValueError("must be a non-negative decimal integer (a string for big values)")


def _decrypt(value: object, info: ValidationInfo) -> object:
    if isinstance(value, str) and value.startswith(FERNET_PREFIX):
        fernet = (info.context or {}).get("fernet")
        if fernet is None:
            raise ValueError("is Fernet-encrypted but ARBX_CONFIG_KEY is not set")
        try:
            return fernet.decrypt(value[len(FERNET_PREFIX):].encode()).decode()
        except InvalidToken:
            raise ValueError("cannot be decrypted with ARBX_CONFIG_KEY") from None
    return value


Address = Annotated[str, BeforeValidator(_address)]
Amount = Annotated[int, BeforeValidator(_amount), PlainSerializer(str, return_type=str)]
Secret = Annotated[SecretStr, BeforeValidator(_decrypt)]
Role = Literal["viewer", "trader", "admin"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- market -------------------------------------------------------------------


class SearchConfig(_Model):
    max_hops: int = Field(default=3, ge=2, le=4, description="longest cycle, in pools")
    min_profit: Amount = Field(default=1, description="report cycles with profit_net >= this")
    top_k: int = Field(default=100, ge=1, le=10_000)


class GasConfig(_Model):
    overhead: int = Field(default=60_000, ge=0)
    v2_hop: int = Field(default=60_000, ge=0)
    v3_hop: int = Field(default=90_000, ge=0)
    v3_tick: int = Field(default=20_000, ge=0)


class TokenConfig(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    address: Address
    symbol: str = ""
    decimals: int = Field(ge=0, le=77)


class DexConfig(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    name: str
    kind: Literal["v2", "v3"]
    factory: Address
    init_code_hash: str | None = None
    fee: int | None = Field(default=None, description="V2: the pairs' fee in pips (3000 = 0.3%)")
    fee_tiers: dict[int, int] | None = Field(default=None, description="V3: fee pips -> tick spacing")


class PoolConfig(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    address: Address
    dex: str = ""
    kind: Literal["v2", "v3"]
    fee: int = Field(ge=0, description="pips, both kinds")
    tick_spacing: int | None = None
    token0: Address
    token1: Address


class PriceFeedConfig(_Model):
    """A Chainlink ``AggregatorV3Interface`` feed pricing a token in USD."""

    feed: Address
    max_staleness_s: int | None = Field(
        default=None, ge=1, description="an older answer is rejected; default oracle_max_staleness_s"
    )


def _feed(value: object) -> object:
    # "token": "0xfeed..." is short for {"feed": "0xfeed..."}
    if isinstance(value, str):
        return {"feed": value}
    if isinstance(value, dict | PriceFeedConfig):
        return value
    raise ValueError("must be a feed address or an object {feed, max_staleness_s}")


class ChainConfig(BaseModel):
    """One chain. Extra keys (the devnet's deployer, executor, simulator...) are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    chain_id: int = Field(gt=0)
    name: str
    rpc_urls: list[Secret] = Field(min_length=1, description="HTTP(S) endpoints, first preferred")
    ws_url: Secret | None = Field(default=None, description="WebSocket endpoint, preferred when set")
    tokens: list[TokenConfig] = Field(default_factory=list)
    native_token: str | None = Field(
        default=None, description="wrapped native token, address or symbol; default the token 'WETH'"
    )
    base_tokens: list[str] = Field(
        default_factory=list, description="addresses or symbols; default the native token"
    )
    max_input: Amount | None = Field(default=None, description="cap of each trade's input")
    dexes: list[DexConfig] = Field(default_factory=list)
    pools: list[PoolConfig] = Field(default_factory=list, description="explicit pool list")
    executor: Address | None = Field(
        default=None, description="the ArbExecutor contract trades go through (execution only)"
    )
    reorg_depth: int = Field(default=64, ge=1, le=10_000, description="blocks kept for rollback")
    poll_interval_s: float = Field(default=1.0, gt=0, description="HTTP polling fallback")
    price_feeds: dict[str, Annotated[PriceFeedConfig, BeforeValidator(_feed)]] = Field(
        default_factory=dict,
        description="token (address or symbol) -> its USD feed: an address or {feed, max_staleness_s}",
    )
    oracle_refresh_blocks: int = Field(
        default=10, ge=1, le=100_000, description="the feeds are read at start and every this many blocks"
    )
    oracle_max_staleness_s: int = Field(
        default=3600, ge=1, description="answers older than this (chain time) are rejected"
    )
    max_oracle_deviation: float = Field(
        default=0.02, gt=0, le=10,
        description="a pool whose mid price strays more than this (relative) from the oracles is off oracle",
    )

    @model_validator(mode="before")
    @classmethod
    def _single_rpc_url(cls, data: Any) -> Any:
        # The devnet writes one ``rpc_url``; accept it as a one-element list.
        if isinstance(data, dict) and "rpc_url" in data and "rpc_urls" not in data:
            data = {**data, "rpc_urls": [data["rpc_url"]]}
            del data["rpc_url"]
        return data

    @model_validator(mode="after")
    def _resolve_tokens(self) -> ChainConfig:
        for i, base in enumerate(self.base_tokens):
            self._resolve(base, f"base_tokens[{i}]")
        if self.native_token is not None:
            self._resolve(self.native_token, "native_token")
        seen: dict[str, str] = {}
        for ref in self.price_feeds:
            token = self._resolve(ref, f"price_feeds.{ref}")
            if token in seen:
                raise ValueError(f"price_feeds.{ref}: token {token} already has a feed (key {seen[token]!r})")
            seen[token] = ref
        return self

    def _resolve(self, ref: str, key: str) -> str:
        if _ADDRESS.match(ref):
            return ref.lower()
        for token in self.tokens:
            if token.symbol == ref:
                return token.address
        raise ValueError(f"{key}: {ref!r} is neither an address nor a symbol in tokens")

    def native_token_address(self) -> str | None:
        if self.native_token is not None:
            return self._resolve(self.native_token, "native_token")
        return next((t.address for t in self.tokens if t.symbol == "WETH"), None)

    def feeds(self) -> dict[str, PriceFeedConfig]:
        """The price feeds by lowercase token address."""
        return {self._resolve(ref, f"price_feeds.{ref}"): feed for ref, feed in self.price_feeds.items()}

    def base_token_addresses(self) -> list[str]:
        if self.base_tokens:
            return [self._resolve(b, f"base_tokens[{i}]") for i, b in enumerate(self.base_tokens)]
        native = self.native_token_address()
        return [native] if native else []


# --- service ------------------------------------------------------------------


class TlsConfig(_Model):
    cert_file: Path
    key_file: Path
    client_ca_file: Path | None = Field(default=None, description="require client certificates")


class ApiConfig(_Model):
    host: str = "127.0.0.1"
    port: int = Field(default=50051, ge=0, le=65535, description="0 picks a free port")
    tls: TlsConfig | None = None
    reflection: bool = True
    stream_buffer: int = Field(
        default=256, ge=1, description="events buffered per stream subscriber before it resyncs"
    )


class ApiKeyConfig(_Model):
    name: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="hex sha256 of the key")
    role: Role


class Rs256KeyConfig(_Model):
    kid: str
    public_key_file: Path | None = None
    public_key_pem: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Rs256KeyConfig:
        if (self.public_key_file is None) == (self.public_key_pem is None):
            raise ValueError("give exactly one of public_key_file, public_key_pem")
        return self

    def pem(self) -> str:
        if self.public_key_pem is not None:
            return self.public_key_pem
        assert self.public_key_file is not None
        return self.public_key_file.read_text()


class JwtConfig(_Model):
    hs256_secret: Secret | None = Field(default=None, description="or ARBX_JWT_SECRET")
    rs256_keys: list[Rs256KeyConfig] = Field(default_factory=list)
    issuer: str | None = None
    audience: str | None = None
    leeway_s: int = Field(default=0, ge=0, le=300)


class AuthConfig(_Model):
    enabled: bool = Field(default=True, description="false: every caller is admin (local use only)")
    api_keys: list[ApiKeyConfig] = Field(default_factory=list)
    jwt: JwtConfig = JwtConfig()


class StoreConfig(_Model):
    path: Path = Path("arbitrage.db")
    retention_blocks: int = Field(
        default=50_000, ge=1, description="per chain: market series and opportunities kept"
    )
    batch_max: int = Field(default=500, ge=1, description="queued writes per transaction")


class MetricsConfig(_Model):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=9464, ge=0, le=65535)


class LoggingConfig(_Model):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    json_format: bool = Field(default=True, alias="json")


class RiskConfig(_Model):
    """Limits every trade must pass (engine/execution/risk.py); changed live by SetRiskLimits."""

    max_in_flight: int = Field(default=50, ge=0, le=10_000, description="trades sent, not yet final")
    max_amount_in: dict[str, Amount] = Field(
        default_factory=dict, description="per start token (address or symbol): cap of amount_in"
    )
    min_profit_net: Amount = Field(
        default=1, description="simulated profit minus gas cost, start token units, at least this"
    )
    daily_loss_limit_wei: Amount = Field(
        default=10**18, description="gas burned by reverted or dropped trades per UTC day, wei"
    )
    pool_cooldown_blocks: int = Field(
        default=5, ge=0, description="blocks a route's pools are skipped after a failure"
    )
    kill_switch: bool = Field(default=False, description="true: nothing new is sent")
    exclusive_pools: bool = Field(
        default=True, description="a pool in a trade in flight is not traded again until it is final"
    )


class ExecutionConfig(_Model):
    """Trading through each chain's ``executor`` with the keystore's account."""

    mode: Literal["observe", "dry_run", "live"] = Field(
        default="observe",
        description="observe: no simulation; dry_run: simulate and record, never send; live",
    )
    auto_trade: bool = Field(
        default=True,
        description="the engine trades each block's opportunities itself; false: only "
        "ExecuteOpportunity requests (a trader's click) trade",
    )
    keystore: Path | None = Field(
        default=None, description="keystore v3 file; default the top-level keystore.path"
    )
    password_env: str = Field(default="ARBX_KEYSTORE_PASSWORD", description="its password's variable")
    trades_db: Path = Path("trades.db")
    risk: RiskConfig = RiskConfig()
    priority_fee_wei: Amount = Field(default=10**9, description="EIP-1559 tip")
    base_fee_multiplier: int = Field(default=2, ge=1, le=10, description="max fee = base fee * this + tip")
    gas_limit_margin_percent: int = Field(default=25, ge=0, le=500, description="over eth_estimateGas")
    deadline_blocks: int = Field(default=2, ge=0, le=1000, description="valid until head + this")
    flash: bool = Field(default=True, description="borrow the input from the first pool")
    receipt_poll_s: float = Field(default=0.25, gt=0)
    stuck_after_s: float = Field(default=30.0, gt=0, description="replace a tx not mined by then")
    replacement_bump_percent: int = Field(default=25, ge=11, le=1000)
    max_replacements: int = Field(default=3, ge=0, le=20)
    drop_after_s: float = Field(
        default=600.0, gt=0, description="a tx neither mined nor in the node's pool by then: dropped"
    )


class ModelsConfig(_Model):
    """The registry's champion models served by the engine (engine/models); off by default."""

    enabled: bool = Field(default=False, description="load the models, serve Predict, gate trades")
    registry: Path = Field(default=Path("models"), description="the model registry folder")
    anomaly_threshold: float | None = Field(
        default=None, description="anomaly score above which a pool is anomalous; "
        "default the IsolationForest's registered threshold",
    )
    skip_anomalous: bool = Field(
        default=True, description="opportunities through an anomalous pool get the decision "
        "skip: not auto-traded, ExecuteOpportunity refused; off: flagged but passed"
    )
    watch_interval_s: float = Field(
        default=5.0, gt=0, description="how often the registry's champion aliases are polled"
    )


class EngineConfig(_Model):
    mode: Literal["watch"] = "watch"
    search: SearchConfig = SearchConfig()
    gas: GasConfig = GasConfig()
    chains: list[ChainConfig] = Field(default_factory=list)
    api: ApiConfig = ApiConfig()
    auth: AuthConfig = AuthConfig()
    store: StoreConfig = StoreConfig()
    metrics: MetricsConfig = MetricsConfig()
    logging: LoggingConfig = LoggingConfig()
    execution: ExecutionConfig | None = Field(default=None, description="absent: no trading")
    models: ModelsConfig = ModelsConfig()
    # Written by the devnet; ``keystore.path`` is the trading account's default keystore.
    version: int = 1
    seed: int | None = None
    keystore: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _unique_chains(self) -> EngineConfig:
        seen: set[int] = set()
        for i, chain in enumerate(self.chains):
            if chain.chain_id in seen:
                raise ValueError(f"chains[{i}].chain_id: {chain.chain_id} appears twice")
            seen.add(chain.chain_id)
        return self

    def redacted_json(self) -> str:
        return self.model_dump_json(indent=2, by_alias=True)


class EnvSecrets(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ARBX_", extra="ignore")
    config_key: SecretStr | None = None
    jwt_secret: SecretStr | None = None


# --- loading -------------------------------------------------------------------


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problem(
    source: str, loc: tuple[int | str, ...], msg: str, sections: Mapping[str, str] | None = None
) -> str:
    # "Value error, base_tokens[0]: ..." from a model validator: fold the key into the path
    msg = msg.removeprefix("Value error, ")
    where = _loc(loc)
    nested = re.match(r"^([A-Za-z_][\w\[\].]*): (.*)$", msg, flags=re.DOTALL)
    if nested:
        where = f"{where}.{nested.group(1)}" if where else nested.group(1)
        msg = nested.group(2)
    # a section read from its own YAML file: name that file and the key inside it
    section = re.match(r"^[A-Za-z_]\w*", where)
    if sections and section and section.group(0) in sections:
        source = sections[section.group(0)]
        where = where[section.end():].removeprefix(".")
    return f"{source}: {where or '(top level)'}: {msg}"


def _resolve_paths(config: EngineConfig, base: Path) -> EngineConfig:
    def rel(path: Path) -> Path:
        return path if path.is_absolute() else base / path

    store = config.store.model_copy(update={"path": rel(config.store.path)})
    execution = config.execution
    if execution is not None:
        execution = execution.model_copy(update={
            "trades_db": rel(execution.trades_db),
            "keystore": rel(execution.keystore) if execution.keystore else None,
        })
    api = config.api
    if api.tls is not None:
        tls = api.tls.model_copy(
            update={
                "cert_file": rel(api.tls.cert_file),
                "key_file": rel(api.tls.key_file),
                "client_ca_file": rel(api.tls.client_ca_file) if api.tls.client_ca_file else None,
            }
        )
        api = api.model_copy(update={"tls": tls})
    keys = [
        k.model_copy(update={"public_key_file": rel(k.public_key_file)}) if k.public_key_file else k
        for k in config.auth.jwt.rs256_keys
    ]
    auth = config.auth.model_copy(
        update={"jwt": config.auth.jwt.model_copy(update={"rs256_keys": keys})}
    )
    models = config.models.model_copy(update={"registry": rel(config.models.registry)})
    return config.model_copy(
        update={"store": store, "api": api, "auth": auth, "execution": execution,
                "models": models}
    )


def parse_config(
    raw: object, *, source: str = "config.json", secrets: EnvSecrets | None = None,
    sections: Mapping[str, str] | None = None,
) -> EngineConfig:
    """Validate an already-parsed document; ``source`` names it in errors, and
    ``sections`` (section -> file) the files top-level sections were read from."""
    secrets = secrets or EnvSecrets()
    context: dict[str, Any] = {}
    if secrets.config_key is not None:
        try:
            context["fernet"] = Fernet(secrets.config_key.get_secret_value().encode())
        except ValueError:
            raise ConfigError("ARBX_CONFIG_KEY: not a valid Fernet key") from None
    try:
        config = EngineConfig.model_validate(raw, context=context)
    except ValidationError as exc:
        problems = [_problem(source, e["loc"], e["msg"], sections) for e in exc.errors()]
        raise ConfigError("\n".join(problems)) from None
    if secrets.jwt_secret is not None:
        jwt = config.auth.jwt.model_copy(update={"hs256_secret": secrets.jwt_secret})
        config = config.model_copy(
            update={"auth": config.auth.model_copy(update={"jwt": jwt})}
        )
    return config


def _read_yaml_sections(raw: object, base: Path, source: str) -> tuple[object, dict[str, str]]:
    """``raw`` with each top-level ``"section": "<file>.yaml"`` replaced by the file's
    content; returns it and section -> file name (as written) for the errors."""
    if not isinstance(raw, dict):
        return raw, {}
    document = dict(raw)
    sections: dict[str, str] = {}
    for key, value in raw.items():
        if not (isinstance(value, str) and value.lower().endswith(YAML_SUFFIXES)):
            continue
        path = Path(value) if Path(value).is_absolute() else base / value
        try:
            text = path.read_text()
        except FileNotFoundError:
            raise ConfigError(f"{source}: {key}: {value}: no such file") from None
        except OSError as exc:
            raise ConfigError(f"{source}: {key}: {value}: {exc.strerror}") from None
        try:
            content = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1} column {mark.column + 1}: " if mark else ""
            raise ConfigError(f"{value}: {where}{getattr(exc, 'problem', exc)}") from None
        document[key] = {} if content is None else content
        sections[key] = value
    return document, sections


def load_config(path: Path | str, env_file: Path | str | None = None) -> EngineConfig:
    """Read ``path`` (JSON), the YAML files its sections name, and the secrets from
    the environment and ``env_file`` (default: ``.env`` beside the config file, if present)."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path.name}: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    raw, sections = _read_yaml_sections(raw, path.parent, path.name)
    env_path = Path(env_file) if env_file is not None else path.parent / ".env"
    secrets = EnvSecrets(_env_file=env_path if env_path.exists() else None)  # type: ignore[call-arg]
    config = parse_config(raw, source=path.name, secrets=secrets, sections=sections)
    return _resolve_paths(config, path.parent.resolve())


def encrypt_value(plain: str, key: str) -> str:
    """The ``fernet:`` form of a secret for config.json (``arbx config encrypt``)."""
    return FERNET_PREFIX + Fernet(key.encode()).encrypt(plain.encode()).decode()
