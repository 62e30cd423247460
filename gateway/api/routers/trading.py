"""Trades, trading mode, risk limits, statistics and predictions.

TODO(execution issue, ML issue): the engine's contract (proto/arbitrage/v1/engine.proto)
has no RPCs for these yet. Each route checks its role and answers 501 naming the RPC
it waits for; none of them fakes data. When the RPCs land, each body becomes one
``ctx.engine.call(...)`` like the routes in market.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from gateway.api import schemas
from gateway.api.deps import AdminCaller, ViewerCaller
from gateway.api.errors import NotImplementedYet

router = APIRouter(tags=["trading (not yet in the engine)"])
R501 = {501: {"model": schemas.Problem, "description": "the engine RPC does not exist yet"}}


def _missing(rpc: str, issue: str = "execution issue") -> NotImplementedYet:
    return NotImplementedYet(f"not implemented: needs EngineService.{rpc} ({issue})")


@router.get("/trades", responses=R501)
async def list_trades(*, principal: ViewerCaller) -> Any:
    raise _missing("ListTrades")  # TODO: filters, pagination


@router.get("/trades/{trade_id}", responses=R501)
async def get_trade(*, trade_id: str, principal: ViewerCaller) -> Any:
    raise _missing("GetTrade")  # TODO: one trade with its status history


@router.get("/stats", responses=R501)
async def stats(*, principal: ViewerCaller) -> Any:
    raise _missing("GetStats")  # TODO: PnL, counts, latencies


@router.get("/predictions", responses=R501)
async def predictions(*, principal: ViewerCaller) -> Any:
    raise _missing("ListPredictions", "ML issue")


@router.get("/mode", responses=R501)
async def get_mode(*, principal: ViewerCaller) -> Any:
    raise _missing("GetMode")  # the current mode is in GET /status meanwhile


@router.put("/mode", responses=R501)
async def set_mode(*, body: Annotated[dict[str, Any], Body()],
                   principal: AdminCaller) -> Any:
    raise _missing("SetMode")


@router.get("/risk-limits", responses=R501)
async def get_risk_limits(*, principal: AdminCaller) -> Any:
    raise _missing("GetRiskLimits")


@router.put("/risk-limits", responses=R501)
async def set_risk_limits(*, body: Annotated[dict[str, Any], Body()],
                          principal: AdminCaller) -> Any:
    raise _missing("SetRiskLimits")
