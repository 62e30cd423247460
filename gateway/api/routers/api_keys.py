"""API keys of the caller: create (the key is in this one response), list, revoke."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from gateway.api import schemas
from gateway.api.deps import Ctx, ViewerCaller, client_ip
from gateway.context import GatewayContext
from gateway.store import ApiKeyRow

router = APIRouter(prefix="/api-keys", tags=["api keys"])


def _out(ctx: GatewayContext, row: ApiKeyRow) -> schemas.ApiKey:
    recent = ctx.auth.api_keys.last_used(row.id)
    last = max(filter(None, (row.last_used_at, recent)), default=None)
    return schemas.ApiKey(id=row.id, user_id=row.user_id, name=row.name,
                          role=row.role,  # type: ignore[arg-type]
                          prefix=row.prefix, created_at=row.created_at, expires_at=row.expires_at,
                          last_used_at=last, revoked_at=row.revoked_at)


@router.post("", response_model=schemas.ApiKeyCreated, status_code=201,
             responses={403: {"model": schemas.Problem}})
async def create_key(*, request: Request, body: schemas.ApiKeyCreate,
                     principal: ViewerCaller,
                     ctx: Ctx) -> schemas.ApiKeyCreated:
    """A new key with a role no higher than yours. Only a logged-in user (not an API key)
    may create keys."""
    if principal.via != "jwt":
        raise HTTPException(403, "API keys cannot create API keys; log in")
    if not principal.may(body.role):
        raise HTTPException(403, f"role: you are {principal.role}; a key cannot be {body.role}")
    created = await ctx.auth.api_keys.create(principal.user_id, body.name, body.role,
                                             body.expires_in_days)
    await ctx.auth.audit(principal.subject, "api_key.create", created.row.id, client_ip(request),
                         {"name": body.name, "role": body.role})
    return schemas.ApiKeyCreated(**_out(ctx, created.row).model_dump(), key=created.key)


@router.get("", response_model=list[schemas.ApiKey])
async def list_keys(*, principal: ViewerCaller,
                    ctx: Ctx) -> list[schemas.ApiKey]:
    """Your keys (revoked ones included); never the keys themselves."""
    rows = await ctx.db.call(ctx.db.api_keys, principal.user_id)
    return [_out(ctx, r) for r in rows]


@router.delete("/{key_id}", response_model=schemas.ApiKey,
               responses={404: {"model": schemas.Problem}})
async def revoke_key(*, request: Request, key_id: str,
                     principal: ViewerCaller,
                     ctx: Ctx) -> schemas.ApiKey:
    """Revoke one of your keys (admins: any key). It stops working at once."""
    row = await ctx.db.call(ctx.db.api_key, key_id)
    if row is None or (row.user_id != principal.user_id and not principal.may("admin")):
        raise HTTPException(404, f"key_id: no API key {key_id!r}")
    await ctx.auth.api_keys.revoke(key_id)
    await ctx.auth.audit(principal.subject, "api_key.revoke", key_id, client_ip(request), None)
    row = await ctx.db.call(ctx.db.api_key, key_id)
    assert row is not None
    return _out(ctx, row)
