"""The gateway's configuration: ``auth_config.yaml`` (system) + environment / ``.env`` (secrets).

Validated once at start-up; every error names the file and the key
(``auth_config.yaml: providers[0].client_id: Field required``,
``.env: ARBX_GATEWAY_SESSION_SECRET: missing``).

Secrets (environment, or ``.env`` beside the config file; the environment wins):
  ARBX_GATEWAY_SESSION_SECRET                 signs the short-lived login cookie (>= 32 chars)
  ARBX_GATEWAY_SIGNING_KEY_<KID>              RSA private key (PEM, ``\\n`` escapes allowed, or
                                              ``file:<path>``) for each kid in tokens.signing_keys
  ARBX_GATEWAY_OAUTH_<PROVIDER>_CLIENT_SECRET  client secret of each provider
``<KID>`` and ``<PROVIDER>`` are upper-cased with every other character than
A-Z and 0-9 turned into ``_``.
"""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

Role = Literal["viewer", "trader", "admin"]
ENV_PREFIX = "ARBX_GATEWAY_"
# The value in .env.example: a gateway listening publicly with it gets a loud warning.
DEFAULT_SESSION_SECRET = "change-me-change-me-change-me-change-me"


class ConfigError(Exception):
    """The configuration is invalid; the message names the file and key."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerConfig(_Model):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535, description="0 picks a free port")
    public_url: str | None = Field(
        default=None, description="external base URL (redirect URIs); default http://host:port"
    )
    forwarded_allow_ips: list[str] = Field(
        default_factory=lambda: ["127.0.0.1"],
        description="proxies trusted for X-Forwarded-For / -Proto",
    )
    docs: bool = Field(default=True, description="serve /docs and /openapi.json")
    dashboard_dir: Path | None = Field(
        default=None, description="the built dashboard (frontend/dist) served at /; none: API only"
    )

    def base_url(self, port: int | None = None) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{port if port is not None else self.port}"

    def is_public(self) -> bool:
        try:
            return not ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return self.host not in ("localhost",)


class UpstreamConfig(_Model):
    target: str = Field(default="127.0.0.1:50051", description="the engine's gRPC address")
    tls_ca_file: Path | None = Field(default=None, description="CA of the engine's TLS cert")
    timeout_s: float = Field(default=5.0, gt=0, le=120)
    retry_after_s: int = Field(default=5, ge=1, le=3600, description="Retry-After of 503s")
    reconnect_max_s: float = Field(default=10.0, gt=0, le=300, description="stream backoff cap")
    status_poll_s: float = Field(default=2.0, gt=0, le=300, description="status topic period")
    read_cache_s: float = Field(
        default=0.5, ge=0, le=60,
        description="engine reads every caller shares (GetStatus, ListTokens, ListPools) are "
        "answered from one call for this long; concurrent misses share one call; 0: off",
    )


class DatabaseConfig(_Model):
    path: Path = Path("gateway.db")


class TokenConfig(_Model):
    issuer: str = "arbx-gateway"
    audience: str = "arbx-engine"
    access_ttl_s: int = Field(default=300, ge=10, le=86_400)
    refresh_ttl_s: int = Field(default=14 * 86_400, ge=60, le=365 * 86_400)
    leeway_s: int = Field(default=5, ge=0, le=300)
    signing_keys: list[str] = Field(
        default_factory=list,
        description="key ids, newest first: the first signs, the others still verify "
        "(rotation); empty = an ephemeral key (development only)",
    )
    api_key_last_used_resolution_s: int = Field(default=60, ge=1, le=86_400)

    @model_validator(mode="after")
    def _unique(self) -> TokenConfig:
        if len(set(self.signing_keys)) != len(self.signing_keys):
            raise ValueError("signing_keys: key ids must be unique")
        return self


class ProviderConfig(_Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    preset: Literal["github", "google", "oidc"] = "oidc"
    client_id: str = Field(min_length=1)
    server_metadata_url: str | None = None
    authorize_url: str | None = None
    access_token_url: str | None = None
    userinfo_url: str | None = None
    api_base_url: str | None = None
    scope: str | None = None
    display_name: str | None = None

    @model_validator(mode="after")
    def _endpoints(self) -> ProviderConfig:
        if self.preset == "oidc" and not self.server_metadata_url and not (
            self.authorize_url and self.access_token_url
        ):
            raise ValueError(
                "server_metadata_url: required for preset oidc "
                "(or give authorize_url and access_token_url)"
            )
        return self


class AllowList(_Model):
    emails: list[str] = Field(default_factory=list, description="verified emails")
    logins: list[str] = Field(default_factory=list, description='"<provider>:<login>"')

    def matches(self, provider: str, email: str | None, login: str | None) -> bool:
        if email and email.lower() in {e.lower() for e in self.emails}:
            return True
        return bool(login) and f"{provider}:{login}".lower() in {x.lower() for x in self.logins}


class RolesConfig(_Model):
    default: Role = "viewer"
    admins: AllowList = AllowList()
    traders: AllowList = AllowList()

    def role_for(self, provider: str, email: str | None, login: str | None) -> Role:
        if self.admins.matches(provider, email, login):
            return "admin"
        if self.traders.matches(provider, email, login):
            return "trader"
        return self.default


class CorsConfig(_Model):
    origins: list[str] = Field(default_factory=list, description="exact origins; no wildcard")

    @model_validator(mode="after")
    def _no_wildcard(self) -> CorsConfig:
        for i, origin in enumerate(self.origins):
            if "*" in origin:
                raise ValueError(f"origins[{i}]: a wildcard is not allowed (credentials are sent)")
            if not re.match(r"^https?://[^/]+$", origin):
                raise ValueError(f"origins[{i}]: must be scheme://host[:port] without a path")
        return self


class Bucket(_Model):
    rate_per_s: float = Field(gt=0)
    burst: int = Field(ge=1)


class RateLimitConfig(_Model):
    enabled: bool = True
    per_ip: Bucket = Bucket(rate_per_s=50, burst=100)
    per_user: Bucket = Bucket(rate_per_s=20, burst=60)
    auth_per_ip: Bucket = Field(
        default=Bucket(rate_per_s=1, burst=20), description="login, callback and refresh"
    )


class WebSocketConfig(_Model):
    queue_size: int = Field(default=256, ge=1, description="messages buffered per client")
    replay_size: int = Field(default=1024, ge=0, description="events kept per topic to resume")
    heartbeat_s: float = Field(default=15.0, gt=0)
    auth_timeout_s: float = Field(default=10.0, gt=0)
    send_timeout_s: float = Field(default=10.0, gt=0, description="a stuck client is closed")
    slow_client: Literal["conflate", "disconnect"] = "conflate"
    max_conflations: int = Field(
        default=10, ge=1, description="consecutive overflows before a conflating client is closed"
    )
    max_connections: int = Field(default=1000, ge=1)
    idle_upstream_s: float = Field(default=30.0, ge=0, description="stream kept after last client")
    compression: bool = Field(
        default=False,
        description="permessage-deflate: less bandwidth, but every message is compressed once "
        "per client (about half the fan-out's CPU and latency at 200 clients)",
    )


class MetricsConfig(_Model):
    enabled: bool = True


class LoggingConfig(_Model):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    json_format: bool = Field(default=True, alias="json")


class GatewayConfig(_Model):
    server: ServerConfig = ServerConfig()
    engine: UpstreamConfig = UpstreamConfig()
    database: DatabaseConfig = DatabaseConfig()
    tokens: TokenConfig = TokenConfig()
    providers: list[ProviderConfig] = Field(default_factory=list)
    roles: RolesConfig = RolesConfig()
    cors: CorsConfig = CorsConfig()
    rate_limits: RateLimitConfig = RateLimitConfig()
    websocket: WebSocketConfig = WebSocketConfig()
    metrics: MetricsConfig = MetricsConfig()
    logging: LoggingConfig = LoggingConfig()

    @model_validator(mode="after")
    def _unique_providers(self) -> GatewayConfig:
        seen: set[str] = set()
        for i, p in enumerate(self.providers):
            if p.name in seen:
                raise ValueError(f"providers[{i}].name: {p.name!r} appears twice")
            seen.add(p.name)
        return self

    def provider(self, name: str) -> ProviderConfig | None:
        return next((p for p in self.providers if p.name == name), None)


class GatewaySecrets(_Model):
    session_secret: SecretStr
    signing_keys: dict[str, SecretStr] = Field(default_factory=dict, description="kid -> PEM")
    client_secrets: dict[str, SecretStr] = Field(default_factory=dict, description="provider ->")

    def uses_defaults(self) -> bool:
        return self.session_secret.get_secret_value() == DEFAULT_SESSION_SECRET


class Settings(_Model):
    """Everything the gateway reads at start-up."""

    config: GatewayConfig
    secrets: GatewaySecrets
    source: str = "auth_config.yaml"


# --- loading -----------------------------------------------------------------------


def env_name(kind: str, name: str) -> str:
    return ENV_PREFIX + kind + re.sub(r"[^A-Z0-9]", "_", name.upper())


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problem(source: str, loc: tuple[int | str, ...], msg: str) -> str:
    msg = msg.removeprefix("Value error, ")
    where = _loc(loc)
    nested = re.match(r"^([A-Za-z_][\w\[\].]*): (.*)$", msg, flags=re.DOTALL)
    if nested:
        where = f"{where}.{nested.group(1)}" if where else nested.group(1)
        msg = nested.group(2)
    return f"{source}: {where or '(top level)'}: {msg}"


def parse_config(raw: object, *, source: str = "auth_config.yaml") -> GatewayConfig:
    if raw is None:
        raw = {}
    try:
        return GatewayConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(
            "\n".join(_problem(source, tuple(e["loc"]), e["msg"]) for e in exc.errors())
        ) from None


def _pem(value: str, base: Path) -> str:
    if value.startswith("file:"):
        path = Path(value[5:])
        return (path if path.is_absolute() else base / path).read_text()
    return value.replace("\\n", "\n")


def parse_secrets(
    config: GatewayConfig, env: dict[str, str], *, source: str = ".env", base: Path = Path(".")
) -> GatewaySecrets:
    """Pick and check the secrets ``config`` needs from ``env`` (names as in the module doc)."""
    problems: list[str] = []
    session = env.get(ENV_PREFIX + "SESSION_SECRET")
    if not session:
        problems.append(f"{source}: {ENV_PREFIX}SESSION_SECRET: missing (>= 32 random characters)")
    elif len(session) < 32:
        problems.append(f"{source}: {ENV_PREFIX}SESSION_SECRET: must be at least 32 characters")
    keys: dict[str, SecretStr] = {}
    for kid in config.tokens.signing_keys:
        name = env_name("SIGNING_KEY_", kid)
        value = env.get(name)
        if not value:
            problems.append(f"{source}: {name}: missing (RSA private key PEM of kid {kid!r})")
            continue
        try:
            pem = _pem(value, base)
        except OSError as exc:
            problems.append(f"{source}: {name}: cannot read the key file: {exc.strerror}")
            continue
        if "PRIVATE KEY" not in pem:
            problems.append(f"{source}: {name}: expected a PEM private key")
            continue
        keys[kid] = SecretStr(pem)
    clients: dict[str, SecretStr] = {}
    for provider in config.providers:
        name = env_name("OAUTH_", provider.name) + "_CLIENT_SECRET"
        value = env.get(name)
        if not value:
            problems.append(f"{source}: {name}: missing (client secret of provider {provider.name!r})")
        else:
            clients[provider.name] = SecretStr(value)
    if problems:
        raise ConfigError("\n".join(problems))
    return GatewaySecrets(
        session_secret=SecretStr(session or ""), signing_keys=keys, client_secrets=clients
    )


def load_settings(path: Path | str, env_file: Path | str | None = None) -> Settings:
    """Read ``path`` (YAML) and the secrets from the environment and ``env_file``
    (default: ``.env`` beside the config file, if present)."""
    path = Path(path)
    try:
        raw: Any = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark else ""
        raise ConfigError(f"{path.name}: {where}{getattr(exc, 'problem', exc)}") from None
    config = parse_config(raw, source=path.name)
    base = path.resolve().parent
    if not config.database.path.is_absolute():
        config = config.model_copy(
            update={"database": DatabaseConfig(path=base / config.database.path)}
        )
    env_path = Path(env_file) if env_file is not None else path.parent / ".env"
    env: dict[str, str] = {}
    if env_path.exists():
        env.update({k: v for k, v in dotenv_values(env_path).items() if v is not None})
    env.update({k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIX)})
    secrets = parse_secrets(config, env, source=env_path.name, base=base)
    return Settings(config=config, secrets=secrets, source=path.name)
