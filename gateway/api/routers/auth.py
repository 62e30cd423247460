"""Login (OAuth2 authorization code + PKCE), token refresh with rotation, logout,
the signing keys (JWKS), the caller and their sessions."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from gateway.api import schemas
from gateway.api.deps import Caller, Ctx, client_ip
from gateway.auth.oauth import LoginError
from gateway.auth.service import AuthError, TokenPair
from gateway.context import GatewayContext

router = APIRouter(prefix="/auth", tags=["auth"])
REFRESH_COOKIE = "arbx_refresh"
COOKIE_PATH = "/api/v1/auth"


def _token_response(ctx: GatewayContext, pair: TokenPair, response: Response) -> schemas.TokenResponse:
    now = time.time()
    max_age = int(pair.refresh.expires_at - now)
    response.set_cookie(REFRESH_COOKIE, pair.refresh.token, max_age=max_age, path=COOKIE_PATH,
                        httponly=True, samesite="strict",
                        secure=ctx.base_url.startswith("https://"))
    return schemas.TokenResponse(
        access_token=pair.access_token, expires_in=max(0, int(pair.access_expires_at - now)),
        refresh_token=pair.refresh.token, refresh_expires_in=max_age,
        role=pair.user.role,  # type: ignore[arg-type]
    )


def _allowed_return(ctx: GatewayContext, url: str) -> bool:
    origins = [ctx.base_url, *ctx.config.cors.origins]
    return any(url == o or url.startswith(o + "/") for o in origins)


@router.get("/providers", response_model=list[schemas.Provider])
async def providers(*, ctx: Ctx) -> list[schemas.Provider]:
    """The configured login providers (public)."""
    return [schemas.Provider(name=p.name, preset=p.preset,
                             display_name=p.display_name or p.name.capitalize(),
                             login_url=f"{ctx.base_url}/api/v1/auth/login/{p.name}")
            for p in ctx.config.providers]


@router.get("/login/{provider}", response_class=RedirectResponse, status_code=302,
            responses={302: {"description": "to the provider's authorization page"},
                       404: {"model": schemas.Problem}, 422: {"model": schemas.Problem},
                       503: {"model": schemas.Problem}})
async def login(*, request: Request, provider: str, return_to: str | None = None,
                ctx: Ctx) -> Any:
    """Start a login: redirects to the provider (state, nonce and PKCE S256 verifier are
    kept in a signed cookie). ``return_to``: where the browser goes after the callback
    (an allowed origin); without it the callback answers the tokens as JSON."""
    if ctx.config.provider(provider) is None:
        raise HTTPException(404, f"provider: no provider {provider!r}")
    if return_to is not None and not _allowed_return(ctx, return_to):
        raise HTTPException(422, [{"loc": ["query", "return_to"], "type": "value_error",
                                   "msg": "must be on the gateway or an allowed origin"}])
    request.session.clear()
    if return_to:
        request.session["return_to"] = return_to
    redirect_uri = f"{ctx.base_url}/api/v1/auth/callback/{provider}"
    try:
        return await ctx.providers.redirect(request, provider, redirect_uri)
    except LoginError as exc:
        raise HTTPException(503, str(exc), headers={"Retry-After": "30"}) from None


@router.get("/callback/{provider}", response_model=schemas.TokenResponse,
            responses={303: {"description": "to return_to, with the refresh cookie"},
                       400: {"model": schemas.Problem}, 404: {"model": schemas.Problem}})
async def callback(*, request: Request, response: Response, provider: str,
                   ctx: Ctx) -> Any:
    """The provider's redirect back: exchanges the code (with the PKCE verifier),
    identifies the user, and starts a session."""
    if ctx.config.provider(provider) is None:
        raise HTTPException(404, f"provider: no provider {provider!r}")
    ip = client_ip(request)
    try:
        identity = await ctx.providers.identity(request, provider)
        pair = await ctx.auth.login(identity, ip, request.headers.get("user-agent"))
    except (LoginError, AuthError) as exc:
        ctx.metrics.auth_failures.labels("login").inc()
        await ctx.auth.audit("anonymous", "auth.login_failed", provider, ip, {"reason": str(exc)})
        raise HTTPException(400, f"login failed: {exc}") from None
    finally:
        return_to = request.session.get("return_to")
        request.session.clear()
    await ctx.auth.audit(f"user:{pair.user.id}", "auth.login", provider, ip,
                         {"role": pair.user.role, "session": pair.refresh.session_id})
    body = _token_response(ctx, pair, response)
    if return_to:
        redirect = RedirectResponse(return_to, status_code=303)
        for key, value in response.headers.items():
            if key == "set-cookie":
                redirect.headers.append(key, value)
        return redirect
    return body


@router.post("/refresh", response_model=schemas.TokenResponse,
             responses={401: {"model": schemas.Problem}, 403: {"model": schemas.Problem}})
async def refresh(*, request: Request, response: Response,
                  body: Annotated[schemas.RefreshRequest | None, Body()] = None,
                  ctx: Ctx) -> schemas.TokenResponse:
    """A new access token and a new refresh token; the presented one is spent.
    Presenting a spent token revokes its whole session (reuse detection)."""
    token = body.refresh_token if body is not None and body.refresh_token else None
    if token is None:
        token = request.cookies.get(REFRESH_COOKIE)
        origin = request.headers.get("origin")
        if token and origin and origin != ctx.base_url and origin not in ctx.config.cors.origins:
            raise HTTPException(403, "origin not allowed")
    if not token:
        raise HTTPException(401, "refresh_token: missing (body or cookie)",
                            headers={"WWW-Authenticate": "Bearer"})
    try:
        pair = await ctx.auth.refresh(token, client_ip(request), request.headers.get("user-agent"))
    except AuthError as exc:
        ctx.metrics.auth_failures.labels("refresh").inc()
        response.delete_cookie(REFRESH_COOKIE, path=COOKIE_PATH)
        raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
    return _token_response(ctx, pair, response)


@router.post("/logout", status_code=204, response_class=Response,
             responses={401: {"model": schemas.Problem}})
async def logout(*, request: Request, body: Annotated[schemas.RefreshRequest | None, Body()] = None,
                 principal: Caller,
                 ctx: Ctx) -> Response:
    """Revoke the current session (its refresh tokens and access tokens)."""
    token = (body.refresh_token if body is not None else None) or request.cookies.get(REFRESH_COOKIE)
    family = await ctx.auth.logout(token, principal)
    await ctx.auth.audit(principal.subject, "auth.logout", family, client_ip(request), None)
    response = Response(status_code=204)
    response.delete_cookie(REFRESH_COOKIE, path=COOKIE_PATH)
    return response


@router.get("/jwks.json")
async def jwks(*, ctx: Ctx) -> dict[str, Any]:
    """The public signing keys (``kid``), for services verifying the gateway's tokens."""
    return ctx.auth.tokens.ring.jwks()


@router.get("/sessions", response_model=list[schemas.Session])
async def my_sessions(*, principal: Caller,
                      ctx: Ctx) -> list[schemas.Session]:
    """The caller's open sessions."""
    rows = await ctx.db.call(ctx.db.sessions, principal.user_id)
    return [schemas.Session(id=r.family_id, user_id=r.user_id, created_at=r.created_at,
                            expires_at=r.expires_at, ip=r.ip, user_agent=r.user_agent)
            for r in rows]


@router.delete("/sessions/{session_id}", status_code=204, response_class=Response,
               responses={404: {"model": schemas.Problem}})
async def end_session(*, request: Request, session_id: str,
                      principal: Caller,
                      ctx: Ctx) -> Response:
    rows = await ctx.db.call(ctx.db.sessions, principal.user_id)
    if session_id not in {r.family_id for r in rows}:
        raise HTTPException(404, f"session_id: no open session {session_id!r}")
    await ctx.auth.sessions.revoke(session_id, "ended by user")
    await ctx.auth.audit(principal.subject, "auth.session_end", session_id, client_ip(request), None)
    return Response(status_code=204)


me_router = APIRouter(tags=["auth"])


@me_router.get("/me", response_model=schemas.Me, responses={401: {"model": schemas.Problem}})
async def me(*, principal: Caller,
             ctx: Ctx) -> schemas.Me:
    """The caller: their user and how they authenticated."""
    user = await ctx.db.call(ctx.db.user, principal.user_id)
    if user is None:
        raise HTTPException(404, "user not found")
    return schemas.Me(id=user.id, provider=user.provider, email=user.email, login=user.login,
                      name=user.name, role=principal.role, via=principal.via,
                      session_id=principal.session_id, api_key_id=principal.api_key_id)
