"""trades.db: every trade, each status it went through, and every transaction signed for it.

The execution layer's write-ahead log. A trade's row is committed before its
transaction is broadcast, and a transaction's hash, nonce and signed bytes are
committed (with the ``sent`` / ``replaced`` status) before the node sees them,
so after a crash ``engine/execution/reconcile.py`` finds everything that may
be on chain. SQLite in WAL mode with ``synchronous=FULL``; one connection,
used by one worker thread (``await store.call(...)``), so the event loop never
blocks on a write and the writes are serialized.

Amounts are decimal strings in the database (uint256 / int256 do not fit
SQLite's integers); ``profit_*`` may be negative.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class TradeStatus(str, Enum):
    CREATED = "created"  # row written, nothing checked on chain yet
    SIMULATED = "simulated"  # eth_call succeeded (final in dry-run)
    SENT = "sent"  # signed and handed to the node (committed just before)
    REPLACED = "replaced"  # a higher-fee transaction with the same nonce was sent
    MINED = "mined"  # included, succeeded; profit realized
    REVERTED = "reverted"  # included, reverted: gas spent, nothing gained
    DROPPED = "dropped"  # never included (rejected, lost, or its nonce used by another tx)
    FAILED_SIMULATION = "failed_simulation"  # eth_call reverted or not profitable: never sent


FINAL = frozenset({TradeStatus.MINED, TradeStatus.REVERTED, TradeStatus.DROPPED,
                   TradeStatus.FAILED_SIMULATION})
ON_CHAIN = frozenset({TradeStatus.SENT, TradeStatus.REPLACED})

SCHEMA = """
CREATE TABLE IF NOT EXISTS trades (
    row_id INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    idempotency_key TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    mode TEXT NOT NULL,
    chain_id INTEGER NOT NULL,
    opportunity_id TEXT NOT NULL,
    block_number INTEGER NOT NULL,
    base_token TEXT NOT NULL,
    pools TEXT NOT NULL,
    tokens TEXT NOT NULL,
    executor TEXT NOT NULL,
    calldata TEXT NOT NULL,
    amount_in TEXT NOT NULL,
    min_profit TEXT NOT NULL,
    deadline_block INTEGER NOT NULL,
    flash INTEGER NOT NULL,
    profit_expected TEXT NOT NULL,
    gas_cost_expected TEXT NOT NULL,
    status TEXT NOT NULL,
    final INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL DEFAULT '',
    sender TEXT NOT NULL,
    nonce INTEGER,
    tx_hash TEXT,
    gas_limit INTEGER,
    max_fee_per_gas TEXT,
    max_priority_fee_per_gas TEXT,
    gas_used INTEGER,
    effective_gas_price TEXT,
    mined_block INTEGER,
    profit_realized TEXT,
    created_ns INTEGER NOT NULL,
    updated_ns INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS trades_open ON trades (final, chain_id);
CREATE INDEX IF NOT EXISTS trades_chain ON trades (chain_id, row_id);
CREATE TABLE IF NOT EXISTS trade_events (
    row_id INTEGER PRIMARY KEY,
    trade_id TEXT NOT NULL REFERENCES trades (id),
    status TEXT NOT NULL,
    at_ns INTEGER NOT NULL,
    tx_hash TEXT,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS trade_events_trade ON trade_events (trade_id, row_id);
CREATE TABLE IF NOT EXISTS trade_txs (
    tx_hash TEXT PRIMARY KEY,
    trade_id TEXT NOT NULL REFERENCES trades (id),
    chain_id INTEGER NOT NULL,
    sender TEXT NOT NULL,
    nonce INTEGER NOT NULL,
    kind TEXT NOT NULL,
    max_fee_per_gas TEXT NOT NULL,
    max_priority_fee_per_gas TEXT NOT NULL,
    raw TEXT NOT NULL,
    sent_ns INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS trade_txs_trade ON trade_txs (trade_id);
CREATE INDEX IF NOT EXISTS trade_txs_nonce ON trade_txs (chain_id, sender, nonce);
"""


@dataclass(frozen=True, slots=True)
class StatusChange:
    status: TradeStatus
    at_ns: int
    tx_hash: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class SignedTx:
    """One transaction signed for a trade (the original, a replacement or a cancellation)."""

    tx_hash: str
    trade_id: str
    chain_id: int
    sender: str
    nonce: int
    kind: str  # "original" | "replacement" | "cancel"
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    raw: bytes
    sent_ns: int


@dataclass(frozen=True, slots=True)
class Trade:
    id: str
    idempotency_key: str
    source: str  # "auto" (the engine's own loop) or "rpc"
    mode: str
    chain_id: int
    opportunity_id: str
    block_number: int
    base_token: str
    pools: list[str]
    tokens: list[str]
    executor: str
    calldata: bytes
    amount_in: int
    min_profit: int
    deadline_block: int
    flash: bool
    profit_expected: int
    gas_cost_expected: int
    status: TradeStatus
    sender: str
    created_ns: int
    updated_ns: int
    reason: str = ""
    nonce: int | None = None
    tx_hash: str | None = None
    gas_limit: int | None = None
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None
    gas_used: int | None = None
    effective_gas_price: int | None = None
    mined_block: int | None = None
    profit_realized: int | None = None
    final: bool = False
    history: list[StatusChange] = field(default_factory=list)
    txs: list[SignedTx] = field(default_factory=list)

    @property
    def gas_paid_wei(self) -> int:
        if self.gas_used is None or self.effective_gas_price is None:
            return 0
        return self.gas_used * self.effective_gas_price


@dataclass(frozen=True, slots=True)
class TradeFilter:
    chain_id: int = 0
    statuses: Sequence[TradeStatus] = ()
    base_token: str = ""
    pool: str = ""
    source: str = ""
    since_ns: int = 0


_UPDATABLE = {
    "reason", "nonce", "tx_hash", "gas_limit", "max_fee_per_gas", "max_priority_fee_per_gas",
    "gas_used", "effective_gas_price", "mined_block", "profit_realized", "min_profit",
    "profit_expected", "gas_cost_expected", "deadline_block", "calldata",
}
_BIG = {"max_fee_per_gas", "max_priority_fee_per_gas", "effective_gas_price", "profit_realized",
        "min_profit", "profit_expected", "gas_cost_expected"}


class TradeStore:
    """trades.db. Every method with a leading underscore-free name is synchronous and must
    run on the store's thread: call it as ``await store.call(store.method, ...)``."""

    def __init__(self, path: Path | str, *, synchronous: str = "FULL") -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="arbx-trades")
        self._conn = self._thread.submit(self._open, synchronous).result()

    def _open(self, synchronous: str) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.executescript(SCHEMA)
        return conn

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, lambda: fn(*args, **kwargs))

    def close(self) -> None:
        def close() -> None:
            self._conn.close()

        self._thread.submit(close).result()
        self._thread.shutdown(wait=True)

    # --- writes ---------------------------------------------------------------

    def _tx(self, body: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = body(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    def insert(self, trade: Trade) -> bool:
        """Commit a new trade with its first status; False when its idempotency key (or id)
        is already taken (nothing written)."""

        def body(conn: sqlite3.Connection) -> bool:
            try:
                conn.execute(
                    "INSERT INTO trades (id, idempotency_key, source, mode, chain_id, opportunity_id,"
                    " block_number, base_token, pools, tokens, executor, calldata, amount_in,"
                    " min_profit, deadline_block, flash, profit_expected, gas_cost_expected, status,"
                    " final, reason, sender, created_ns, updated_ns)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (trade.id, trade.idempotency_key, trade.source, trade.mode, trade.chain_id,
                     trade.opportunity_id, trade.block_number, trade.base_token,
                     ",".join(trade.pools), ",".join(trade.tokens), trade.executor,
                     trade.calldata.hex(), str(trade.amount_in), str(trade.min_profit),
                     trade.deadline_block, int(trade.flash), str(trade.profit_expected),
                     str(trade.gas_cost_expected), trade.status.value, int(trade.final),
                     trade.reason, trade.sender, trade.created_ns, trade.updated_ns),
                )
            except sqlite3.IntegrityError:
                return False
            conn.execute(
                "INSERT INTO trade_events (trade_id, status, at_ns, tx_hash, detail) VALUES (?,?,?,?,?)",
                (trade.id, trade.status.value, trade.created_ns, None, trade.reason),
            )
            return True

        return self._tx(body)

    def transition(
        self, trade_id: str, status: TradeStatus, *, detail: str = "", final: bool | None = None,
        signed: SignedTx | None = None, at_ns: int | None = None, **fields: Any,
    ) -> None:
        """Record a status change (and the fields it sets, and a signed tx) in one commit."""
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        at = at_ns or time.time_ns()
        is_final = status in FINAL if final is None else final

        def body(conn: sqlite3.Connection) -> None:
            if signed is not None:
                conn.execute(
                    "INSERT INTO trade_txs VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (signed.tx_hash, signed.trade_id, signed.chain_id, signed.sender, signed.nonce,
                     signed.kind, str(signed.max_fee_per_gas), str(signed.max_priority_fee_per_gas),
                     signed.raw.hex(), signed.sent_ns),
                )
            values = {k: (str(v) if k in _BIG and v is not None else v) for k, v in fields.items()}
            if "calldata" in values and isinstance(values["calldata"], bytes):
                values["calldata"] = values["calldata"].hex()
            values.update(status=status.value, final=int(is_final), updated_ns=at)
            if detail and status in (TradeStatus.FAILED_SIMULATION, TradeStatus.DROPPED,
                                     TradeStatus.REVERTED) and "reason" not in values:
                values["reason"] = detail
            assignments = ", ".join(f"{k} = ?" for k in values)
            updated = conn.execute(
                f"UPDATE trades SET {assignments} WHERE id = ?", [*values.values(), trade_id]
            ).rowcount
            if updated != 1:
                raise KeyError(f"no trade {trade_id}")
            conn.execute(
                "INSERT INTO trade_events (trade_id, status, at_ns, tx_hash, detail) VALUES (?,?,?,?,?)",
                (trade_id, status.value, at, signed.tx_hash if signed else fields.get("tx_hash"),
                 detail),
            )

        self._tx(body)

    # --- reads ------------------------------------------------------------------

    def get(self, trade_id: str) -> Trade | None:
        rows = self._select("WHERE id = ?", [trade_id])
        return rows[0] if rows else None

    def get_by_key(self, idempotency_key: str) -> Trade | None:
        rows = self._select("WHERE idempotency_key = ?", [idempotency_key])
        return rows[0] if rows else None

    def open_trades(self) -> list[Trade]:
        """Trades not final yet, oldest first: what a restart must reconcile."""
        return list(reversed(self._select("WHERE final = 0", [])))

    def list(
        self, where: TradeFilter, page_size: int, page_token: str = ""
    ) -> tuple[list[Trade], str]:
        """Newest first; ``page_token`` continues after the previous page's last row."""
        clauses: list[str] = []
        params: list[object] = []
        if where.chain_id:
            clauses.append("chain_id = ?")
            params.append(where.chain_id)
        if where.statuses:
            clauses.append(f"status IN ({','.join('?' * len(where.statuses))})")
            params.extend(s.value for s in where.statuses)
        if where.base_token:
            clauses.append("base_token = ?")
            params.append(where.base_token)
        if where.pool:
            clauses.append("(',' || pools || ',') LIKE ?")
            params.append(f"%,{where.pool},%")
        if where.source:
            clauses.append("source = ?")
            params.append(where.source)
        if where.since_ns:
            clauses.append("created_ns >= ?")
            params.append(where.since_ns)
        if page_token:
            clauses.append("row_id < ?")
            params.append(decode_page_token(page_token))
        sql = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = self._select(sql, params, limit=page_size + 1)
        page = rows[:page_size]
        token = encode_page_token(self._row_id(page[-1].id)) if len(rows) > page_size else ""
        return page, token

    def sent_nonces(self, chain_id: int, sender: str) -> list[tuple[int, str, str]]:
        """(nonce, tx hash, trade id) of every transaction signed by ``sender``, by nonce."""
        return [
            (int(n), str(h), str(t)) for n, h, t in self._conn.execute(
                "SELECT nonce, tx_hash, trade_id FROM trade_txs WHERE chain_id = ? AND sender = ?"
                " ORDER BY nonce, sent_ns", (chain_id, sender),
            ).fetchall()
        ]

    def gas_lost_since(self, since_ns: int) -> int:
        """Wei paid for gas by trades that reverted since ``since_ns``."""
        total = 0
        for used, price in self._conn.execute(
            "SELECT gas_used, effective_gas_price FROM trades WHERE status = ? AND updated_ns >= ?"
            " AND gas_used IS NOT NULL", (TradeStatus.REVERTED.value, since_ns),
        ).fetchall():
            total += int(used) * int(price)
        return total

    def _row_id(self, trade_id: str) -> int:
        (row_id,) = self._conn.execute("SELECT row_id FROM trades WHERE id = ?", (trade_id,)).fetchone()
        return int(row_id)

    def _select(self, where: str, params: Sequence[object], limit: int | None = None) -> list[Trade]:
        sql = f"SELECT * FROM trades {where} ORDER BY row_id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        cursor = self._conn.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        marks = ",".join("?" * len(ids))
        history: dict[str, list[StatusChange]] = {i: [] for i in ids}
        for trade_id, status, at_ns, tx_hash, detail in self._conn.execute(
            f"SELECT trade_id, status, at_ns, tx_hash, detail FROM trade_events"
            f" WHERE trade_id IN ({marks}) ORDER BY row_id", ids,
        ).fetchall():
            history[trade_id].append(StatusChange(TradeStatus(status), at_ns, tx_hash or "", detail))
        txs: dict[str, list[SignedTx]] = {i: [] for i in ids}
        for r in self._conn.execute(
            f"SELECT * FROM trade_txs WHERE trade_id IN ({marks}) ORDER BY sent_ns", ids
        ).fetchall():
            txs[r[1]].append(SignedTx(r[0], r[1], r[2], r[3], r[4], r[5], int(r[6]), int(r[7]),
                                      bytes.fromhex(r[8]), r[9]))
        return [_trade(r, history[r["id"]], txs[r["id"]]) for r in rows]


def _opt_int(value: object) -> int | None:
    return None if value is None else int(str(value))


def _trade(r: dict[str, Any], history: list[StatusChange], txs: list[SignedTx]) -> Trade:
    return Trade(
        id=r["id"], idempotency_key=r["idempotency_key"], source=r["source"], mode=r["mode"],
        chain_id=r["chain_id"], opportunity_id=r["opportunity_id"], block_number=r["block_number"],
        base_token=r["base_token"], pools=r["pools"].split(","), tokens=r["tokens"].split(","),
        executor=r["executor"], calldata=bytes.fromhex(r["calldata"]),
        amount_in=int(r["amount_in"]), min_profit=int(r["min_profit"]),
        deadline_block=r["deadline_block"], flash=bool(r["flash"]),
        profit_expected=int(r["profit_expected"]), gas_cost_expected=int(r["gas_cost_expected"]),
        status=TradeStatus(r["status"]), final=bool(r["final"]), reason=r["reason"],
        sender=r["sender"], nonce=r["nonce"], tx_hash=r["tx_hash"], gas_limit=r["gas_limit"],
        max_fee_per_gas=_opt_int(r["max_fee_per_gas"]),
        max_priority_fee_per_gas=_opt_int(r["max_priority_fee_per_gas"]),
        gas_used=r["gas_used"], effective_gas_price=_opt_int(r["effective_gas_price"]),
        mined_block=r["mined_block"], profit_realized=_opt_int(r["profit_realized"]),
        created_ns=r["created_ns"], updated_ns=r["updated_ns"], history=history, txs=txs,
    )


def encode_page_token(row_id: int) -> str:
    return base64.urlsafe_b64encode(f"t1:{row_id}".encode()).decode()


def decode_page_token(token: str) -> int:
    """The row id a page token continues after; ValueError when malformed."""
    try:
        version, row_id = base64.urlsafe_b64decode(token.encode()).decode().split(":")
        if version != "t1":
            raise ValueError
        return int(row_id)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("not a page token of ListTrades") from None


def describe(trade: Trade) -> str:
    """One line for logs (no secrets in a trade)."""
    return json.dumps({"id": trade.id, "status": trade.status.value, "nonce": trade.nonce,
                       "tx": trade.tx_hash, "chain": trade.chain_id})


__all__ = [
    "FINAL", "ON_CHAIN", "SignedTx", "StatusChange", "Trade", "TradeFilter", "TradeStatus",
    "TradeStore", "decode_page_token", "describe", "encode_page_token",
]
