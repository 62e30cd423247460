"""EngineService: each RPC parses its request, asks the engine or the store, converts.

Handlers raise the core's errors (InvalidRequest, NotFound); the interceptor
turns them into status codes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, TypeVar

import grpc.aio

from engine import metrics
from engine.api import convert
from engine.api.gen.arbitrage.v1 import engine_pb2 as pb
from engine.api.gen.arbitrage.v1 import engine_pb2_grpc
from engine.api.stats import DEFAULT_POINTS, MAX_POINTS, StatsBuilder
from engine.api.trading import TradingRpcs
from engine.core.engine import Engine, opportunity_id
from engine.core.errors import InvalidRequest, PreconditionFailed
from engine.core.events import OpportunityEvent, PriceEvent
from engine.core.pubsub import Resync
from engine.execution import Executor, Mode
from engine.store import OpportunityFilter, Store
from engine.store.store import decode_page_token

if TYPE_CHECKING:
    from engine.models.serving import EngineModels

VERSION = "0.1.0"
MAX_PAGE = 1000
DEFAULT_PAGE = 100


SQLITE_MAX_INT = 2**63 - 1
_WithOpportunities = TypeVar("_WithOpportunities", pb.OpportunityBatch, pb.ListOpportunitiesResponse)


class EngineService(TradingRpcs, engine_pb2_grpc.EngineServiceServicer):
    def __init__(self, engine: Engine, store: Store | None, executor: Executor | None = None,
                 models: EngineModels | None = None) -> None:
        self.engine = engine
        self.store = store
        self.executor = executor
        self.models = models
        prices = engine.reference_prices  # USD valuation only where some chain has price feeds
        self.stats = StatsBuilder(engine, store, executor.store.path if executor else None,
                                  usd_price=prices.usd_price if prices.configured else None)

    async def GetStatus(self, request: pb.GetStatusRequest, context: grpc.aio.ServicerContext) -> pb.GetStatusResponse:
        response = convert.status(self.engine.status(), VERSION)
        if self.executor is not None and self.executor.mode is Mode.LIVE:
            response.mode = pb.MODE_TRADE
        return response

    async def ListTokens(self, request: pb.ListTokensRequest, context: grpc.aio.ServicerContext) -> pb.ListTokensResponse:
        if request.chain_id:
            self.engine.require_chain(request.chain_id)
        e = self.engine
        prices = e.reference_prices
        return pb.ListTokensResponse(tokens=[
            convert.token(t, is_base=e.is_base(t.chain_id, t.address),
                          is_native=e.is_native(t.chain_id, t.address),
                          reference=prices.get(t.chain_id, t.address),
                          feed=prices.feed(t.chain_id, t.address))
            for t in e.tokens(request.chain_id)
        ])

    async def ListPools(self, request: pb.ListPoolsRequest, context: grpc.aio.ServicerContext) -> pb.ListPoolsResponse:
        token = convert.address("token", request.token, required=False)
        if request.chain_id:
            self.engine.require_chain(request.chain_id)
        tokens = self.engine.view.tokens
        prices = self.engine.reference_prices
        pools = []
        for p in self.engine.pools(request.chain_id, token):
            deviation = prices.deviation(p, tokens)
            pools.append(convert.pool(
                p, tokens, updated_block=self.engine.updated_block(p),
                include_ticks=request.include_ticks, oracle_deviation=deviation,
                off_oracle=prices.off_oracle(p.chain_id, deviation),
            ))
        return pb.ListPoolsResponse(pools=pools)

    async def Quote(self, request: pb.QuoteRequest, context: grpc.aio.ServicerContext) -> pb.QuoteResponse:
        chain_id = convert.chain_id("chain_id", request.chain_id)
        pools = [convert.address(f"pools[{i}]", p) for i, p in enumerate(request.pools)]
        token_in = convert.address("token_in", request.token_in)
        amount_in = convert.uint256("amount_in", request.amount_in)
        result = self.engine.quote(chain_id, pools, token_in, amount_in)
        return pb.QuoteResponse(
            chain_id=chain_id, tokens=result.tokens, amounts=convert.strs(result.amounts),
            amount_out=str(result.amounts[-1]), block_number=result.block_number,
        )

    async def BestRoute(self, request: pb.BestRouteRequest, context: grpc.aio.ServicerContext) -> pb.BestRouteResponse:
        chain_id = convert.chain_id("chain_id", request.chain_id)
        token_in = convert.address("token_in", request.token_in)
        token_out = convert.address("token_out", request.token_out)
        amount_in = convert.uint256("amount_in", request.amount_in)
        if request.max_hops > 4:
            raise InvalidRequest("max_hops", "must be between 1 and 4 (0 = configured)")
        route = self.engine.best_route(chain_id, token_in, token_out, amount_in, request.max_hops)
        head = self.engine.head(chain_id)
        response = pb.BestRouteResponse(block_number=head.number if head else 0)
        if route is not None:
            response.route.CopyFrom(convert.route(route))
        return response

    async def StreamPrices(self, request: pb.StreamPricesRequest, context: grpc.aio.ServicerContext) -> AsyncIterator[pb.PriceUpdate]:
        chains = set(request.chain_ids)
        pools = {convert.address(f"pools[{i}]", p) for i, p in enumerate(request.pools)}
        for c in chains:
            self.engine.require_chain(c, "chain_ids")

        def wanted(chain_id: int, address: str) -> bool:
            return (not chains or chain_id in chains) and (not pools or address in pools)

        def snapshot(dropped: int) -> pb.PriceUpdate:
            tokens = self.engine.view.tokens
            return pb.PriceUpdate(
                prices=[convert.pool_price(p, tokens) for p in self.engine.pools()
                        if wanted(p.chain_id, p.address)],
                snapshot=True, published_unix_nanos=time.time_ns(), dropped=dropped,
            )

        with self.engine.subscribe_prices() as sub:
            metrics.SUBSCRIBERS.labels("prices").inc()
            try:
                yield snapshot(0)
                while True:
                    event = await sub.get()
                    if isinstance(event, Resync):
                        metrics.EVENTS_DROPPED.labels("prices").inc(event.dropped)
                        yield snapshot(event.dropped)
                        continue
                    message = self._price_update(event, wanted)
                    if message is not None:
                        yield message
            finally:
                metrics.SUBSCRIBERS.labels("prices").dec()

    def _price_update(self, event: PriceEvent, wanted: object) -> pb.PriceUpdate | None:
        tokens = self.engine.view.tokens
        prices = [convert.pool_price(p, tokens) for p in event.pools if wanted(p.chain_id, p.address)]  # type: ignore[operator]
        if not prices:
            return None
        return pb.PriceUpdate(
            chain_id=event.chain_id, block_number=event.block_number, block_hash=event.block_hash,
            prices=prices, observed_unix_nanos=event.observed_ns,
            published_unix_nanos=event.published_ns,
        )

    async def StreamOpportunities(self, request: pb.StreamOpportunitiesRequest, context: grpc.aio.ServicerContext) -> AsyncIterator[pb.OpportunityBatch]:
        chains = set(request.chain_ids)
        for c in chains:
            self.engine.require_chain(c, "chain_ids")
        bases = {convert.address(f"base_tokens[{i}]", b) for i, b in enumerate(request.base_tokens)}
        min_profit = convert.int256("min_profit_net", request.min_profit_net)

        def batch(event: OpportunityEvent, *, dropped: int = 0) -> pb.OpportunityBatch:
            return pb.OpportunityBatch(
                chain_id=event.chain_id, block_number=event.block_number,
                block_hash=event.block_hash, snapshot=event.snapshot, dropped=dropped,
                observed_unix_nanos=event.observed_ns, published_unix_nanos=event.published_ns,
                opportunities=[
                    convert.opportunity(
                        o, id=(oid := opportunity_id(o)), block_number=event.block_number,
                        block_hash=event.block_hash, observed_ns=event.observed_ns,
                        published_ns=event.published_ns, verdict=event.verdicts.get(oid),
                    )
                    for o in event.opportunities
                    if (not bases or o.base_token in bases)
                    and (min_profit is None or o.profit_net >= min_profit)
                ],
            )

        def snapshot(dropped: int) -> pb.OpportunityBatch:
            now = time.time_ns()
            current = [o for o in self.engine.opportunities if not chains or o.chain_id in chains]
            message = batch(OpportunityEvent(0, 0, "", current, now, now, snapshot=True,
                                             verdicts=self.engine.verdicts),
                            dropped=dropped)
            # each opportunity carries its own chain's head
            for o in message.opportunities:
                head = self.engine.head(o.chain_id)
                o.block_number, o.block_hash = (head.number, head.hash) if head else (0, "")
            return message

        with self.engine.subscribe_opportunities() as sub:
            metrics.SUBSCRIBERS.labels("opportunities").inc()
            try:
                yield self._with_usd(snapshot(0))
                while True:
                    event = await sub.get()
                    if isinstance(event, Resync):
                        metrics.EVENTS_DROPPED.labels("opportunities").inc(event.dropped)
                        yield self._with_usd(snapshot(event.dropped))
                    elif not chains or event.chain_id in chains:
                        yield self._with_usd(batch(event))
            finally:
                metrics.SUBSCRIBERS.labels("opportunities").dec()

    async def ListOpportunities(self, request: pb.ListOpportunitiesRequest, context: grpc.aio.ServicerContext) -> pb.ListOpportunitiesResponse:
        if self.store is None:
            raise InvalidRequest("store", "this engine runs without storage")
        # SQLite integers are signed 64-bit: larger block numbers cannot exist.
        for field in ("chain_id", "from_block"):
            if getattr(request, field) > SQLITE_MAX_INT:
                raise InvalidRequest(field, f"must be at most {SQLITE_MAX_INT}")
        where = OpportunityFilter(
            chain_id=request.chain_id,
            base_token=convert.address("base_token", request.base_token, required=False),
            pool=convert.address("pool", request.pool, required=False),
            min_profit_net=convert.int256("min_profit_net", request.min_profit_net),
            from_block=request.from_block,
        )
        if request.page_size > MAX_PAGE:
            raise InvalidRequest("page_size", f"must be at most {MAX_PAGE}")
        page_size = request.page_size or DEFAULT_PAGE
        if request.page_token:
            try:
                decode_page_token(request.page_token)
            except ValueError as exc:
                raise InvalidRequest("page_token", str(exc)) from None
        rows, token = await asyncio.to_thread(
            self.store.list_opportunities, where, page_size, request.page_token
        )
        return self._with_usd(pb.ListOpportunitiesResponse(
            opportunities=[
                convert.opportunity(
                    r, id=r.id, block_number=r.block_number, block_hash=r.block_hash,
                    observed_ns=r.observed_ns, published_ns=r.published_ns, verdict=r.verdict,
                )
                for r in rows
            ],
            next_page_token=token,
        ))

    def _with_usd(self, message: _WithOpportunities) -> _WithOpportunities:
        """Values the message's opportunities in USD at the current reference prices."""
        prices = self.engine.reference_prices
        if prices.configured:
            tokens = self.engine.view.tokens
            for o in message.opportunities:
                token = tokens.get((o.chain_id, o.base_token))
                convert.value_in_usd(o, prices, token.decimals if token else None)
        return message

    async def GetConfig(self, request: pb.GetConfigRequest, context: grpc.aio.ServicerContext) -> pb.GetConfigResponse:
        return pb.GetConfigResponse(config_json=self.engine.config.redacted_json())

    async def GetStats(self, request: pb.GetStatsRequest, context: grpc.aio.ServicerContext) -> pb.GetStatsResponse:
        if request.chain_id:
            self.engine.require_chain(request.chain_id)
        if request.max_points > MAX_POINTS:
            raise InvalidRequest("max_points", f"must be at most {MAX_POINTS} (0 = {DEFAULT_POINTS})")
        return await self.stats.build(request.chain_id, request.max_points or DEFAULT_POINTS)

    # --- models --------------------------------------------------------------------

    def _require_models(self) -> EngineModels:
        if self.models is None:
            raise PreconditionFailed("this engine runs without models (models.enabled is false)")
        return self.models

    def _prediction_pools(self, chain_id: int, addresses: Sequence[str], *,
                          required: bool) -> list[str]:
        self.engine.require_chain(chain_id)
        if not addresses:
            if required:
                raise InvalidRequest("pools", "at least one pool is required")
            return [p.address for p in self.engine.pools(chain_id)]
        return [self.engine.pool(chain_id, convert.address(f"pools[{i}]", a), f"pools[{i}]").address
                for i, a in enumerate(addresses)]

    async def _predict(self, models: EngineModels, chain_id: int, pools: list[str]) -> pb.PredictResponse:
        predictions = await asyncio.to_thread(models.predict, chain_id, pools)
        threshold = models.anomaly_threshold
        response = pb.PredictResponse(
            chain_id=chain_id, block_number=max((max(p.block, 0) for p in predictions), default=0),
        )
        if threshold is not None:
            response.anomaly_threshold = threshold
        for p in predictions:
            message = response.predictions.add(
                chain_id=p.chain_id, pool=p.pool, block_number=max(p.block, 0),
                ready=p.anomaly_score is not None or p.p_up is not None or p.pattern is not None,
                pattern=p.pattern or "", anomalous=p.anomalous,
            )
            message.model_versions.update(p.versions)
            if p.log_return is not None:
                message.log_return = p.log_return
            if p.p_up is not None:
                message.p_up = p.p_up
            if p.pattern_probs:
                message.pattern_probs.update(p.pattern_probs)
            if p.anomaly_score is not None:
                message.anomaly_score = p.anomaly_score
        return response

    async def Predict(self, request: pb.PredictRequest, context: grpc.aio.ServicerContext) -> pb.PredictResponse:
        models = self._require_models()
        chain_id = convert.chain_id("chain_id", request.chain_id)
        pools = self._prediction_pools(chain_id, request.pools, required=True)
        return await self._predict(models, chain_id, pools)

    async def StreamPredictions(self, request: pb.StreamPredictionsRequest, context: grpc.aio.ServicerContext) -> AsyncIterator[pb.PredictResponse]:
        models = self._require_models()
        chain_id = convert.chain_id("chain_id", request.chain_id)
        requested = list(request.pools)
        pools = self._prediction_pools(chain_id, requested, required=False)
        metrics.SUBSCRIBERS.labels("predictions").inc()
        try:
            while True:
                updated = models.updated(chain_id)  # taken before predicting: no block is missed
                yield await self._predict(models, chain_id, pools)
                await updated.wait()
                if not requested:  # every pool of the chain: pick up pools added since
                    pools = self._prediction_pools(chain_id, requested, required=False)
        finally:
            metrics.SUBSCRIBERS.labels("predictions").dec()
