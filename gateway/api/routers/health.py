"""Liveness, readiness and Prometheus metrics (no auth: for probes and scrapers;
keep the gateway's port private or put these behind the proxy's own rules)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.api import schemas
from gateway.api.deps import Ctx
from gateway.api.errors import OrjsonResponse

router = APIRouter(tags=["health"])


@router.get("/health", response_model=schemas.Health)
async def health() -> schemas.Health:
    """The process is up."""
    return schemas.Health(status="ok")


@router.get("/ready", response_model=schemas.Health,
            responses={503: {"model": schemas.Health}})
async def ready(*, ctx: Ctx) -> Response:
    """The engine answers and the database is open; 503 with Retry-After otherwise."""
    engine = await ctx.engine.ready()
    try:
        database = await ctx.db.call(ctx.db.ping)
    except Exception:  # noqa: BLE001 - any database failure means not ready
        database = False
    ok = engine and database
    body = {"status": "ok" if ok else "unavailable", "engine": engine, "database": database}
    headers = {} if ok else {"Retry-After": str(ctx.config.engine.retry_after_s)}
    return OrjsonResponse(body, status_code=200 if ok else 503, headers=headers)


@router.get("/metrics", response_class=Response)
async def metrics(*, ctx: Ctx) -> Response:
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)
