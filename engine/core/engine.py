"""The engine core: one engine_rs.Market, its read model and history, and the fan-out.

Everything here runs on the event loop thread (the chain layer's tasks and
the gRPC handlers share it); each call is short: engine_rs does the math in
one batched call per block. Not thread-safe by design. Pool state is read
from the Market itself (``PoolView`` copies); the read model (``state.py``)
holds only what the Market does not: tokens, heads, gas prices, and the block
each pool last changed at.

Inputs (the chain layer): ``add_tokens``, ``add_pools``, ``set_head``,
``apply_block``, ``rollback``, ``report_sync``. Outputs: ``PriceEvent`` and
``OpportunityEvent`` to ``subscribe_prices`` / ``subscribe_opportunities``,
and rows to the ``Recorder`` (the store). With models, the ``scorer``
(engine/execution/gate.py) gives each published opportunity its
``ModelVerdict``, carried by the event and recorded with the opportunity.
"""

from __future__ import annotations

import logging
import time
from collections import ChainMap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

import engine_rs
from engine import metrics
from engine.config import ChainConfig, EngineConfig
from engine.core.errors import BlockRejected, InvalidRequest, NotFound
from engine.core.events import (
    BlockUpdate,
    ModelVerdict,
    OpportunityEvent,
    PoolAdded,
    PriceEvent,
    RollbackResult,
    TokenAdded,
    V2PoolAdded,
)
from engine.core.history import Change, HeadChange, History, PoolsChange, TokensChange
from engine.core.latency import LatencyRecorder
from engine.core.pubsub import Hub, Subscription
from engine.core.reference_prices import ReferencePrices
from engine.core.state import (
    ChainHead,
    Key,
    MarketView,
    PoolView,
    TokenInfo,
    normalize_address,
    token_info,
)

log = logging.getLogger(__name__)


class SyncState(Enum):
    IDLE = "idle"
    SYNCING = "syncing"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    FAILED = "failed"


def touched_pools(block: BlockUpdate) -> list[Key]:
    """The pools a block's updates name, each once, in first-update order."""
    return list(dict.fromkeys(
        (int(u[1]), normalize_address(u[2])) for u in block.updates  # type: ignore[call-overload, arg-type]
    ))


def opportunity_id(opp: engine_rs.Opportunity) -> str:
    """Stable across blocks and pool-set changes: chain, pools in order, directions."""
    dirs = "".join("1" if z else "0" for z in opp.zero_for_one)
    return f"{opp.chain_id}:{','.join(opp.pools)}:{dirs}"


@dataclass(frozen=True, slots=True)
class SeenOpportunity:
    """An opportunity reported for the first time with this sizing, and where."""

    opportunity: engine_rs.Opportunity
    id: str
    block_number: int
    block_hash: str
    observed_ns: int
    published_ns: int
    verdict: ModelVerdict | None = None  # the models' verdict when it was seen (None: no models)


class Recorder(Protocol):
    """Where the engine's rows go (engine/store); every call must return at once."""

    def record_tokens(self, tokens: Sequence[TokenInfo]) -> None: ...
    def record_pools(self, pools: Sequence[PoolView]) -> None: ...
    def record_block(
        self, chain_id: int, head: ChainHead, pools: Sequence[PoolView],
        opportunities: Sequence[SeenOpportunity],
    ) -> None: ...
    def record_rollback(self, chain_id: int, to_number: int) -> None: ...


class OpportunityScorer(Protocol):
    """The strategy's verdict on each opportunity from the models (engine/execution/gate.py).

    Called on the event loop as each block's opportunities are published, in
    one batch per chain and block; must return quickly (per-block cached scores).
    """

    def assess(self, chain_id: int,
               opportunities: Sequence[engine_rs.Opportunity]) -> list[ModelVerdict]: ...


class BlockObserver(Protocol):
    """Told of every applied block and every rollback (the model runtime's feed).

    Called on the event loop right after the block is applied, before it is
    published; must return quickly. An exception is logged, never propagated.
    ``pools``: the pools the block changed, as they are now; ``previous``: the
    same pools just before the block; ``after``: the read model now, whose
    ``pools`` keys name every pool ``market`` holds.
    """

    def on_block(self, block: BlockUpdate, pools: Sequence[PoolView],
                 previous: Sequence[PoolView], after: MarketView,
                 market: engine_rs.Market) -> None: ...
    def on_rollback(self, chain_id: int, to_number: int) -> None: ...


@dataclass(slots=True)
class ChainRuntime:
    """Per-chain counters and sync state (not part of the market history)."""

    config: ChainConfig
    state: SyncState = SyncState.IDLE
    chain_head: int = 0
    blocks_processed: int = 0
    blocks_failed: int = 0
    reorgs: int = 0
    last_error: str = ""
    # opportunity id -> (amount_in, profit_net, model decision) last recorded, to record
    # changes only
    last_sizing: dict[str, tuple[int, int, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChainStatus:
    chain_id: int
    name: str
    state: SyncState
    head: ChainHead | None
    chain_head: int
    sync_lag: int
    tokens: int
    pools: int
    blocks_processed: int
    blocks_failed: int
    reorgs: int
    gas_price_wei: int
    last_error: str


@dataclass(frozen=True, slots=True)
class EngineStatus:
    mode: str
    chains: list[ChainStatus]
    tokens: int
    pools: int
    cycles: int
    opportunities: int
    subscribers: int
    uptime_s: float


@dataclass(frozen=True, slots=True)
class QuoteResult:
    chain_id: int
    tokens: list[str]
    amounts: list[int]
    block_number: int


class Engine:
    def __init__(self, config: EngineConfig, *, recorder: Recorder | None = None) -> None:
        self.config = config
        self.recorder = recorder
        self.started_at = time.monotonic()
        self.market = engine_rs.Market(
            max_hops=config.search.max_hops,
            min_profit=config.search.min_profit,
            top_k=config.search.top_k,
            gas_overhead=config.gas.overhead,
            gas_v2_hop=config.gas.v2_hop,
            gas_v3_hop=config.gas.v3_hop,
            gas_v3_tick=config.gas.v3_tick,
        )
        self.chains = {c.chain_id: ChainRuntime(c) for c in config.chains}
        self._base_tokens = {c.chain_id: c.base_token_addresses() for c in config.chains}
        self._native = {c.chain_id: c.native_token_address() for c in config.chains}
        self.view = MarketView()
        self.opportunities: list[engine_rs.Opportunity] = []
        # (chain_id, cycle_id) -> opportunity_id; cycle ids hold while the pool set and the
        # base tokens do (cleared when either changes, and on rollback)
        self._cycle_ids: dict[tuple[int, int], str] = {}
        self.prices: Hub[PriceEvent] = Hub(config.api.stream_buffer)
        self.opportunity_events: Hub[OpportunityEvent] = Hub(config.api.stream_buffer)
        self.observers: list[BlockObserver] = []
        # the models' verdicts (None: no models); per chain, of its current opportunities
        self.scorer: OpportunityScorer | None = None
        self._verdicts: dict[int, dict[str, ModelVerdict]] = {}
        # the pipeline's stage latencies (GetStats); the executor records its stages here too
        self.latency = LatencyRecorder()
        # USD reference prices from the chains' price feeds (set by engine/chain/oracle.py)
        self.reference_prices = ReferencePrices(config.chains)
        # configured tokens are part of the starting market, before the history
        for chain in config.chains:
            self._apply(TokensChange(chain.chain_id, tuple(
                TokenAdded(chain.chain_id, t.address, t.decimals, t.symbol) for t in chain.tokens
            )))
        self.history = History(self._depth, self.market.snapshot(), self.view)
        if recorder is not None:
            recorder.record_tokens(list(self.view.tokens.values()))

    def _depth(self, chain_id: int) -> int:
        runtime = self.chains.get(chain_id)
        return runtime.config.reorg_depth if runtime else 64

    def require_chain(self, chain_id: int, field_name: str = "chain_id") -> ChainRuntime:
        runtime = self.chains.get(chain_id)
        if runtime is None:
            raise NotFound(field_name, f"unknown chain {chain_id}")
        return runtime

    # --- applying changes (live and replayed) ---------------------------------

    def _apply(self, change: Change) -> list[Key]:
        """Apply one change to the market and the read model; returns the pools it touched.

        Atomic: on an error the market and the view are as before.
        """
        if isinstance(change, TokensChange | PoolsChange):
            self._cycle_ids.clear()  # the cycle index is rebuilt
        if isinstance(change, TokensChange):
            view = self.view.evolve(tokens=True)
            for token in change.tokens:
                self.market.add_token(token.chain_id, token.address, token.decimals, token.symbol)
                info = token_info(token)
                view.tokens[(info.chain_id, info.address)] = info
            self.view = view
            self._set_base_tokens(change.chain_id)
            return []
        if isinstance(change, PoolsChange):
            before = self.market.snapshot()
            view = self.view.evolve()
            touched: list[Key] = []
            try:
                for pool in change.pools:
                    self._add_pool(pool)
                    key = (pool.chain_id, normalize_address(pool.address))
                    view.pools[key] = pool.block_number
                    touched.append(key)
            except Exception:
                self.market.restore(before)
                raise
            self.view = view
            return touched
        if isinstance(change, HeadChange):
            view = self.view.evolve()
            view.heads[change.chain_id] = ChainHead(change.number, change.hash.lower(), change.timestamp)
            self.view = view
            return []
        return self._apply_block_updates(change)

    def _apply_block_updates(self, block: BlockUpdate, *, live: bool = False) -> list[Key]:
        """engine_rs first (atomic: it raises before changing anything), then the read model
        (which pools changed at this block, the head, the gas price).

        ``live``: ``Market.update`` also re-evaluates the cycles through the
        touched pools and refreshes ``self.opportunities``; replays only apply.
        """
        native = self._native.get(block.chain_id)
        set_gas = (
            block.gas_price_wei is not None
            and native is not None
            and (block.chain_id, native) in self.view.tokens
            and self.view.gas_price_wei.get(block.chain_id) != block.gas_price_wei
        )
        # a rejected batch changes nothing in engine_rs; only the gas price set first needs undoing
        before = self.market.snapshot() if set_gas else None
        try:
            if set_gas:
                self.market.set_gas_price(block.chain_id, block.gas_price_wei, native)  # type: ignore[arg-type]
            if live:
                opportunities = self.market.update(block.updates)
            else:
                self.market.apply_updates(block.updates)
        except Exception:
            if before is not None:
                self.market.restore(before)
            raise
        view = self.view.evolve()
        touched = touched_pools(block)  # engine_rs accepted them: each is a pool of the market
        for key in touched:
            view.pools[key] = block.number
        view.heads[block.chain_id] = ChainHead(block.number, block.hash.lower(), block.timestamp)
        if set_gas:
            view.gas_price_wei[block.chain_id] = block.gas_price_wei  # type: ignore[assignment]
        self.view = view
        if live:
            self.opportunities = opportunities
        return touched

    def _add_pool(self, pool: PoolAdded) -> None:
        if isinstance(pool, V2PoolAdded):
            self.market.add_v2_pool(
                pool.chain_id, pool.address, pool.token0, pool.token1,
                pool.reserve0, pool.reserve1, pool.fee_bps, pool.dex,
            )
        else:
            self.market.add_v3_pool(
                pool.chain_id, pool.address, pool.token0, pool.token1, pool.fee,
                pool.tick_spacing, pool.sqrt_price_x96, pool.tick, pool.liquidity,
                list(pool.ticks), pool.dex,
            )

    def _set_base_tokens(self, chain_id: int) -> None:
        known = [t for t in self._base_tokens.get(chain_id, []) if (chain_id, t) in self.view.tokens]
        if known:
            max_input = self.chains[chain_id].config.max_input
            if max_input is None:
                self.market.set_base_tokens(chain_id, known)
            else:
                self.market.set_base_tokens(chain_id, known, max_input)

    def _record(self, change: Change) -> None:
        self.history.append(change, self.market.snapshot(), self.view)

    # --- chain layer inputs ----------------------------------------------------

    def add_tokens(self, tokens: Iterable[TokenAdded]) -> None:
        """Add tokens (idempotent); a configured base token becomes a cycle start once known."""
        by_chain: dict[int, list[TokenAdded]] = {}
        for token in tokens:
            self.require_chain(token.chain_id)
            by_chain.setdefault(token.chain_id, []).append(token)
        for chain_id, batch in by_chain.items():
            change = TokensChange(chain_id, tuple(batch))
            self._apply(change)
            self._record(change)
            if self.recorder is not None:
                self.recorder.record_tokens([token_info(t) for t in batch])

    def add_pools(self, pools: Iterable[PoolAdded]) -> None:
        """Add pools with their full state (read at each pool's ``block_number``).

        Atomic per chain: if engine_rs rejects one pool (unknown token, a pool
        already present, tokens out of order), none of that chain's batch is
        added and the ValueError propagates. Rebuilds the cycle index and
        publishes the affected chains' opportunities.
        """
        by_chain: dict[int, list[PoolAdded]] = {}
        for pool in pools:
            self.require_chain(pool.chain_id)
            by_chain.setdefault(pool.chain_id, []).append(pool)
        for chain_id, batch in by_chain.items():
            change = PoolsChange(chain_id, tuple(batch))
            touched = self._apply(change)
            self._record(change)
            states = self._pool_views(touched)
            if self.recorder is not None:
                self.recorder.record_pools(states)
            self.opportunities = self.market.scan()
            self._publish(chain_id, None, states, time.time_ns())
        metrics.POOLS.set(self.market.num_pools)

    def set_head(self, chain_id: int, number: int, hash: str, timestamp: int = 0) -> None:
        """Declare the chain's head without updates (the block the initial sync read state at)."""
        self.require_chain(chain_id)
        change = HeadChange(chain_id, number, hash, timestamp)
        self._apply(change)
        self._record(change)
        metrics.HEAD_BLOCK.labels(chain_id).set(number)

    def apply_block(self, block: BlockUpdate) -> list[engine_rs.Opportunity]:
        """Apply one block atomically, re-evaluate the cycles it touched and publish.

        The block must extend the head: ``number > head``, and when
        ``number == head + 1`` its ``parent_hash`` must be the head's hash
        (otherwise: a reorg; roll back first). On rejection (that, or engine_rs
        refusing an update) nothing is applied, the error is counted and shown
        in the chain's status, and ``BlockRejected`` is raised. Returns the
        chain's current opportunities.
        """
        runtime = self.require_chain(block.chain_id)
        started = time.perf_counter()
        head = self.view.heads.get(block.chain_id)
        previous: dict[Key, PoolView] = {}
        try:
            if head is not None and block.number <= head.number:
                raise BlockRejected(
                    f"chain {block.chain_id}: block {block.number} does not extend head "
                    f"{head.number}; roll back first"
                )
            if (
                head is not None
                and block.number == head.number + 1
                and block.parent_hash.lower() != head.hash
            ):
                raise BlockRejected(
                    f"chain {block.chain_id}: block {block.number}'s parent {block.parent_hash} "
                    f"is not head {head.hash}: reorg, roll back first"
                )
            try:
                if self.observers:  # the pools as they are before the block (views are copies)
                    known = [k for k in touched_pools(block) if k in self.view.pools]
                    previous = dict(zip(known, self._pool_views(known), strict=True))
                touched = self._apply_block_updates(block, live=True)
            except (ValueError, TypeError, KeyError, IndexError, AssertionError) as exc:
                raise BlockRejected(f"chain {block.chain_id}: block {block.number}: {exc}") from exc
        except BlockRejected as exc:
            runtime.blocks_failed += 1
            runtime.last_error = str(exc)
            metrics.BLOCKS_FAILED.labels(block.chain_id).inc()
            log.error("block rejected", extra={"chain_id": block.chain_id, "block": block.number,
                                               "error": str(exc)})
            raise
        self._record(block)
        runtime.blocks_processed += 1
        runtime.last_error = ""
        states = self._pool_views(touched)
        for observer in self.observers:
            try:
                observer.on_block(block, states, [previous[k] for k in touched], self.view,
                                  self.market)
            except Exception:  # an observer never fails a block
                log.exception("block observer failed", extra={"chain_id": block.chain_id,
                                                              "block": block.number})
        chain_opps = self._publish(block.chain_id, block, states, block.observed_ns)
        metrics.BLOCKS_PROCESSED.labels(block.chain_id).inc()
        metrics.HEAD_BLOCK.labels(block.chain_id).set(block.number)
        metrics.APPLY_LATENCY.observe(time.perf_counter() - started)
        self._update_lag(runtime)
        return chain_opps

    def rollback(self, chain_id: int, to_number: int) -> RollbackResult:
        """Undo the chain's blocks above ``to_number`` (see engine/core/history.py).

        The other chains keep their state. Pools of this chain whose state was
        read above ``to_number`` are removed (``RollbackResult.removed_pools``):
        re-read and re-add them. Publishes the chain's opportunities after.
        """
        runtime = self.require_chain(chain_id)
        plan = self.history.plan_rollback(chain_id, to_number)
        if plan is None:
            return RollbackResult(chain_id, to_number, [], [])
        self.market.restore(plan.base_snapshot)
        self._cycle_ids.clear()
        self.view = plan.base_view
        for change in plan.replay:
            try:
                self._apply(change)
            except ValueError as exc:  # cannot happen for disjoint chains; never lose the rest
                log.error("replay after rollback dropped a change",
                          extra={"chain_id": change.chain_id, "error": str(exc)})
                continue
            self._record(change)
        self.opportunities = self.market.scan()
        for observer in self.observers:
            try:
                observer.on_rollback(chain_id, to_number)
            except Exception:
                log.exception("block observer failed on rollback", extra={"chain_id": chain_id})
        runtime.reorgs += 1
        metrics.REORGS.labels(chain_id).inc()
        head = self.view.heads.get(chain_id)
        metrics.HEAD_BLOCK.labels(chain_id).set(head.number if head else 0)
        if self.recorder is not None:
            self.recorder.record_rollback(chain_id, to_number)
        restored = self.market.pools(chain_id)
        self._publish(chain_id, None, restored, time.time_ns())
        log.warning("rolled back", extra={"chain_id": chain_id, "to_block": to_number,
                                          "blocks": len(plan.removed_blocks)})
        self._update_lag(runtime)
        return RollbackResult(chain_id, to_number, plan.removed_blocks, plan.removed_pools)

    def report_sync(
        self, chain_id: int, state: SyncState, *, chain_head: int | None = None,
        error: str | None = None,
    ) -> None:
        """The chain layer's view of a chain: its state, the node's head, its last error."""
        runtime = self.require_chain(chain_id)
        runtime.state = state
        if chain_head is not None:
            runtime.chain_head = chain_head
        if error is not None:
            runtime.last_error = error
        self._update_lag(runtime)

    def _update_lag(self, runtime: ChainRuntime) -> None:
        metrics.SYNC_LAG.labels(runtime.config.chain_id).set(self._lag(runtime))

    def _lag(self, runtime: ChainRuntime) -> int:
        head = self.view.heads.get(runtime.config.chain_id)
        if not runtime.chain_head or head is None:
            return 0
        return max(0, runtime.chain_head - head.number)

    # --- publishing ------------------------------------------------------------

    def _publish(
        self, chain_id: int, block: BlockUpdate | None, pools: list[PoolView], observed_ns: int
    ) -> list[engine_rs.Opportunity]:
        head = self.view.heads.get(chain_id)
        number = block.number if block else (head.number if head else 0)
        block_hash = block.hash.lower() if block else (head.hash if head else "")
        chain_opps = [o for o in self.opportunities if o.chain_id == chain_id]
        verdicts = self._assess(chain_id, chain_opps)
        published = time.time_ns()
        if pools:
            self.prices.publish(
                PriceEvent(chain_id, number, block_hash, pools, observed_ns, published)
            )
        self.opportunity_events.publish(
            OpportunityEvent(chain_id, number, block_hash, chain_opps, observed_ns, published,
                             verdicts=verdicts)
        )
        metrics.PIPELINE_LATENCY.labels(chain_id).observe(max(0, published - observed_ns) / 1e9)
        if block is not None:
            self.latency.record("block_to_opportunities", published - observed_ns, at_ns=published)
        metrics.OPPORTUNITIES.labels(chain_id).set(len(chain_opps))
        seen = self._newly_sized(chain_id, chain_opps, verdicts, number, block_hash, observed_ns,
                                 published)
        if self.recorder is not None and (block is not None or seen):
            self.recorder.record_block(
                chain_id, head or ChainHead(number, block_hash, 0), pools if block else [], seen
            )
        return chain_opps

    def _assess(self, chain_id: int,
                opps: list[engine_rs.Opportunity]) -> dict[str, ModelVerdict]:
        """The scorer's verdicts by opportunity id, kept as the chain's current ones."""
        verdicts: dict[str, ModelVerdict] = {}
        if self.scorer is not None and opps:
            try:
                assessed = self.scorer.assess(chain_id, opps)
                verdicts = {self._opportunity_id(o): v for o, v in zip(opps, assessed, strict=True)}
            except Exception:  # no verdict is published; the execution gate still decides
                log.exception("scoring opportunities failed", extra={"chain_id": chain_id})
        self._verdicts[chain_id] = verdicts
        return verdicts

    @property
    def verdicts(self) -> Mapping[str, ModelVerdict]:
        """The models' verdicts on the current opportunities of every chain, by id."""
        return ChainMap(*self._verdicts.values())

    def _newly_sized(
        self, chain_id: int, opps: list[engine_rs.Opportunity],
        verdicts: Mapping[str, ModelVerdict], number: int, block_hash: str, observed_ns: int,
        published_ns: int,
    ) -> list[SeenOpportunity]:
        """Opportunities with a new sizing or a new model decision since the last block."""
        runtime = self.chains[chain_id]
        current: dict[str, tuple[int, int, str]] = {}
        seen: list[SeenOpportunity] = []
        for opp in opps:
            oid = self._opportunity_id(opp)
            verdict = verdicts.get(oid)
            sizing = (opp.amount_in, opp.profit_net, verdict.decision if verdict else "")
            current[oid] = sizing
            if runtime.last_sizing.get(oid) != sizing:
                seen.append(SeenOpportunity(opp, oid, number, block_hash, observed_ns, published_ns,
                                            verdict))
        runtime.last_sizing = current
        if seen:
            metrics.OPPORTUNITIES_SEEN.labels(chain_id).inc(len(seen))
        return seen

    def _opportunity_id(self, opp: engine_rs.Opportunity) -> str:
        """``opportunity_id``, cached by cycle: building it reads the path out of engine_rs,
        which for every ranked opportunity of every block cost more than the rest of a block."""
        key = (opp.chain_id, opp.cycle_id)
        oid = self._cycle_ids.get(key)
        if oid is None:
            oid = self._cycle_ids[key] = opportunity_id(opp)
        return oid

    def subscribe_prices(self) -> Subscription[PriceEvent]:
        return self.prices.subscribe()

    def subscribe_opportunities(self) -> Subscription[OpportunityEvent]:
        return self.opportunity_events.subscribe()

    # --- queries ---------------------------------------------------------------

    def block_hash(self, chain_id: int, number: int) -> str | None:
        """The hash of an applied block still in the history (for finding a reorg's ancestor)."""
        return self.history.block_hash(chain_id, number)

    def head(self, chain_id: int) -> ChainHead | None:
        return self.view.heads.get(chain_id)

    def is_base(self, chain_id: int, address: str) -> bool:
        return address in self._base_tokens.get(chain_id, ())

    def is_native(self, chain_id: int, address: str) -> bool:
        return self._native.get(chain_id) == address

    def tokens(self, chain_id: int = 0) -> list[TokenInfo]:
        return [t for t in self.view.tokens.values() if not chain_id or t.chain_id == chain_id]

    def pools(self, chain_id: int = 0, token: str = "") -> list[PoolView]:
        """Every pool's current state (of one chain, holding one token, if given)."""
        views = self.market.pools(chain_id or None)
        return [p for p in views if token in (p.token0, p.token1)] if token else views

    def token(self, chain_id: int, address: str, field_name: str) -> TokenInfo:
        self.require_chain(chain_id)
        info = self.view.tokens.get((chain_id, normalize_address(address)))
        if info is None:
            raise NotFound(field_name, f"unknown token {address} on chain {chain_id}")
        return info

    def pool(self, chain_id: int, address: str, field_name: str) -> PoolView:
        self.require_chain(chain_id)
        view = self.find_pool(chain_id, address)
        if view is None:
            raise NotFound(field_name, f"unknown pool {address} on chain {chain_id}")
        return view

    def find_pool(self, chain_id: int, address: str) -> PoolView | None:
        """A pool's current state, None when the market has no such pool."""
        key = (chain_id, normalize_address(address))
        return self.market.pool(*key) if key in self.view.pools else None

    def updated_block(self, pool: PoolView) -> int:
        """The block the pool's state was last set at (read at, or changed by a log of)."""
        return self.view.pools.get((pool.chain_id, pool.address), 0)

    def _pool_views(self, keys: Iterable[Key]) -> list[PoolView]:
        return [self.market.pool(chain_id, address) for chain_id, address in keys]

    def quote(self, chain_id: int, pools: Sequence[str], token_in: str, amount_in: int) -> QuoteResult:
        """Exact outputs of each hop along ``pools`` (engine_rs Market.quote)."""
        if not pools:
            raise InvalidRequest("pools", "at least one pool is required")
        token = self.token(chain_id, token_in, "token_in").address
        path = [token]
        for i, address in enumerate(pools):
            pool = self.pool(chain_id, address, f"pools[{i}]")
            if path[-1] not in (pool.token0, pool.token1):
                raise InvalidRequest(f"pools[{i}]", f"pool {pool.address} does not hold {path[-1]}")
            path.append(pool.token1 if path[-1] == pool.token0 else pool.token0)
        try:
            amounts = self.market.quote(chain_id, list(pools), token, amount_in)
        except ValueError as exc:
            raise InvalidRequest("amount_in", f"the swap reverts: {exc}") from exc
        head = self.view.heads.get(chain_id)
        return QuoteResult(chain_id, path, list(amounts), head.number if head else 0)

    def best_route(
        self, chain_id: int, token_in: str, token_out: str, amount_in: int, max_hops: int = 0
    ) -> engine_rs.Route | None:
        tin = self.token(chain_id, token_in, "token_in").address
        tout = self.token(chain_id, token_out, "token_out").address
        if tin == tout:
            raise InvalidRequest("token_out", "must differ from token_in")
        try:
            return self.market.best_route(
                chain_id, tin, tout, amount_in, max_hops or self.config.search.max_hops
            )
        except ValueError as exc:
            raise InvalidRequest("amount_in", str(exc)) from exc

    def status(self) -> EngineStatus:
        chains = []
        token_counts: dict[int, int] = {}
        pool_counts: dict[int, int] = {}
        for t in self.view.tokens.values():
            token_counts[t.chain_id] = token_counts.get(t.chain_id, 0) + 1
        for c, _ in self.view.pools:
            pool_counts[c] = pool_counts.get(c, 0) + 1
        for chain_id, rt in self.chains.items():
            chains.append(ChainStatus(
                chain_id, rt.config.name, rt.state, self.view.heads.get(chain_id), rt.chain_head,
                self._lag(rt), token_counts.get(chain_id, 0), pool_counts.get(chain_id, 0),
                rt.blocks_processed, rt.blocks_failed, rt.reorgs,
                self.view.gas_price_wei.get(chain_id, 0), rt.last_error,
            ))
        return EngineStatus(
            mode=self.config.mode,
            chains=chains,
            tokens=self.market.num_tokens,
            pools=self.market.num_pools,
            cycles=self.market.num_cycles,
            opportunities=len(self.opportunities),
            subscribers=len(self.prices) + len(self.opportunity_events),
            uptime_s=time.monotonic() - self.started_at,
        )

