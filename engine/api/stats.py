"""GetStats: trades.db's statistics, arbitrage.db's opportunity counts, the pipeline's
latency percentiles and the process's resource use, as one GetStatsResponse.

The database reads run in worker threads (engine/store/stats.py); latencies
(engine/core/latency.py) and resources (engine/resources.py) are read on the
event loop, they are in memory. Latencies and resources are the process's: the
``chain_id`` filter applies to trades, PnL, gas and opportunities only.

``usd_price(chain_id, token) -> USD per whole token | None``, when given, values
the realized PnL net of gas in USD: profit * price / 10**decimals - gas_wei *
native price / 1e18. A profit or a gas amount without a price is left out of
the sums and ``complete`` is false; a trade's ``net_usd`` is set only when both
of its amounts are priced. Without ``usd_price`` nothing is valued in USD.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from engine.api.gen.arbitrage.v1 import engine_pb2 as pb
from engine.core.engine import Engine
from engine.resources import ResourceMonitor
from engine.store import Store
from engine.store.stats import Since, TradeStats, opportunity_counts, trade_stats

UsdPrice = Callable[[int, str], float | None]
DEFAULT_POINTS = 500
MAX_POINTS = 5000


class StatsBuilder:
    def __init__(self, engine: Engine, store: Store | None, trades_db: Path | None, *,
                 usd_price: UsdPrice | None = None) -> None:
        self.engine = engine
        self.store = store
        self.trades_db = trades_db  # None: the engine runs without execution
        self.usd_price = usd_price
        self.resources = ResourceMonitor()

    async def build(self, chain_id: int, max_points: int) -> pb.GetStatsResponse:
        """``max_points``: the most points of each series (pnl_series: its newest
        trades; latency_series: the newest minutes of each stage)."""
        now = time.time_ns()
        response = pb.GetStatsResponse(generated_unix_nanos=now,
                                       execution_enabled=self.trades_db is not None)
        if self.trades_db is not None:
            stats = await asyncio.to_thread(trade_stats, self.trades_db, chain_id, now)
            self._trades(response, stats, max_points, Since.at(now))
        if self.store is not None:
            response.opportunities_today, response.opportunities_total = await asyncio.to_thread(
                opportunity_counts, self.store, chain_id, now)
        for s in self.engine.latency.summaries():
            response.latencies.add(stage=s.stage, samples=s.samples, p50_ms=s.p50_ms,
                                   p90_ms=s.p90_ms, p99_ms=s.p99_ms, max_ms=s.max_ms)
        for b in self.engine.latency.series(max_points):
            response.latency_series.add(unix_nanos=b.start_ns, stage=b.stage, samples=b.samples,
                                        p50_ms=b.p50_ms, p99_ms=b.p99_ms)
        use = self.resources.sample()
        response.resources.CopyFrom(pb.ProcessResources(
            rss_bytes=use.rss_bytes, cpu_percent=use.cpu_percent, cpu_seconds=use.cpu_seconds,
            threads=use.threads, open_files=use.open_files, uptime_seconds=use.uptime_seconds,
        ))
        return response

    def _trades(self, response: pb.GetStatsResponse, stats: TradeStats, max_points: int,
                since: Since) -> None:
        tokens = self.engine.view.tokens
        for (chain_id, token), w in sorted(stats.pnl.items()):
            info = tokens.get((chain_id, token))
            response.pnl.add(chain_id=chain_id, token=token,
                             symbol=info.symbol if info else "",
                             decimals=info.decimals if info else 0, today=str(w.today),
                             last_7d=str(w.last_7d), all_time=str(w.all_time))
        for chain_id, w in sorted(stats.gas.items()):
            response.gas.add(chain_id=chain_id, today=str(w.today), last_7d=str(w.last_7d),
                             all_time=str(w.all_time))
        counts = response.trades
        counts.total, counts.in_flight, counts.today = stats.total, stats.in_flight, stats.today
        for status, count in stats.by_status.items():
            counts.by_status["TRADE_STATUS_" + status.name] = count
        if stats.success_rate is not None:
            counts.success_rate = stats.success_rate
        net_usd = self._usd(response, stats, since) if self.usd_price is not None else {}
        for t in stats.settled[-max_points:]:
            point = response.pnl_series.add(
                unix_nanos=t.at_ns, chain_id=t.chain_id, token=t.token, trade_id=t.trade_id,
                profit=str(t.profit), cumulative=str(t.cumulative), gas_wei=str(t.gas_wei))
            if t.trade_id in net_usd:
                point.net_usd = net_usd[t.trade_id]

    def _usd(self, response: pb.GetStatsResponse, stats: TradeStats,
             since: Since) -> dict[str, float]:
        """Sets ``response.usd``; answers each fully priced trade's net USD by trade id."""
        assert self.usd_price is not None
        tokens = self.engine.view.tokens
        native = {c.chain_id: c.native_token_address() for c in self.engine.config.chains}
        today = last_7d = all_time = 0.0
        complete = True
        net_by_trade: dict[str, float] = {}
        for t in stats.settled:
            net, priced = 0.0, True
            if t.profit:
                info = tokens.get((t.chain_id, t.token))
                price = self.usd_price(t.chain_id, t.token) if info else None
                if price is None or info is None:
                    priced = False
                else:
                    net += t.profit * price / 10**info.decimals
            if t.gas_wei:
                gas_token = native.get(t.chain_id)
                price = self.usd_price(t.chain_id, gas_token) if gas_token else None
                if price is None:
                    priced = False
                else:
                    net -= t.gas_wei * price / 10**18
            complete = complete and priced
            if priced:
                net_by_trade[t.trade_id] = net
            all_time += net
            if t.at_ns >= since.week_ns:
                last_7d += net
            if t.at_ns >= since.day_ns:
                today += net
        response.usd.CopyFrom(pb.UsdPnl(today=today, last_7d=last_7d, all_time=all_time,
                                        complete=complete))
        return net_by_trade
