"""The execution RPCs of EngineService: simulate, execute, trades, mode and risk limits.

A mixin of ``EngineService`` (engine/api/service.py) so the trading handlers
live apart from the market ones. Without an executor (no ``execution`` in the
config) every one of them answers FAILED_PRECONDITION.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc.aio

from engine import metrics
from engine.api import convert
from engine.api.gen.arbitrage.v1 import engine_pb2 as pb
from engine.core.errors import InvalidRequest, NotFound, PreconditionFailed
from engine.core.pubsub import Resync
from engine.execution import Executor
from engine.store.trades import TradeFilter, decode_page_token

MAX_KEY = 200
MAX_PAGE = 1000
DEFAULT_PAGE = 100


class TradingRpcs:
    executor: Executor | None

    def _executor(self) -> Executor:
        if self.executor is None:
            raise PreconditionFailed("execution is not configured (no `execution` in the config)")
        return self.executor

    async def SimulateOpportunity(self, request: pb.SimulateOpportunityRequest, context: grpc.aio.ServicerContext) -> pb.SimulateOpportunityResponse:
        executor = self._executor()
        chain_id = convert.chain_id("chain_id", request.chain_id)
        if not request.opportunity_id:
            raise InvalidRequest("opportunity_id", "is required")
        opp = executor.current(chain_id, request.opportunity_id, request.block_number)
        return convert.simulation(await executor.simulate(opp))

    async def ExecuteOpportunity(self, request: pb.ExecuteOpportunityRequest, context: grpc.aio.ServicerContext) -> pb.ExecuteOpportunityResponse:
        executor = self._executor()
        chain_id = convert.chain_id("chain_id", request.chain_id)
        key = request.idempotency_key
        if not key:
            raise InvalidRequest("idempotency_key", "is required")
        if len(key) > MAX_KEY:
            raise InvalidRequest("idempotency_key", f"must be at most {MAX_KEY} characters")
        if not request.opportunity_id:
            raise InvalidRequest("opportunity_id", "is required")
        store = executor.store
        existing = await store.call(store.get_by_key, "rpc:" + key)
        if existing is not None:  # a replay answers even once the opportunity is gone
            return pb.ExecuteOpportunityResponse(trade=convert.trade(existing), duplicate=True)
        opp = executor.current(chain_id, request.opportunity_id, request.block_number)
        trade, duplicate = await executor.execute(opp, "rpc:" + key, source="rpc")
        return pb.ExecuteOpportunityResponse(trade=convert.trade(trade), duplicate=duplicate)

    async def GetTrade(self, request: pb.GetTradeRequest, context: grpc.aio.ServicerContext) -> pb.GetTradeResponse:
        store = self._executor().store
        if not request.id:
            raise InvalidRequest("id", "is required")
        trade = await store.call(store.get, request.id)
        if trade is None:
            raise NotFound("id", f"no trade {request.id}")
        return pb.GetTradeResponse(trade=convert.trade(trade))

    async def ListTrades(self, request: pb.ListTradesRequest, context: grpc.aio.ServicerContext) -> pb.ListTradesResponse:
        store = self._executor().store
        where = TradeFilter(
            chain_id=request.chain_id,
            statuses=[convert.trade_status(f"statuses[{i}]", s) for i, s in enumerate(request.statuses)],
            base_token=convert.address("base_token", request.base_token, required=False),
            pool=convert.address("pool", request.pool, required=False),
            since_ns=request.since_unix_nanos,
        )
        if request.page_size > MAX_PAGE:
            raise InvalidRequest("page_size", f"must be at most {MAX_PAGE}")
        if request.page_token:
            try:
                decode_page_token(request.page_token)
            except ValueError as exc:
                raise InvalidRequest("page_token", str(exc)) from None
        trades, token = await store.call(store.list, where, request.page_size or DEFAULT_PAGE,
                                         request.page_token)
        return pb.ListTradesResponse(trades=[convert.trade(t) for t in trades], next_page_token=token)

    async def StreamTrades(self, request: pb.StreamTradesRequest, context: grpc.aio.ServicerContext) -> AsyncIterator[pb.TradeUpdate]:
        executor = self._executor()
        chains = set(request.chain_ids)

        def wanted(chain_id: int) -> bool:
            return not chains or chain_id in chains

        with executor.subscribe() as sub:
            metrics.SUBSCRIBERS.labels("trades").inc()
            try:
                for flight in list(executor._in_flight.values()):
                    if wanted(flight.trade.chain_id):
                        yield pb.TradeUpdate(trade=convert.trade(flight.trade), snapshot=True)
                while True:
                    event = await sub.get()
                    if isinstance(event, Resync):
                        metrics.EVENTS_DROPPED.labels("trades").inc(event.dropped)
                        for flight in list(executor._in_flight.values()):
                            if wanted(flight.trade.chain_id):
                                yield pb.TradeUpdate(trade=convert.trade(flight.trade),
                                                     snapshot=True, dropped=event.dropped)
                    elif wanted(event.chain_id):
                        yield pb.TradeUpdate(trade=convert.trade(event))
            finally:
                metrics.SUBSCRIBERS.labels("trades").dec()

    async def SetMode(self, request: pb.SetModeRequest, context: grpc.aio.ServicerContext) -> pb.SetModeResponse:
        executor = self._executor()
        mode = convert.execution_mode("mode", request.mode)
        previous = executor.set_mode(mode)
        return pb.SetModeResponse(mode=convert.EXECUTION_MODES[mode],
                                  previous=convert.EXECUTION_MODES[previous])

    async def SetRiskLimits(self, request: pb.SetRiskLimitsRequest, context: grpc.aio.ServicerContext) -> pb.SetRiskLimitsResponse:
        executor = self._executor()
        limits = convert.updated_limits(executor.risk.limits, request.limits)
        executor.set_limits(limits)
        return pb.SetRiskLimitsResponse(limits=convert.risk_limits(limits))

    async def GetRiskLimits(self, request: pb.GetRiskLimitsRequest, context: grpc.aio.ServicerContext) -> pb.GetRiskLimitsResponse:
        executor = self._executor()
        return pb.GetRiskLimitsResponse(
            limits=convert.risk_limits(executor.risk.limits),
            mode=convert.EXECUTION_MODES[executor.mode], in_flight=executor.in_flight,
            loss_today_wei=str(executor.risk.loss_today_wei),
        )
