"""Dependencies of the routers: the gateway context, the caller, role checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from gateway.auth.roles import Principal, Role
from gateway.auth.service import AuthError
from gateway.context import GatewayContext

bearer_scheme = HTTPBearer(auto_error=False, description="access token (JWT) or API key")
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key")


async def get_ctx(request: Request) -> GatewayContext:
    # async: FastAPI runs a plain ``def`` dependency on a worker thread, a thread
    # hand-off (and GIL contention with the event loop) on every request
    return request.app.state.ctx  # type: ignore[no-any-return]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _unauthorized(ctx: GatewayContext, reason: str, message: str) -> HTTPException:
    ctx.metrics.auth_failures.labels(reason).inc()
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


async def get_principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Principal:
    ctx: GatewayContext = request.app.state.ctx
    token = bearer.credentials if bearer is not None else api_key
    if not token:
        raise _unauthorized(ctx, "missing", "authentication required (Bearer token or X-API-Key)")
    try:
        principal = ctx.auth.authenticate(token)
    except AuthError as exc:
        raise _unauthorized(ctx, "invalid", str(exc)) from None
    if ctx.config.rate_limits.enabled:
        wait = ctx.limiters.per_user.hit(f"user:{principal.user_id}")
        if wait:
            ctx.metrics.rate_limited.labels("user").inc()
            raise HTTPException(429, "rate limit exceeded (per user)",
                                headers={"Retry-After": str(wait)})
    request.state.principal = principal
    return principal


def require(role: Role) -> Callable[..., Awaitable[Principal]]:
    """The caller, who must hold ``role`` or higher (403 otherwise)."""

    async def dependency(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not principal.may(role):
            raise HTTPException(403, f"needs role {role}; you are {principal.role}")
        return principal

    dependency.__name__ = f"require_{role}"
    return dependency



Ctx = Annotated[GatewayContext, Depends(get_ctx)]
Caller = Annotated[Principal, Depends(get_principal)]
ViewerCaller = Annotated[Principal, Depends(require("viewer"))]
TraderCaller = Annotated[Principal, Depends(require("trader"))]
AdminCaller = Annotated[Principal, Depends(require("admin"))]
