"""Trades, simulate / execute, trading mode and risk limits: the engine's execution RPCs.

Roles: reading trades, the mode and the risk limits is for viewers; simulating and
executing an opportunity for traders; changing the mode or the risk limits for
admins (each change is written to the gateway's audit log, as is every execution).
An engine running without execution answers every one of these 409 (its
FAILED_PRECONDITION, with the reason).

Idempotency keys are scoped per user: the engine gets ``u<user id>:<key>``, so two
users choosing the same key never get each other's trade back.

Predictions are the engine's Predict (viewer); an engine running without models
answers 409 with its reason. Statistics are the engine's GetStats (viewer): PnL, trade
counts and gas from its trades.db, its latencies and resource use; an engine running
without execution still answers them, with ``execution_enabled`` false."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, HTTPException, Path, Query, Request

from gateway.api import schemas
from gateway.api.deps import AdminCaller, Ctx, TraderCaller, ViewerCaller, client_ip
from gateway.api.routers.market import ADDRESS, UINT64_MAX, ChainFilter
from gateway.auth.roles import Principal
from gateway.gen.arbitrage.v1 import engine_pb2 as pb
from gateway.upstream import EngineRejected
from gateway.upstream.convert import to_dict

router = APIRouter(tags=["trading"])
ERRORS: dict[int | str, dict[str, Any]] = {
    409: {"model": schemas.Problem, "description": "the engine refuses: execution is not "
                                                   "configured, a stale opportunity, the mode, "
                                                   "a risk limit (the reason says which)"},
    422: {"model": schemas.Problem},
    503: {"model": schemas.Problem, "description": "engine unavailable (Retry-After)"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": schemas.Problem}}
# "<chain_id>:<pool>,<pool>...:<directions>", as StreamOpportunities / ListOpportunities give it
OPPORTUNITY_ID = r"^[0-9]{1,20}:[^/]+$"
OpportunityId = Annotated[str, Path(min_length=3, max_length=1024, pattern=OPPORTUNITY_ID,
                                    description="Opportunity.id")]


def _status_value(name: str) -> int:
    return pb.TradeStatus.Value("TRADE_STATUS_" + name.upper())


def _mode_value(name: str) -> int:
    return pb.ExecutionMode.Value("EXECUTION_MODE_" + name.upper())


def _invalid(loc: list[str | int], msg: str, kind: str = "value_error") -> HTTPException:
    return HTTPException(422, [{"loc": loc, "msg": msg, "type": kind}])


# --- trades -------------------------------------------------------------------------------


@router.get("/trades", response_model=schemas.TradePage, responses=ERRORS)
async def list_trades(*, chain_id: ChainFilter = 0,
                      status: Annotated[list[schemas.TradeStatus] | None,
                                        Query(max_length=8, description="any of these")] = None,
                      base_token: Annotated[str | None, Query(pattern=ADDRESS)] = None,
                      pool: Annotated[str | None, Query(pattern=ADDRESS)] = None,
                      since_unix_nanos: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
                      page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
                      page_token: Annotated[str, Query(max_length=512)] = "",
                      principal: ViewerCaller,
                      ctx: Ctx) -> schemas.TradePage:
    """Trades, newest first (with their status history); page with ``next_page_token``."""
    reply = await ctx.engine.call(
        "ListTrades",
        pb.ListTradesRequest(chain_id=chain_id, statuses=[_status_value(s) for s in status or []],
                             base_token=base_token or "", pool=pool or "",
                             since_unix_nanos=since_unix_nanos, page_size=page_size,
                             page_token=page_token),
        principal.subject, principal.role)
    return schemas.TradePage.model_validate(to_dict(reply))


@router.get("/trades/{trade_id}", response_model=schemas.Trade,
            responses={**ERRORS, **NOT_FOUND})
async def get_trade(*, trade_id: Annotated[str, Path(min_length=1, max_length=200)],
                    principal: ViewerCaller,
                    ctx: Ctx) -> schemas.Trade:
    """One trade with its status history and every transaction sent for it."""
    reply = await ctx.engine.call("GetTrade", pb.GetTradeRequest(id=trade_id),
                                  principal.subject, principal.role)
    return schemas.Trade.model_validate(to_dict(reply.trade))


# --- simulate / execute ---------------------------------------------------------------------


def _chain_of(opportunity_id: str) -> int:
    chain_id = int(opportunity_id.partition(":")[0])
    if not 1 <= chain_id <= UINT64_MAX:
        raise _invalid(["path", "opportunity_id"], "must start with a chain id (1..2**64-1)")
    return chain_id


@router.post("/opportunities/{opportunity_id}/simulate", response_model=schemas.Simulation,
             responses={**ERRORS, **NOT_FOUND})
async def simulate(*, opportunity_id: OpportunityId,
                   body: Annotated[schemas.SimulateRequest | None, Body()] = None,
                   principal: TraderCaller,
                   ctx: Ctx) -> schemas.Simulation:
    """eth_call of a current opportunity through the executor at the latest block, with
    gas and fees; records nothing. 409 when it is stale (no longer current, or
    ``block_number`` is not the head)."""
    request = body or schemas.SimulateRequest()
    reply = await ctx.engine.call(
        "SimulateOpportunity",
        pb.SimulateOpportunityRequest(chain_id=_chain_of(opportunity_id),
                                      opportunity_id=opportunity_id,
                                      block_number=request.block_number),
        principal.subject, principal.role)
    return schemas.Simulation.model_validate(to_dict(reply))


def _idempotency_key(header: str | None, body: str | None) -> str:
    if header is not None and body is not None and header != body:
        raise _invalid(["header", "Idempotency-Key"], "differs from the body's idempotency_key")
    key = header if header is not None else body
    if key is None:
        raise _invalid(["header", "Idempotency-Key"],
                       "required (the header, or the body field idempotency_key)", "missing")
    return key


def _scoped(principal: Principal, key: str) -> str:
    return f"u{principal.user_id}:{key}"


@router.post("/opportunities/{opportunity_id}/execute", response_model=schemas.Execution,
             responses={**ERRORS, **NOT_FOUND})
async def execute(*, request: Request,
                  opportunity_id: OpportunityId,
                  body: Annotated[schemas.ExecuteRequest | None, Body()] = None,
                  idempotency_key: Annotated[
                      str | None, Header(alias="Idempotency-Key", min_length=1, max_length=128,
                                         description="or the body field idempotency_key")] = None,
                  principal: TraderCaller,
                  ctx: Ctx) -> schemas.Execution:
    """Trade a current opportunity (live: sent; dry-run: simulated and recorded only).
    The same idempotency key never trades twice: a retry returns the first trade with
    ``duplicate: true``, even once the opportunity is gone. 409 with the reason for a
    stale opportunity, one not profitable after gas, the observe mode or a risk limit."""
    request_body = body or schemas.ExecuteRequest()
    key = _idempotency_key(idempotency_key, request_body.idempotency_key)
    reply = await ctx.engine.call(
        "ExecuteOpportunity",
        pb.ExecuteOpportunityRequest(chain_id=_chain_of(opportunity_id),
                                     opportunity_id=opportunity_id,
                                     block_number=request_body.block_number,
                                     idempotency_key=_scoped(principal, key)),
        principal.subject, principal.role)
    result = schemas.Execution.model_validate(to_dict(reply))
    trade = result.trade
    await ctx.auth.audit(principal.subject, "trade.execute", f"trade:{trade.id}",
                         client_ip(request),
                         {"opportunity_id": opportunity_id, "idempotency_key": key,
                          "duplicate": result.duplicate, "status": trade.status,
                          "mode": trade.mode})
    return result


# --- mode and risk limits -------------------------------------------------------------------


@router.get("/mode", response_model=schemas.ModeState, responses=ERRORS)
async def get_mode(*, principal: ViewerCaller,
                   ctx: Ctx) -> schemas.ModeState:
    """The execution mode: observe, dry_run or live."""
    reply = await ctx.engine.call("GetRiskLimits", pb.GetRiskLimitsRequest(),
                                  principal.subject, principal.role)
    return schemas.ModeState(mode=to_dict(reply)["mode"])


@router.put("/mode", response_model=schemas.ModeChanged, responses=ERRORS)
async def set_mode(*, request: Request, body: schemas.ModeUpdate,
                   principal: AdminCaller,
                   ctx: Ctx) -> schemas.ModeChanged:
    """Switch observe / dry_run / live (audited)."""
    reply = await ctx.engine.call("SetMode", pb.SetModeRequest(mode=_mode_value(body.mode)),
                                  principal.subject, principal.role)
    changed = schemas.ModeChanged.model_validate(to_dict(reply))
    await ctx.auth.audit(principal.subject, "engine.set_mode", "mode", client_ip(request),
                         changed.model_dump())
    return changed


@router.get("/risk-limits", response_model=schemas.RiskState, responses=ERRORS)
async def get_risk_limits(*, principal: ViewerCaller,
                          ctx: Ctx) -> schemas.RiskState:
    """The risk limits, the mode, the trades in flight and today's loss."""
    reply = await ctx.engine.call("GetRiskLimits", pb.GetRiskLimitsRequest(),
                                  principal.subject, principal.role)
    return schemas.RiskState.model_validate(to_dict(reply))


_ENGINE_FIELD = re.compile(r"^limits\.(\w+)(?:\[(.*)\])?$")


def _body_error(exc: EngineRejected) -> Exception:
    """The engine names ``limits.<field>[<key>]``: the body's field, for a 422."""
    match = _ENGINE_FIELD.match(exc.field or "")
    if exc.status != 422 or match is None:
        return exc
    loc: list[str | int] = ["body", match.group(1)]
    if match.group(2) is not None:
        loc.append(match.group(2))
    return _invalid(loc, exc.message)


@router.put("/risk-limits", response_model=schemas.RiskLimits, responses=ERRORS)
async def set_risk_limits(*, request: Request, body: schemas.RiskLimitsUpdate,
                          principal: AdminCaller,
                          ctx: Ctx) -> schemas.RiskLimits:
    """Change risk limits; fields left out keep their value (audited). Answers the
    limits now in force."""
    changes = body.model_dump(exclude_none=True)
    limits = pb.RiskLimits(**{k: v for k, v in changes.items() if k != "max_amount_in"})
    if body.max_amount_in is not None:
        limits.max_amount_in.update(body.max_amount_in)
        limits.replace_max_amount_in = True
    try:
        reply = await ctx.engine.call("SetRiskLimits", pb.SetRiskLimitsRequest(limits=limits),
                                      principal.subject, principal.role)
    except EngineRejected as exc:
        raise _body_error(exc) from None
    result = schemas.RiskLimits.model_validate(to_dict(reply.limits))
    await ctx.auth.audit(principal.subject, "engine.set_risk_limits", "risk-limits",
                         client_ip(request), {"changes": changes, "limits": result.model_dump()})
    return result


# --- models --------------------------------------------------------------------------------

PREDICTION_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS, **NOT_FOUND,
    409: {"model": schemas.Problem, "description": "the engine runs without models (the "
                                                   "reason says so)"},
}
_POOLS_FIELD = re.compile(r"^pools(?:\[(\d+)\])?$")


def _query_error(exc: EngineRejected) -> Exception:
    """The engine names ``pools[<i>]``: the query parameter ``pool`` (repeated)."""
    match = _POOLS_FIELD.match(exc.field or "")
    if match is None:
        return exc
    if exc.status == 404:
        index = match.group(1)
        return EngineRejected(404, exc.message, "pool" if index is None else f"pool[{index}]")
    loc: list[str | int] = ["query", "pool"]
    if match.group(1) is not None:
        loc.append(int(match.group(1)))
    return _invalid(loc, exc.message)


@router.get("/predictions", response_model=schemas.Predictions, responses=PREDICTION_ERRORS)
async def predictions(*, chain_id: Annotated[int, Query(ge=0, le=UINT64_MAX)],
                      pool: Annotated[list[str] | None,
                                      Query(max_length=256, description="a pool address "
                                                                        "(repeat for several; "
                                                                        "at least one)")] = None,
                      principal: ViewerCaller,
                      ctx: Ctx) -> schemas.Predictions:
    """The served models' predictions for pools of one chain, at the latest block they
    observed: predicted log return and P(up), the most likely pattern, the anomaly
    score and flag, the registry version of each model. A pool with too little history
    yet has ``ready: false``. 409 with the engine's reason when it runs without models."""
    try:
        reply = await ctx.engine.call("Predict",
                                      pb.PredictRequest(chain_id=chain_id, pools=pool or []),
                                      principal.subject, principal.role)
    except EngineRejected as exc:
        raise _query_error(exc) from None
    return schemas.Predictions.model_validate(to_dict(reply))


# --- statistics ----------------------------------------------------------------------------

STATS_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": schemas.Problem, "description": "unknown chain_id"},
    422: {"model": schemas.Problem},
    503: {"model": schemas.Problem, "description": "engine unavailable (Retry-After)"},
}


@router.get("/stats", response_model=schemas.Stats, responses=STATS_ERRORS)
async def stats(*, chain_id: ChainFilter = 0,
                max_points: Annotated[int, Query(ge=1, le=5000, description="most points in "
                                                 "each series")] = 500,
                principal: ViewerCaller,
                ctx: Ctx) -> schemas.Stats:
    """Realized PnL per start token (today UTC, 7 days, all time) and in USD when priced,
    gas spent per chain, trade counts and success rate, opportunities stored, the
    engine's latency percentiles per stage and its resource use, and the series of the
    performance charts. ``chain_id`` filters the trading figures and the opportunity
    counts; latencies and resources are the engine's, for every chain."""
    reply = await ctx.engine.call("GetStats",
                                  pb.GetStatsRequest(chain_id=chain_id, max_points=max_points),
                                  principal.subject, principal.role)
    body = to_dict(reply)
    if body["trades"] is not None:  # the REST trade status names (see Trade.status)
        body["trades"]["by_status"] = {name.removeprefix("TRADE_STATUS_").lower(): count
                                       for name, count in body["trades"]["by_status"].items()}
    return schemas.Stats.model_validate(body)
