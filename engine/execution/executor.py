"""Opportunities to trades: risk check, simulate, gate, sign, record, send, track.

Order of one trade (each status is committed to trades.db before the next step):

  refusal? (mode, kill switch, in flight, size cap, daily loss, pool cooldown)
  created            the idempotency key is claimed; nothing on chain yet
  eth_call + estimateGas at the latest block (one batch)
    reverted / not profitable after gas / refused by the gate -> failed_simulation
  simulated          (final in dry-run)
  nonce, sign; sent  committed with the tx hash, nonce and signed bytes, then broadcast
  tracking           receipts of every in-flight tx in one batch per poll:
                     mined (profit from TradeExecuted) / reverted / dropped;
                     not mined after ``stuck_after_s``: replaced (same nonce, higher
                     fees), or cancelled once its deadline block has passed

``start`` reconciles every open trade with the chain (engine/execution/reconcile.py)
before the first new trade. The engine's own loop (``auto``) trades the
opportunities each block publishes, except those the models' verdict skips
(engine/execution/gate.py); the gRPC API trades one on request, and the same
gate refuses it when its verdict is a skip.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import engine_rs
from engine.config import EngineConfig, ExecutionConfig
from engine.core.engine import Engine, opportunity_id
from engine.core.errors import NotFound, PreconditionFailed
from engine.core.events import SKIP
from engine.core.pubsub import Hub, Resync, Subscription
from engine.execution import encoding
from engine.execution.gate import GateDecision, admit
from engine.execution.nonces import NonceManager
from engine.execution.risk import Mode, RiskGuard, RiskLimits, day_start_ns
from engine.execution.sender import (
    Fees,
    NodeClient,
    RpcError,
    Simulation,
    SimulationReverted,
    eip1559_fees,
)
from engine.execution.signer import Signer
from engine.store.trades import FINAL, SignedTx, StatusChange, Trade, TradeStatus, TradeStore

log = logging.getLogger(__name__)

CANCEL_GAS = 21_000
Gate = Callable[[engine_rs.Opportunity, Simulation], GateDecision]


@dataclass(frozen=True, slots=True)
class SimulationReport:
    opportunity_id: str
    chain_id: int
    ok: bool
    profit: int  # the executor's exact answer (0 when it reverted)
    gas_estimate: int
    fees: Fees | None
    gas_cost_wei: int
    gas_cost: int  # in start token units
    profit_net: int
    block_number: int
    reason: str  # why it is not executable ("" when ok)


class ChainExecution:
    """One chain's executor contract, node client, pool factories and nonces."""

    def __init__(self, chain_id: int, executor: str, url: str, directory: encoding.PoolDirectory,
                 native: str | None) -> None:
        self.chain_id = chain_id
        self.executor = executor
        self.url = url
        self.directory = directory
        self.native = native
        self.client: NodeClient | None = None
        self.nonces: NonceManager | None = None

    @property
    def node(self) -> NodeClient:
        assert self.client is not None, "executor not started"
        return self.client


@dataclass(slots=True)
class InFlight:
    trade: Trade
    fees: Fees
    first_sent: float  # monotonic
    last_sent: float
    replacements: int = 0
    cancelling: bool = False


class Executor:
    def __init__(self, engine: Engine, config: ExecutionConfig, chains: list[ChainExecution],
                 store: TradeStore, signer: Signer, *, stream_buffer: int = 256) -> None:
        self.engine = engine
        self.config = config
        self.chains = {c.chain_id: c for c in chains}
        self.store = store
        self.signer = signer
        self.risk = RiskGuard(RiskLimits.from_config(config.risk), Mode(config.mode))
        self.gate: Gate = admit
        self.trades: Hub[Trade] = Hub(stream_buffer)
        self.ready = asyncio.Event()  # set once reconciled: new trades wait for it
        self._in_flight: dict[str, InFlight] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loops: list[asyncio.Task[None]] = []
        # the auto trader's trades not sent yet: trade id -> when its opportunity was published
        self._published_ns: dict[str, int] = {}
        self._started_ns = time.time_ns()  # receipts of txs sent before this are not timed

    # --- life cycle --------------------------------------------------------------------

    async def start(self, *, auto: bool = True) -> None:
        from engine.execution.reconcile import reconcile

        for chain in self.chains.values():
            chain.client = NodeClient(chain.url)
        await reconcile(self)
        self.risk.lost(await self.store.call(self.store.gas_lost_since, day_start_ns()))
        self.ready.set()
        self._loops.append(asyncio.create_task(self._track(), name="arbx-trade-tracker"))
        if auto:
            self._loops.append(asyncio.create_task(self._auto(), name="arbx-auto-trader"))
        log.info("execution started", extra={
            "mode": self.risk.mode.value, "sender": self.signer.address,
            "chains": sorted(self.chains), "in_flight": len(self._in_flight),
        })

    async def stop(self) -> None:
        for task in [*self._loops, *self._tasks]:
            task.cancel()
        for task in [*self._loops, *self._tasks]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for chain in self.chains.values():
            if chain.client is not None:
                await chain.client.close()

    # --- queries and controls --------------------------------------------------------------

    @property
    def mode(self) -> Mode:
        return self.risk.mode

    def set_mode(self, mode: Mode) -> Mode:
        previous, self.risk.mode = self.risk.mode, mode
        log.warning("execution mode changed", extra={"mode": mode.value, "previous": previous.value})
        return previous

    def set_limits(self, limits: RiskLimits) -> None:
        self.risk.limits = limits
        log.warning("risk limits changed", extra={"kill_switch": limits.kill_switch,
                                                   "max_in_flight": limits.max_in_flight})

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def subscribe(self) -> Subscription[Trade]:
        return self.trades.subscribe()

    def current(self, chain_id: int, opp_id: str, block_number: int = 0) -> engine_rs.Opportunity:
        """The engine's current opportunity ``opp_id``; PreconditionFailed when stale."""
        if chain_id not in self.chains:
            raise NotFound("chain_id", f"chain {chain_id} has no executor configured")
        head = self.engine.head(chain_id)
        head_number = head.number if head else 0
        if block_number and block_number != head_number:
            raise PreconditionFailed(
                f"stale: the opportunity was computed on block {block_number}, the head is "
                f"block {head_number}"
            )
        for opp in self.engine.opportunities:
            if opp.chain_id == chain_id and opportunity_id(opp) == opp_id:
                return opp
        raise PreconditionFailed(
            f"stale: opportunity {opp_id} is not among the current opportunities of block "
            f"{head_number} (the market moved)"
        )

    # --- simulate ------------------------------------------------------------------------

    def _route(self, opp: engine_rs.Opportunity) -> list[encoding.Hop]:
        try:
            return encoding.hops(opp, self.engine.find_pool, self.chains[opp.chain_id].directory)
        except encoding.RouteError as exc:
            raise PreconditionFailed(f"cannot encode the route: {exc}") from None

    def _deadline(self, chain_id: int) -> int:
        head = self.engine.head(chain_id)
        return (head.number if head else 0) + max(self.config.deadline_blocks, 1)

    def gas_in_token(self, opp: engine_rs.Opportunity, gas_wei: int) -> int:
        """Wei of gas in the start token's units, at the price the engine costs gas with."""
        chain = self.chains[opp.chain_id]
        if chain.native is not None and opp.base_token == chain.native:
            return gas_wei
        price = self.engine.view.gas_price_wei.get(opp.chain_id, 0)
        if opp.gas_units and price:
            return opp.gas_cost * gas_wei // (opp.gas_units * price)
        return 0  # the engine has no gas price for this chain yet: gas is not priced

    async def _simulate(
        self, opp: engine_rs.Opportunity, route: list[encoding.Hop], deadline: int
    ) -> tuple[Simulation | None, SimulationReport]:
        chain = self.chains[opp.chain_id]
        oid = opportunity_id(opp)
        data = encoding.execute_calldata(route, opp.amount_in, 0, deadline, self.config.flash)
        try:
            sim = await chain.node.simulate(self.signer.address, chain.executor, data)
        except SimulationReverted as exc:
            return None, SimulationReport(oid, opp.chain_id, False, 0, 0, None, 0, 0, 0, 0,
                                          f"simulation reverted: {exc.reason}")
        fees = eip1559_fees(sim.base_fee_wei, self.config.priority_fee_wei,
                            self.config.base_fee_multiplier)
        gas_wei = sim.gas_estimate * (sim.base_fee_wei + fees.max_priority_fee_per_gas)
        gas_cost = self.gas_in_token(opp, gas_wei)
        net = sim.profit - gas_cost
        reason = self.risk.profit_refusal(net) or ""
        return sim, SimulationReport(oid, opp.chain_id, not reason, sim.profit, sim.gas_estimate,
                                     fees, gas_wei, gas_cost, net, sim.block_number, reason)

    async def simulate(self, opp: engine_rs.Opportunity) -> SimulationReport:
        """eth_call of the trade at the latest block; records nothing."""
        if opp.chain_id not in self.chains:
            raise NotFound("chain_id", f"chain {opp.chain_id} has no executor configured")
        _, report = await self._simulate(opp, self._route(opp), self._deadline(opp.chain_id))
        return report

    # --- execute -------------------------------------------------------------------------

    def _refusal(self, opp: engine_rs.Opportunity) -> str | None:
        head = self.engine.head(opp.chain_id)
        token = self.engine.view.tokens.get((opp.chain_id, opp.base_token))
        return self.risk.refusal(opp.chain_id, opp.pools, opp.base_token,
                                 token.symbol if token else "", opp.amount_in,
                                 head.number if head else 0)

    async def execute(
        self, opp: engine_rs.Opportunity, idempotency_key: str, *, source: str = "rpc"
    ) -> tuple[Trade, bool]:
        """Trade ``opp`` once per ``idempotency_key``: (the trade, True when the key was used
        before and nothing was done). PreconditionFailed when it may not or should not be sent
        (the trade, when one was recorded, holds the same reason)."""
        await self.ready.wait()
        existing = await self.store.call(self.store.get_by_key, idempotency_key)
        if existing is not None:
            return existing, True
        if opp.chain_id not in self.chains:
            raise NotFound("chain_id", f"chain {opp.chain_id} has no executor configured")
        refusal = self._refusal(opp)
        if refusal is not None:
            raise PreconditionFailed(refusal)
        trade_id = uuid.uuid4().hex
        self.risk.hold(trade_id, opp.chain_id, opp.pools)
        trade, duplicate = await self._run(opp, idempotency_key, source, trade_id)
        if not duplicate and trade.status is TradeStatus.FAILED_SIMULATION:
            raise PreconditionFailed(trade.reason)
        return trade, duplicate

    async def _run(
        self, opp: engine_rs.Opportunity, key: str, source: str, trade_id: str
    ) -> tuple[Trade, bool]:
        """The steps of one trade; the caller has ``hold``-ed ``trade_id`` in the risk guard."""
        try:
            return await self._steps(opp, key, source, trade_id)
        finally:
            self._published_ns.pop(trade_id, None)
            if trade_id not in self._in_flight:
                self.risk.release(trade_id)

    async def _steps(
        self, opp: engine_rs.Opportunity, key: str, source: str, trade_id: str
    ) -> tuple[Trade, bool]:
        chain = self.chains[opp.chain_id]
        route = self._route(opp)
        deadline = self._deadline(opp.chain_id)
        head = self.engine.head(opp.chain_id)
        now = time.time_ns()
        mode = self.risk.mode
        trade = Trade(
            id=trade_id, idempotency_key=key, source=source, mode=mode.value, chain_id=opp.chain_id,
            opportunity_id=opportunity_id(opp), block_number=head.number if head else 0,
            base_token=opp.base_token, pools=list(opp.pools), tokens=list(opp.tokens),
            executor=chain.executor,
            calldata=encoding.execute_calldata(route, opp.amount_in, 0, deadline, self.config.flash),
            amount_in=opp.amount_in, min_profit=0, deadline_block=deadline, flash=self.config.flash,
            profit_expected=opp.profit_gross, gas_cost_expected=opp.gas_cost,
            status=TradeStatus.CREATED, sender=self.signer.address, created_ns=now, updated_ns=now,
            history=[StatusChange(TradeStatus.CREATED, now)],
        )
        if not await self.store.call(self.store.insert, trade):
            existing = await self.store.call(self.store.get_by_key, key)
            assert existing is not None
            return existing, True
        self.trades.publish(trade)

        sim, report = await self._simulate(opp, route, deadline)
        if sim is None or not report.ok:
            return await self._failed_simulation(trade, report.reason, report), False
        decision = self.gate(opp, sim)
        if not decision.passed:
            return await self._failed_simulation(trade, f"gate: {decision.reason}", report), False
        min_profit = max(1, report.gas_cost)
        calldata = encoding.execute_calldata(route, opp.amount_in, min_profit, deadline,
                                             self.config.flash)
        gas_limit = sim.gas_estimate * (100 + self.config.gas_limit_margin_percent) // 100
        assert report.fees is not None
        detail = f"profit {sim.profit} at block {sim.block_number}"
        if self.gate is not admit:
            detail += f"; gate: {decision.reason}"
        trade = await self._advance(
            trade, TradeStatus.SIMULATED, detail,
            final=mode is not Mode.LIVE, calldata=calldata, min_profit=min_profit,
            profit_expected=sim.profit, gas_cost_expected=report.gas_cost, gas_limit=gas_limit,
        )
        if mode is not Mode.LIVE:
            return trade, False
        return await self._send(trade, chain, report.fees), False

    async def _failed_simulation(self, trade: Trade, reason: str, report: SimulationReport) -> Trade:
        head = self.engine.head(trade.chain_id)
        self.risk.failed(trade.chain_id, trade.pools, head.number if head else 0)
        log.info("simulation failed", extra={"trade": trade.id, "reason": reason})
        return await self._advance(trade, TradeStatus.FAILED_SIMULATION, reason, reason=reason,
                                   profit_expected=report.profit,
                                   gas_cost_expected=report.gas_cost)

    async def _send(self, trade: Trade, chain: ChainExecution, fees: Fees) -> Trade:
        assert chain.nonces is not None and trade.gas_limit is not None
        nonce = chain.nonces.allocate()
        signed = self.signer.sign(
            chain_id=chain.chain_id, nonce=nonce, to=chain.executor, data=trade.calldata,
            gas=trade.gas_limit, max_fee_per_gas=fees.max_fee_per_gas,
            max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
        )
        record = SignedTx(signed.tx_hash, trade.id, chain.chain_id, self.signer.address, nonce,
                          "original", fees.max_fee_per_gas, fees.max_priority_fee_per_gas,
                          signed.raw, time.time_ns())
        # committed before the node sees it: a crash from here on is found by reconcile
        trade = await self._advance(
            trade, TradeStatus.SENT, f"nonce {nonce}", signed=record, nonce=nonce,
            tx_hash=signed.tx_hash, max_fee_per_gas=fees.max_fee_per_gas,
            max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
        )
        try:
            await chain.node.send_raw(signed.raw)
        except RpcError as exc:
            if "already known" not in exc.message.lower():
                return await self._rejected(trade, chain, nonce, exc)
        except (TimeoutError, OSError) as exc:
            # unknown whether the node took it: track it; reconcile-like checks settle it
            log.warning("send outcome unknown", extra={"trade": trade.id, "error": str(exc)})
        published_ns = self._published_ns.pop(trade.id, None)
        if published_ns is not None:
            self.engine.latency.record("opportunity_to_send", time.time_ns() - published_ns)
        now = time.monotonic()
        self._in_flight[trade.id] = InFlight(trade, fees, now, now)
        return trade

    async def _rejected(self, trade: Trade, chain: ChainExecution, nonce: int, exc: RpcError) -> Trade:
        assert chain.nonces is not None
        message = exc.message.lower()
        if "nonce too low" in message or "nonce too high" in message:
            chain.nonces.resync(await chain.node.nonce(self.signer.address, "pending"))
        else:
            chain.nonces.release(nonce)
        head = self.engine.head(trade.chain_id)
        self.risk.failed(trade.chain_id, trade.pools, head.number if head else 0)
        return await self._advance(trade, TradeStatus.DROPPED, f"the node rejected it: {exc.message}")

    async def _advance(
        self, trade: Trade, status: TradeStatus, detail: str = "", *, final: bool | None = None,
        signed: SignedTx | None = None, **fields: Any,
    ) -> Trade:
        """Commit a status change, then publish the updated trade."""
        now = time.time_ns()
        is_final = status in FINAL if final is None else final
        await self.store.call(self.store.transition, trade.id, status, detail=detail,
                              final=is_final, signed=signed, at_ns=now, **fields)
        if detail and "reason" not in fields and status in (
            TradeStatus.FAILED_SIMULATION, TradeStatus.DROPPED, TradeStatus.REVERTED
        ):
            fields["reason"] = detail
        updated = replace(
            trade, status=status, final=is_final, updated_ns=now, **fields,
            history=[*trade.history, StatusChange(status, now, signed.tx_hash if signed else
                                                  fields.get("tx_hash") or "", detail)],
            txs=[*trade.txs, signed] if signed else trade.txs,
        )
        self.trades.publish(updated)
        return updated

    # --- the engine's own loop -------------------------------------------------------------

    async def _auto(self) -> None:
        with self.engine.subscribe_opportunities() as sub:
            self._consider(self.engine.opportunities)
            while True:
                event = await sub.get()
                if isinstance(event, Resync):
                    self._consider(self.engine.opportunities)
                else:
                    self._consider(event.opportunities, event.published_ns)

    def _consider(self, opportunities: list[engine_rs.Opportunity], published_ns: int = 0) -> None:
        """Start a trade of each opportunity worth one; ``published_ns``: when they were
        published (0: unknown, e.g. after a resync), for the opportunity_to_send latency."""
        if self.risk.mode is Mode.OBSERVE:
            return
        verdicts = self.engine.verdicts  # the models' (empty without models)
        for opp in sorted(opportunities, key=lambda o: o.profit_net, reverse=True):
            if opp.chain_id not in self.chains or opp.profit_net < self.risk.limits.min_profit_net:
                continue
            if self._refusal(opp) is not None:
                continue
            oid = opportunity_id(opp)
            verdict = verdicts.get(oid)
            if verdict is not None and verdict.decision == SKIP:
                # the strategy skips it: recorded with the opportunity, not tried as a trade
                log.debug("opportunity skipped by the models",
                         extra={"opportunity": oid, "reason": verdict.reason})
                continue
            head = self.engine.head(opp.chain_id)
            key = f"auto:{oid}:{head.number if head else 0}:{opp.amount_in}"
            trade_id = uuid.uuid4().hex
            self.risk.hold(trade_id, opp.chain_id, opp.pools)
            if published_ns:
                self._published_ns[trade_id] = published_ns
            task = asyncio.create_task(self._auto_trade(opp, key, trade_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _auto_trade(self, opp: engine_rs.Opportunity, key: str, trade_id: str) -> None:
        try:
            trade, _ = await self._run(opp, key, "auto", trade_id)
            log.info("trade", extra={"trade": trade.id, "status": trade.status.value,
                                     "reason": trade.reason})
        except PreconditionFailed as exc:
            log.info("trade not started", extra={"reason": exc.reason})
        except Exception:
            log.exception("trade failed unexpectedly", extra={"trade": trade_id})

    # --- tracking ------------------------------------------------------------------------

    def resume(self, trade: Trade, fees: Fees) -> None:
        """Track a trade found in flight by reconcile."""
        now = time.monotonic()
        self.risk.hold(trade.id, trade.chain_id, trade.pools)
        self._in_flight[trade.id] = InFlight(trade, fees, now, now)

    async def _track(self) -> None:
        while True:
            await asyncio.sleep(self.config.receipt_poll_s)
            for chain in self.chains.values():
                flights = [f for f in self._in_flight.values() if f.trade.chain_id == chain.chain_id]
                if flights:
                    try:
                        await self.poll(chain, flights)
                    except (TimeoutError, RpcError, OSError) as exc:
                        log.warning("receipt poll failed", extra={"chain_id": chain.chain_id,
                                                                  "error": str(exc)})
                    except Exception:
                        log.exception("receipt poll failed", extra={"chain_id": chain.chain_id})

    async def poll(self, chain: ChainExecution, flights: list[InFlight]) -> None:
        """One round: the sender's mined nonce, then every hash's receipt, in one batch."""
        hashes = [(f, tx.tx_hash) for f in flights for tx in f.trade.txs]
        results = await chain.node.batch([
            ("eth_getTransactionCount", [self.signer.address, "latest"]),
            ("eth_blockNumber", []),
            *(("eth_getTransactionReceipt", [h]) for _, h in hashes),
        ])
        for r in results:
            if isinstance(r, RpcError):
                raise r
        mined_nonce, head = int(results[0], 16), int(results[1], 16)
        receipts: dict[str, dict[str, Any]] = {
            h: r for (_, h), r in zip(hashes, results[2:], strict=True) if r is not None
        }
        for flight in flights:
            trade = flight.trade
            found = next(((tx, receipts[tx.tx_hash]) for tx in trade.txs if tx.tx_hash in receipts),
                         None)
            if found is not None:
                await self.finish(trade, found[0], found[1], head)
            elif trade.nonce is not None and mined_nonce > trade.nonce:
                await self._final(trade, TradeStatus.DROPPED,
                                  f"nonce {trade.nonce} was used by another transaction", head)
            elif time.monotonic() - flight.last_sent >= self.config.stuck_after_s:
                await self._unstick(chain, flight, head)

    async def finish(self, trade: Trade, tx: SignedTx, receipt: dict[str, Any], head: int) -> Trade:
        """Record a trade's receipt: mined (with the realized profit), reverted, or cancelled."""
        gas_used = int(receipt["gasUsed"], 16)
        price = int(receipt.get("effectiveGasPrice") or "0x0", 16)
        block = int(receipt["blockNumber"], 16)
        fields: dict[str, Any] = {"tx_hash": tx.tx_hash, "gas_used": gas_used,
                                  "effective_gas_price": price, "mined_block": block}
        if tx.kind == "cancel":
            self.risk.lost(gas_used * price)
            return await self._final(trade, TradeStatus.DROPPED,
                                     f"cancelled by {tx.tx_hash} in block {block}", head, **fields)
        if tx.sent_ns >= self._started_ns:  # sent by this process (not found by reconcile)
            self.engine.latency.record("send_to_mined", time.time_ns() - tx.sent_ns)
        if int(receipt["status"], 16) == 1:
            event = encoding.trade_executed(receipt, trade.executor)
            profit = event.profit if event is not None else 0
            return await self._final(trade, TradeStatus.MINED,
                                     f"block {block}, profit {profit}", head,
                                     profit_realized=profit, **fields)
        self.risk.lost(gas_used * price)
        self.risk.failed(trade.chain_id, trade.pools, head)
        return await self._final(trade, TradeStatus.REVERTED,
                                 f"reverted in block {block} (gas {gas_used})", head,
                                 profit_realized=0, **fields)

    async def _final(self, trade: Trade, status: TradeStatus, detail: str, head: int,
                     **fields: Any) -> Trade:
        self._in_flight.pop(trade.id, None)
        self.risk.release(trade.id)
        if status is TradeStatus.DROPPED:
            self.risk.failed(trade.chain_id, trade.pools, head)
        log.info("trade final", extra={"trade": trade.id, "status": status.value, "detail": detail})
        return await self._advance(trade, status, detail, **fields)

    async def _unstick(self, chain: ChainExecution, flight: InFlight, head: int) -> None:
        trade = flight.trade
        if flight.replacements >= self.config.max_replacements or trade.nonce is None:
            return
        fees = flight.fees.bumped(self.config.replacement_bump_percent)
        cancel = head >= trade.deadline_block  # mined now it would revert: free the nonce instead
        signed = self.signer.sign(
            chain_id=chain.chain_id, nonce=trade.nonce,
            to=self.signer.address if cancel else chain.executor,
            data=b"" if cancel else trade.calldata,
            gas=CANCEL_GAS if cancel else trade.gas_limit or 0,
            max_fee_per_gas=fees.max_fee_per_gas,
            max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
        )
        kind = "cancel" if cancel else "replacement"
        record = SignedTx(signed.tx_hash, trade.id, chain.chain_id, self.signer.address,
                          trade.nonce, kind, fees.max_fee_per_gas, fees.max_priority_fee_per_gas,
                          signed.raw, time.time_ns())
        flight.trade = await self._advance(
            trade, TradeStatus.REPLACED, f"{kind} {signed.tx_hash}, max fee {fees.max_fee_per_gas}",
            signed=record, tx_hash=signed.tx_hash, max_fee_per_gas=fees.max_fee_per_gas,
            max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
        )
        flight.fees, flight.replacements = fees, flight.replacements + 1
        flight.last_sent, flight.cancelling = time.monotonic(), cancel
        try:
            await chain.node.send_raw(signed.raw)
        except RpcError as exc:
            # e.g. the original was mined meanwhile ("nonce too low"): the next poll sees it
            log.warning("replacement rejected", extra={"trade": trade.id, "error": exc.message})

    async def cancel(self, trade_id: str) -> Trade:
        """Replace an in-flight trade's transaction by a 0-value transfer to itself."""
        flight = self._in_flight.get(trade_id)
        if flight is None:
            raise PreconditionFailed(f"trade {trade_id} is not in flight")
        chain = self.chains[flight.trade.chain_id]
        head = await chain.node.block_number()
        flight.trade = replace(flight.trade, deadline_block=min(flight.trade.deadline_block, head))
        flight.replacements = min(flight.replacements, self.config.max_replacements - 1)
        await self._unstick(chain, flight, head)
        return flight.trade


def build_executor(engine: Engine, config: EngineConfig) -> Executor | None:
    """The executor ``config.execution`` describes; None when execution is not configured.
    Raises ConfigError-like ValueErrors naming the key that is missing."""
    from pathlib import Path

    from engine.config import ConfigError

    execution = config.execution
    if execution is None:
        return None
    keystore = execution.keystore
    if keystore is None and config.keystore and config.keystore.get("path"):
        keystore = Path(str(config.keystore["path"]))
    if keystore is None:
        raise ConfigError("config: execution.keystore: no keystore (nor keystore.path) configured")
    chains = []
    for chain in config.chains:
        if chain.executor is None:
            log.warning("chain without executor: not traded", extra={"chain_id": chain.chain_id})
            continue
        chains.append(ChainExecution(
            chain.chain_id, chain.executor, chain.rpc_urls[0].get_secret_value(),
            encoding.PoolDirectory(chain), chain.native_token_address(),
        ))
    if not chains:
        raise ConfigError("config: chains[*].executor: execution needs at least one executor")
    signer = Signer.from_keystore(keystore, execution.password_env)
    store = TradeStore(execution.trades_db)
    return Executor(engine, execution, chains, store, signer, stream_buffer=config.api.stream_buffer)
