"""Everything one running gateway holds, created at start-up by webserver.py and
reached from handlers through ``app.state.ctx``."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.auth.oauth import Providers
from gateway.auth.service import AuthService
from gateway.config import GatewayConfig, GatewaySecrets
from gateway.metrics import GatewayMetrics
from gateway.ratelimit import RateLimiter
from gateway.store import Database
from gateway.upstream import EngineClient
from gateway.ws.hub import Hub


@dataclass
class Limiters:
    per_ip: RateLimiter
    per_user: RateLimiter
    auth_per_ip: RateLimiter


@dataclass
class GatewayContext:
    config: GatewayConfig
    secrets: GatewaySecrets
    db: Database
    auth: AuthService
    providers: Providers
    engine: EngineClient
    hub: Hub
    metrics: GatewayMetrics
    limiters: Limiters
    base_url: str
