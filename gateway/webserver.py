"""Wiring only: builds the FastAPI app from Settings. Routers, auth, the engine
client and the WebSocket hub live in their own modules."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter, FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.sessions import SessionMiddleware

from gateway.api import errors
from gateway.api.middleware import GatewayMiddleware, OnlyUnder
from gateway.api.routers import admin, api_keys, auth, health, market, opportunities, trading
from gateway.auth.keys import KeyRing
from gateway.auth.oauth import Providers
from gateway.auth.service import AuthService
from gateway.config import Settings
from gateway.context import GatewayContext, Limiters
from gateway.metrics import GatewayMetrics
from gateway.ratelimit import RateLimiter
from gateway.store import Database
from gateway.upstream import EngineClient
from gateway.web.dashboard import DashboardFiles
from gateway.ws import endpoint as ws_endpoint
from gateway.ws.hub import Hub

log = logging.getLogger(__name__)
VERSION = "0.1.0"
API_PREFIX = "/api/v1"


def key_ring(settings: Settings) -> KeyRing:
    tokens = settings.config.tokens
    if not tokens.signing_keys:
        return KeyRing.ephemeral_ring()
    pems = {kid: s.get_secret_value() for kid, s in settings.secrets.signing_keys.items()}
    return KeyRing.from_pems(pems, tokens.signing_keys)


def startup_warnings(settings: Settings, ring: KeyRing, base_url: str) -> list[str]:
    config = settings.config
    warnings: list[str] = []
    if ring.ephemeral:
        warnings.append("no tokens.signing_keys: an ephemeral signing key is used; tokens die "
                        "with the process and the engine will not accept them")
    if config.server.is_public():
        if settings.secrets.uses_defaults():
            warnings.append(f"listening on public address {config.server.host} with the default "
                            "ARBX_GATEWAY_SESSION_SECRET from .env.example: set a random one")
        if ring.ephemeral:
            warnings.append(f"listening on public address {config.server.host} without "
                            "configured signing keys")
        if not base_url.startswith("https://"):
            warnings.append("listening on a public address without an https public_url: "
                            "tokens and cookies travel in clear")
    return warnings


def create_app(settings: Settings, *, port: int | None = None) -> FastAPI:
    """The gateway app; ``port``: the bound port when the config says 0 (tests)."""
    config = settings.config
    base_url = config.server.base_url(port)
    ring = key_ring(settings)
    for warning in startup_warnings(settings, ring, base_url):
        log.warning(warning)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        metrics = GatewayMetrics()
        db = Database(config.database.path)
        auth_service = AuthService(config, db, ring)
        await auth_service.load()
        shared_reads = {source: metrics.engine_reads.labels(source) for source in ("cache", "engine")}
        engine = EngineClient(config.engine, auth_service.tokens,
                              on_read=lambda source: shared_reads[source].inc())
        limits = config.rate_limits
        ctx = GatewayContext(
            config=config, secrets=settings.secrets, db=db, auth=auth_service,
            providers=Providers(config, settings.secrets), engine=engine,
            hub=Hub(engine, config, metrics), metrics=metrics,
            limiters=Limiters(RateLimiter(limits.per_ip), RateLimiter(limits.per_user),
                              RateLimiter(limits.auth_per_ip)),
            base_url=base_url,
        )
        app.state.ctx = ctx
        flusher = asyncio.create_task(_flush_last_used(ctx))
        # Everything made so far (modules, the app, its schemas: ~160k objects) lives as
        # long as the process. Frozen, it is out of the collector's sight: a full
        # collection (when the objects that survived the last one have grown by a
        # quarter) scans only what came later, instead of pausing every request in
        # flight for the 15-50 ms a full collection over all of them takes here.
        gc.collect()
        gc.freeze()  # undone at shutdown: collectable again when the app is gone (tests)
        log.info("gateway ready", extra={"engine": config.engine.target, "base_url": base_url,
                                         "signing_kid": ring.active.kid})
        try:
            yield
        finally:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
            for client in list(ctx.hub.clients):
                client.close(1001, "gateway stopping")
            await ctx.hub.stop()
            await auth_service.api_keys.flush(force=True)
            await engine.close()
            db.close()
            gc.unfreeze()

    app = FastAPI(
        title="arbx gateway", version=VERSION, lifespan=lifespan,
        description="REST and WebSocket access to the arbitrage engine. Authenticate with "
                    "`Authorization: Bearer <access token or API key>` (or `X-API-Key`).",
        docs_url="/docs" if config.server.docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if config.server.docs else None,
        # FastAPI's own OpenTelemetry hooks (checked on every request): the gateway's
        # metrics are Prometheus (gateway/metrics.py), its logs gateway/logs.py
        telemetry={"tracing": False, "metrics": False, "logs": False,
                   "operation_spans": False},
    )
    errors.install(app)
    v1 = APIRouter(prefix=API_PREFIX)
    for module in (auth, api_keys, market, opportunities, trading, admin):
        v1.include_router(module.router)
    v1.include_router(auth.me_router)
    app.include_router(v1)
    app.include_router(health.router)
    app.include_router(ws_endpoint.router)
    if config.server.dashboard_dir is not None:
        # Mounted last: every API route above wins over the dashboard's paths.
        app.mount("/", DashboardFiles(directory=config.server.dashboard_dir, html=True), name="dashboard")

    https = base_url.startswith("https://")
    # outermost last: CORS answers preflights and decorates every response, 429s included
    app.add_middleware(GatewayMiddleware, https=https)
    # the login cookie (OAuth state, PKCE verifier) only exists under /auth
    app.add_middleware(
        OnlyUnder, prefix=f"{API_PREFIX}/auth", middleware=SessionMiddleware,
        secret_key=settings.secrets.session_secret.get_secret_value(),
        session_cookie="arbx_login", max_age=600, same_site="lax", https_only=https,
        path=f"{API_PREFIX}/auth",
    )
    if config.cors.origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=config.cors.origins, allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key", "Idempotency-Key"],
            expose_headers=["Retry-After"], max_age=600,
        )
    return app


async def _flush_last_used(ctx: GatewayContext) -> None:
    while True:
        await asyncio.sleep(ctx.config.tokens.api_key_last_used_resolution_s)
        try:
            await ctx.auth.api_keys.flush()
        except Exception:
            log.exception("cannot record API key use")
