"""Engine status, tokens, pools and prices, quotes and best routes (role: viewer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import StringConstraints

from gateway.api import schemas
from gateway.api.deps import Ctx, ViewerCaller
from gateway.auth.roles import Principal
from gateway.context import GatewayContext
from gateway.gen.arbitrage.v1 import engine_pb2 as pb
from gateway.upstream.convert import to_dict

router = APIRouter(tags=["market"])

ADDRESS = r"^0x[0-9a-fA-F]{40}$"
Address = Annotated[str, StringConstraints(pattern=ADDRESS)]
UINT64_MAX = 2**64 - 1
ChainFilter = Annotated[int, Query(ge=0, le=UINT64_MAX, description="0 = all chains")]
ChainId = Annotated[int, Query(ge=1, le=UINT64_MAX)]
Amount = Annotated[str, Query(pattern=r"^[0-9]{1,78}$", description="uint256, decimal")]
ERRORS = {404: {"model": schemas.Problem}, 503: {"model": schemas.Problem}}


@router.get("/status", response_model=schemas.EngineStatus, responses=ERRORS)
async def status(*, principal: ViewerCaller,
                 ctx: Ctx) -> schemas.EngineStatus:
    """Engine and per-chain sync status."""
    reply = await ctx.engine.call("GetStatus", pb.GetStatusRequest(), principal.subject,
                                  principal.role)
    return schemas.EngineStatus.model_validate(to_dict(reply))


@router.get("/tokens", response_model=list[schemas.Token], responses=ERRORS)
async def tokens(*, chain_id: ChainFilter = 0, principal: ViewerCaller,
                 ctx: Ctx) -> list[schemas.Token]:
    reply = await ctx.engine.call("ListTokens", pb.ListTokensRequest(chain_id=chain_id),
                                  principal.subject, principal.role)
    return [schemas.Token.model_validate(to_dict(t)) for t in reply.tokens]


async def _pools(ctx: GatewayContext, principal: Principal, chain_id: int, token: str,
                 include_ticks: bool) -> list[pb.Pool]:
    reply = await ctx.engine.call(
        "ListPools", pb.ListPoolsRequest(chain_id=chain_id, token=token,
                                         include_ticks=include_ticks),
        principal.subject, principal.role)
    return list(reply.pools)


@router.get("/pools", response_model=list[schemas.Pool], responses=ERRORS)
async def pools(*, chain_id: ChainFilter = 0,
                token: Annotated[str | None, Query(pattern=ADDRESS)] = None,
                include_ticks: bool = False,
                principal: ViewerCaller,
                ctx: Ctx) -> list[schemas.Pool]:
    """Monitored pools with their state; ``token``: only pools holding it."""
    found = await _pools(ctx, principal, chain_id, token or "", include_ticks)
    return [schemas.Pool.model_validate(to_dict(p)) for p in found]


@router.get("/pools/{chain_id}/{address}", response_model=schemas.Pool, responses=ERRORS)
async def pool(*, chain_id: Annotated[int, Path(ge=1, le=UINT64_MAX)],
               address: Annotated[str, Path(pattern=ADDRESS)],
               include_ticks: bool = True,
               principal: ViewerCaller,
               ctx: Ctx) -> schemas.Pool:
    """One pool, with its initialized ticks when it is a V3 pool."""
    wanted = address.lower()
    for p in await _pools(ctx, principal, chain_id, "", include_ticks):
        if p.address == wanted:
            return schemas.Pool.model_validate(to_dict(p))
    raise HTTPException(404, f"address: no pool {wanted} on chain {chain_id}")


@router.get("/prices", response_model=list[schemas.PoolPrice], responses=ERRORS)
async def prices(*, chain_id: ChainFilter = 0, principal: ViewerCaller,
                 ctx: Ctx) -> list[schemas.PoolPrice]:
    """Every pool's mid price (token1 per token0, display only)."""
    found = await _pools(ctx, principal, chain_id, "", False)
    return [schemas.PoolPrice(chain_id=p.chain_id, pool=p.address,
                              kind=to_dict(p)["kind"], price=p.price) for p in found]


@router.get("/quote", response_model=schemas.Quote,
            responses={**ERRORS, 422: {"model": schemas.Problem}})
async def quote(*, chain_id: ChainId,
                pools: Annotated[list[Address], Query(min_length=1, max_length=8,
                                                      description="pool addresses in hop order")],
                token_in: Annotated[str, Query(pattern=ADDRESS)],
                amount_in: Amount,
                principal: ViewerCaller,
                ctx: Ctx) -> schemas.Quote:
    """The exact output of ``amount_in`` along ``pools``."""
    reply = await ctx.engine.call(
        "Quote", pb.QuoteRequest(chain_id=chain_id, pools=pools, token_in=token_in,
                                 amount_in=amount_in),
        principal.subject, principal.role)
    return schemas.Quote.model_validate(to_dict(reply))


@router.get("/routes/best", response_model=schemas.BestRoute,
            responses={**ERRORS, 422: {"model": schemas.Problem}})
async def best_route(*, chain_id: ChainId,
                     token_in: Annotated[str, Query(pattern=ADDRESS)],
                     token_out: Annotated[str, Query(pattern=ADDRESS)],
                     amount_in: Amount,
                     max_hops: Annotated[int, Query(ge=0, le=4, description="0 = engine's")] = 0,
                     principal: ViewerCaller,
                     ctx: Ctx) -> schemas.BestRoute:
    """The path of up to ``max_hops`` pools with the largest exact output."""
    reply = await ctx.engine.call(
        "BestRoute", pb.BestRouteRequest(chain_id=chain_id, token_in=token_in,
                                         token_out=token_out, amount_in=amount_in,
                                         max_hops=max_hops),
        principal.subject, principal.role)
    return schemas.BestRoute.model_validate(to_dict(reply))
