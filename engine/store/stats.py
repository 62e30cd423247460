"""Trading statistics from trades.db, and opportunity counts from arbitrage.db (GetStats).

Reads only. ``trade_stats`` opens a connection of its own for each call (WAL:
it never waits for the trade writer's thread, nor the writer for it) and runs
in a worker thread (``asyncio.to_thread``). Amounts are TEXT in the database
and summed here as Python ints, never as SQLite numbers (an int256 overflows
INTEGER, REAL is inexact).

Definitions:
- a trade's time in a window is when it became final (its last status change);
  the windows are the UTC day, the last 7 × 24 h and all time;
- realized PnL: ``profit_realized`` of mined trades, per (chain, start token);
- gas: ``gas_used * effective_gas_price`` of mined and reverted trades, per chain;
- success rate: mined / (mined + reverted + dropped); None before any of these;
- settled trades: every mined or reverted trade (reverted: profit 0, its gas),
  oldest first, with the running profit of its (chain, token).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from engine.store.store import Store
from engine.store.trades import TradeStatus

DAY_NS = 86_400 * 1_000_000_000
WEEK_NS = 7 * DAY_NS
_SETTLED = (TradeStatus.MINED.value, TradeStatus.REVERTED.value)


@dataclass(frozen=True, slots=True)
class Since:
    """Where the windows start: the UTC day (unix days are UTC days) and 7 × 24 h ago."""

    day_ns: int
    week_ns: int

    @classmethod
    def at(cls, now_ns: int) -> Since:
        return cls(now_ns - now_ns % DAY_NS, now_ns - WEEK_NS)


@dataclass(slots=True)
class Windows:
    """An amount summed over today (UTC), the last 7 days and all time."""

    today: int = 0
    last_7d: int = 0
    all_time: int = 0

    def add(self, amount: int, at_ns: int, since: Since) -> None:
        self.all_time += amount
        if at_ns >= since.week_ns:
            self.last_7d += amount
        if at_ns >= since.day_ns:
            self.today += amount


@dataclass(frozen=True, slots=True)
class SettledTrade:
    trade_id: str
    chain_id: int
    token: str  # the start token
    status: TradeStatus  # mined or reverted
    at_ns: int  # when it became final
    profit: int  # profit_realized (int256); 0 when reverted
    gas_wei: int
    cumulative: int  # running profit of (chain_id, token), this trade included


@dataclass(slots=True)
class TradeStats:
    pnl: dict[tuple[int, str], Windows] = field(default_factory=dict)
    gas: dict[int, Windows] = field(default_factory=dict)
    by_status: dict[TradeStatus, int] = field(default_factory=dict)
    total: int = 0
    in_flight: int = 0
    today: int = 0  # trades created today (UTC)
    settled: list[SettledTrade] = field(default_factory=list)

    @property
    def success_rate(self) -> float | None:
        mined = self.by_status.get(TradeStatus.MINED, 0)
        ended = mined + self.by_status.get(TradeStatus.REVERTED, 0) + self.by_status.get(
            TradeStatus.DROPPED, 0)
        return mined / ended if ended else None


@contextmanager
def _reader(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        conn.execute("PRAGMA query_only=ON")
        yield conn
    finally:
        conn.close()


def trade_stats(path: Path, chain_id: int, now_ns: int) -> TradeStats:
    """Everything GetStats reports about trades (``chain_id`` 0: every chain)."""
    since = Since.at(now_ns)
    where, params = ("WHERE chain_id = ?", [chain_id]) if chain_id else ("", [])
    also = "AND" if chain_id else "WHERE"
    stats = TradeStats()
    with _reader(path) as conn:
        # one snapshot: counts and sums agree even while trades are being written
        conn.execute("BEGIN")
        for status, count, open_count, created_today in conn.execute(
            f"SELECT status, COUNT(*), SUM(final = 0), SUM(created_ns >= ?) FROM trades {where}"
            " GROUP BY status", [since.day_ns, *params],
        ):
            stats.by_status[TradeStatus(status)] = int(count)
            stats.total += int(count)
            stats.in_flight += int(open_count)
            stats.today += int(created_today)
        rows = conn.execute(
            "SELECT id, chain_id, base_token, status, updated_ns, gas_used, effective_gas_price,"
            f" profit_realized FROM trades {where} {also} status IN (?, ?)"
            " ORDER BY updated_ns, row_id", [*params, *_SETTLED],
        ).fetchall()
        conn.execute("COMMIT")
    running: dict[tuple[int, str], int] = {}
    for trade_id, chain, token, status, at_ns, gas_used, gas_price, profit_text in rows:
        mined = status == TradeStatus.MINED.value
        profit = int(profit_text) if mined and profit_text else 0
        gas_wei = int(gas_used) * int(gas_price) if gas_used is not None and gas_price else 0
        key = (int(chain), str(token))
        stats.pnl.setdefault(key, Windows()).add(profit, at_ns, since)
        stats.gas.setdefault(key[0], Windows()).add(gas_wei, at_ns, since)
        running[key] = running.get(key, 0) + profit
        stats.settled.append(SettledTrade(str(trade_id), key[0], key[1], TradeStatus(status),
                                          int(at_ns), profit, gas_wei, running[key]))
    return stats


def opportunity_counts(store: Store, chain_id: int, now_ns: int) -> tuple[int, int]:
    """(stored today (UTC), stored in all) in arbitrage.db, within its retention."""
    where, params = ("WHERE chain_id = ?", [chain_id]) if chain_id else ("", [])
    ((total, today),) = store.query(
        f"SELECT COUNT(*), COALESCE(SUM(observed_ns >= ?), 0) FROM opportunities {where}",
        [Since.at(now_ns).day_ns, *params],
    )
    return int(today), int(total)  # type: ignore[call-overload]
