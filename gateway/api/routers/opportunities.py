"""Opportunities: recent ones from the engine's storage, and the current ones."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from gateway.api import schemas
from gateway.api.deps import Ctx, ViewerCaller
from gateway.api.routers.market import ADDRESS, ERRORS, ChainFilter
from gateway.gen.arbitrage.v1 import engine_pb2 as pb
from gateway.upstream.convert import to_dict

router = APIRouter(prefix="/opportunities", tags=["opportunities"])
Int256 = Annotated[str | None, Query(pattern=r"^-?[0-9]{1,77}$", description="int256, decimal")]


@router.get("", response_model=schemas.OpportunityPage,
            responses={**ERRORS, 422: {"model": schemas.Problem}})
async def recent(*, chain_id: ChainFilter = 0,
                 base_token: Annotated[str | None, Query(pattern=ADDRESS)] = None,
                 pool: Annotated[str | None, Query(pattern=ADDRESS)] = None,
                 min_profit_net: Int256 = None,
                 from_block: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,  # engine stores int64
                 page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
                 page_token: Annotated[str, Query(max_length=512)] = "",
                 principal: ViewerCaller,
                 ctx: Ctx) -> schemas.OpportunityPage:
    """Opportunities seen recently, newest first; page with ``next_page_token``."""
    reply = await ctx.engine.call(
        "ListOpportunities",
        pb.ListOpportunitiesRequest(chain_id=chain_id, base_token=base_token or "",
                                    pool=pool or "", min_profit_net=min_profit_net or "",
                                    from_block=from_block, page_size=page_size,
                                    page_token=page_token),
        principal.subject, principal.role)
    return schemas.OpportunityPage.model_validate(to_dict(reply))


@router.get("/live", response_model=schemas.LiveOpportunities,
            responses={**ERRORS, 422: {"model": schemas.Problem}})
async def live(*, chain_id: ChainFilter = 0,
               base_token: Annotated[str | None, Query(pattern=ADDRESS)] = None,
               min_profit_net: Int256 = None,
               principal: ViewerCaller,
               ctx: Ctx) -> schemas.LiveOpportunities:
    """The engine's current opportunities (ranked by profit_net). For updates as they
    happen, subscribe to the ``opportunities`` topic on /ws."""
    batch = await ctx.engine.first(
        "StreamOpportunities",
        pb.StreamOpportunitiesRequest(chain_ids=[chain_id] if chain_id else [],
                                      base_tokens=[base_token] if base_token else [],
                                      min_profit_net=min_profit_net or ""),
        principal.subject, principal.role)
    data = to_dict(batch)
    return schemas.LiveOpportunities(
        opportunities=[schemas.Opportunity.model_validate(o) for o in data["opportunities"]],
        published_unix_nanos=data["published_unix_nanos"])
