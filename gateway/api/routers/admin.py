"""Administration (role: admin): users and roles, sessions, API keys, the audit
log, WebSocket health, the gateway's resource use, the engine's configuration."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from gateway.api import schemas
from gateway.api.deps import AdminCaller, Ctx, client_ip
from gateway.api.routers.api_keys import _out as key_out
from gateway.gen.arbitrage.v1 import engine_pb2 as pb
from gateway.resources import ResourceMonitor
from gateway.store import UserRow

router = APIRouter(prefix="/admin", tags=["admin"])
NOT_FOUND = {404: {"model": schemas.Problem}}
_RESOURCES = ResourceMonitor()  # this process's: one per gateway


def _user(row: UserRow) -> schemas.User:
    return schemas.User.model_validate(row, from_attributes=True)


@router.get("/users", response_model=list[schemas.User])
async def users(*, principal: AdminCaller,
                ctx: Ctx) -> list[schemas.User]:
    return [_user(u) for u in await ctx.db.call(ctx.db.users)]


@router.patch("/users/{user_id}", response_model=schemas.User, responses=NOT_FOUND)
async def update_user(*, request: Request, user_id: int, body: schemas.UserUpdate,
                      principal: AdminCaller,
                      ctx: Ctx) -> schemas.User:
    """Change a user's role (effective at their next token refresh) or disable them
    (their sessions and API keys stop at once)."""
    if await ctx.db.call(ctx.db.user, user_id) is None:
        raise HTTPException(404, f"user_id: no user {user_id}")
    if user_id == principal.user_id and body.disabled:
        raise HTTPException(409, "admins cannot disable themselves")
    row = await ctx.db.call(ctx.db.update_user, user_id, body.role, body.disabled)
    assert row is not None
    if body.disabled is not None:
        await ctx.auth.set_disabled(user_id, body.disabled)
    await ctx.auth.audit(principal.subject, "user.update", f"user:{user_id}", client_ip(request),
                         body.model_dump(exclude_none=True))
    return _user(row)


@router.post("/users/{user_id}/revoke-sessions", response_model=schemas.Revoked,
             responses=NOT_FOUND)
async def revoke_sessions(*, request: Request, user_id: int, principal: AdminCaller,
                          ctx: Ctx) -> schemas.Revoked:
    """Log a user out everywhere: every refresh token and access token of theirs."""
    if await ctx.db.call(ctx.db.user, user_id) is None:
        raise HTTPException(404, f"user_id: no user {user_id}")
    families = await ctx.auth.sessions.revoke_user(user_id, "revoked by admin")
    await ctx.auth.audit(principal.subject, "user.revoke_sessions", f"user:{user_id}",
                         client_ip(request), {"sessions": len(families)})
    return schemas.Revoked(revoked=len(families))


@router.get("/sessions", response_model=list[schemas.Session])
async def sessions(*, principal: AdminCaller,
                   ctx: Ctx) -> list[schemas.Session]:
    """Every open session (user sessions for the system health page)."""
    rows = await ctx.db.call(ctx.db.sessions, None)
    return [schemas.Session(id=r.family_id, user_id=r.user_id, created_at=r.created_at,
                            expires_at=r.expires_at, ip=r.ip, user_agent=r.user_agent)
            for r in rows]


@router.get("/api-keys", response_model=list[schemas.ApiKey])
async def api_keys(*, principal: AdminCaller,
                   ctx: Ctx) -> list[schemas.ApiKey]:
    return [key_out(ctx, r) for r in await ctx.db.call(ctx.db.api_keys)]


@router.get("/audit", response_model=list[schemas.AuditEntry])
async def audit(*, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                before_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
                action: Annotated[str | None, Query(max_length=64)] = None,
                principal: AdminCaller,
                ctx: Ctx) -> list[schemas.AuditEntry]:
    """The audit log, newest first; page with ``before_id``."""
    rows = await ctx.db.call(ctx.db.audit_log, limit, before_id, action)
    return [schemas.AuditEntry.model_validate(r, from_attributes=True) for r in rows]


@router.get("/websockets", response_model=schemas.WebSocketHealth)
async def websockets(*, principal: AdminCaller,
                     ctx: Ctx) -> schemas.WebSocketHealth:
    """Topics (upstream streams, sequence, replay buffer) and clients (queue depths)."""
    return schemas.WebSocketHealth.model_validate(ctx.hub.health())


@router.get("/resources", response_model=schemas.ProcessResources)
async def resources(*, principal: AdminCaller) -> schemas.ProcessResources:
    """The gateway process's resource use (the engine's is in ``GET /stats``); its CPU
    percent is since the previous call."""
    return schemas.ProcessResources.model_validate(_RESOURCES.sample(), from_attributes=True)


@router.get("/engine-config", response_model=schemas.EngineConfig,
            responses={503: {"model": schemas.Problem}})
async def engine_config(*, principal: AdminCaller,
                        ctx: Ctx) -> schemas.EngineConfig:
    """The engine's running configuration, secrets redacted (GetConfig)."""
    reply = await ctx.engine.call("GetConfig", pb.GetConfigRequest(), principal.subject,
                                  principal.role)
    return schemas.EngineConfig(config=json.loads(reply.config_json))
