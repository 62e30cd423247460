"""arbitrage.db: one writer thread writes batches; reads run in worker threads.

The engine calls the ``record_*`` methods on the event loop; they only put
rows on a queue. The writer thread takes everything queued (up to
``batch_max`` rows), writes it in one transaction and prunes old rows every
so often (``retention_blocks`` per chain). SQLite runs in WAL mode, so reads
(``list_opportunities``, through ``asyncio.to_thread``) never wait for it.
"""

from __future__ import annotations

import base64
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine import metrics
from engine.config import StoreConfig
from engine.core.engine import SeenOpportunity
from engine.core.events import ModelVerdict
from engine.core.state import (
    ChainHead,
    Key,
    PoolView,
    TokenInfo,
    fee_pips,
    is_v2,
    mid_price,
    reserves,
    slot,
)
from engine.store.schema import int256_key, migrate

log = logging.getLogger(__name__)

_PRUNE_EVERY = 200  # batches
Write = Callable[[sqlite3.Connection], int]  # returns the rows written


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


@dataclass(frozen=True, slots=True)
class OpportunityRow:
    """A stored opportunity; the attribute names match engine_rs.Opportunity."""

    row_id: int
    id: str
    chain_id: int
    block_number: int
    block_hash: str
    base_token: str
    pools: list[str]
    tokens: list[str]
    zero_for_one: list[bool]
    amount_in: int
    amounts: list[int]
    amount_out: int
    profit_gross: int
    gas_units: int
    gas_cost: int
    profit_net: int
    observed_ns: int
    published_ns: int
    orphaned: bool
    verdict: ModelVerdict | None = None  # the models' verdict when it was seen (None: no models)


@dataclass(frozen=True, slots=True)
class OpportunityFilter:
    chain_id: int = 0
    base_token: str = ""
    pool: str = ""
    min_profit_net: int | None = None
    from_block: int = 0


class Store:
    def __init__(self, config: StoreConfig) -> None:
        self.config = config
        self.path = Path(config.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        setup = connect(self.path)
        migrate(setup)
        setup.close()
        self._queue: queue.Queue[Write | threading.Event | None] = queue.Queue()
        self._reader = connect(self.path)
        self._reader_lock = threading.Lock()
        self._heads: dict[int, int] = {}
        self._tokens: dict[Key, TokenInfo] = {}  # decimals for the series' display price
        self._writer = threading.Thread(target=self._run, name="arbx-store-writer", daemon=True)
        self._writer.start()

    # --- Recorder (called on the event loop: enqueue only) ---------------------

    def record_tokens(self, tokens: Sequence[TokenInfo]) -> None:
        self._tokens.update({(t.chain_id, t.address): t for t in tokens})
        rows = [(t.chain_id, t.address, t.symbol, t.decimals) for t in tokens]
        self._put(lambda c: _many(c, "INSERT OR REPLACE INTO tokens VALUES (?,?,?,?)", rows, "tokens"))

    def record_pools(self, pools: Sequence[PoolView]) -> None:
        rows = [
            (p.chain_id, p.address, p.kind, p.dex, p.token0, p.token1, fee_pips(p), p.tick_spacing)
            for p in pools
        ]
        self._put(lambda c: _many(
            c, "INSERT OR REPLACE INTO pools VALUES (?,?,?,?,?,?,?,?)", rows, "pools"
        ))

    def record_block(
        self, chain_id: int, head: ChainHead, pools: Sequence[PoolView],
        opportunities: Sequence[SeenOpportunity],
    ) -> None:
        series = [_series_row(p, head, self._tokens) for p in pools]
        opps = [_opportunity_row(o) for o in opportunities]
        self._heads[chain_id] = max(self._heads.get(chain_id, 0), head.number)

        def write(c: sqlite3.Connection) -> int:
            n = _many(c, "INSERT OR REPLACE INTO market_series VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                      series, "market_series")
            return n + _many(
                c,
                "INSERT INTO opportunities (opportunity_id, chain_id, block_number, block_hash, "
                "base_token, pools, tokens, zero_for_one, amount_in, amounts, amount_out, "
                "profit_gross, gas_units, gas_cost, profit_net, profit_net_key, observed_ns, "
                "published_ns, model_score, anomalous, model_decision, model_reason) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                opps, "opportunities",
            )

        self._put(write)

    def record_rollback(self, chain_id: int, to_number: int) -> None:
        def write(c: sqlite3.Connection) -> int:
            c.execute("DELETE FROM market_series WHERE chain_id = ? AND block_number > ?",
                      (chain_id, to_number))
            c.execute("UPDATE opportunities SET orphaned = 1 WHERE chain_id = ? AND block_number > ?",
                      (chain_id, to_number))
            return 0

        self._put(write)

    def _put(self, write: Write) -> None:
        self._queue.put(write)
        metrics.STORE_QUEUE.set(self._queue.qsize())

    # --- writer thread -------------------------------------------------------------

    def _run(self) -> None:
        conn = connect(self.path)
        batches = 0
        try:
            while True:
                item = self._queue.get()
                items = [item]
                # everything queued while the last transaction committed forms the next batch
                while len(items) < self.config.batch_max:
                    try:
                        items.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                writes = [w for w in items if w is not None and not isinstance(w, threading.Event)]
                if writes:
                    self._write(conn, writes)
                    batches += 1
                    if batches % _PRUNE_EVERY == 0:
                        self._write(conn, [self._prune])
                metrics.STORE_QUEUE.set(self._queue.qsize())
                for w in items:
                    if isinstance(w, threading.Event):
                        w.set()
                if None in items:
                    return
        finally:
            conn.close()

    def _write(self, conn: sqlite3.Connection, writes: list[Write]) -> None:
        try:
            conn.execute("BEGIN")
            for write in writes:
                write(conn)
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            log.exception("store: a write batch failed and was dropped",
                          extra={"writes": len(writes)})

    def _prune(self, conn: sqlite3.Connection) -> int:
        keep = self.config.retention_blocks
        for chain_id, head in list(self._heads.items()):
            for table in ("market_series", "opportunities"):
                conn.execute(f"DELETE FROM {table} WHERE chain_id = ? AND block_number <= ?",
                             (chain_id, head - keep))
        return 0

    def flush(self) -> None:
        """Block until everything recorded so far is written (tests, shutdown)."""
        done = threading.Event()
        self._queue.put(done)
        done.wait()

    def prune(self) -> None:
        """Apply the retention now (the writer also does it every few hundred batches)."""
        self._put(self._prune)
        self.flush()

    def close(self) -> None:
        if self._writer.is_alive():
            self._queue.put(None)
            self._writer.join()
        self._reader.close()

    # --- reads (call through asyncio.to_thread) ----------------------------------

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        with self._reader_lock:
            return self._reader.execute(sql, params).fetchall()

    def list_opportunities(
        self, where: OpportunityFilter, page_size: int, page_token: str = ""
    ) -> tuple[list[OpportunityRow], str]:
        """Newest first; ``page_token`` continues after the last row of the previous page."""
        clauses, params = ["1 = 1"], []  # type: ignore[var-annotated]
        if where.chain_id:
            clauses.append("chain_id = ?")
            params.append(where.chain_id)
        if where.base_token:
            clauses.append("base_token = ?")
            params.append(where.base_token)
        if where.pool:
            clauses.append("pools LIKE ?")
            params.append(f"%,{where.pool},%")
        if where.min_profit_net is not None:
            clauses.append("profit_net_key >= ?")
            params.append(int256_key(where.min_profit_net))
        if where.from_block:
            clauses.append("block_number >= ?")
            params.append(where.from_block)
        if page_token:
            clauses.append("id < ?")
            params.append(decode_page_token(page_token))
        rows = self.query(
            f"SELECT {_OPPORTUNITY_COLUMNS} FROM opportunities WHERE {' AND '.join(clauses)} ORDER BY id DESC LIMIT ?",
            [*params, page_size + 1],
        )
        result = [_from_row(r) for r in rows[:page_size]]
        token = encode_page_token(result[-1].row_id) if len(rows) > page_size else ""
        return result, token


def encode_page_token(row_id: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{row_id}".encode()).decode()


def decode_page_token(token: str) -> int:
    """The row id a page token continues after; ValueError when malformed."""
    try:
        version, row_id = base64.urlsafe_b64decode(token.encode()).decode().split(":")
        if version != "v1":
            raise ValueError
        return int(row_id)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("not a page token of this API") from None


def _many(conn: sqlite3.Connection, sql: str, rows: list[tuple[object, ...]], table: str) -> int:
    if rows:
        conn.executemany(sql, rows)
        metrics.STORE_WRITES.labels(table).inc(len(rows))
    return len(rows)


def _series_row(
    pool: PoolView, head: ChainHead, tokens: dict[Key, TokenInfo]
) -> tuple[object, ...]:
    price = mid_price(pool, tokens)
    if is_v2(pool):
        reserve0, reserve1 = reserves(pool)
        return (pool.chain_id, pool.address, head.number, head.hash, head.timestamp,
                str(reserve0), str(reserve1), None, None, None, price)
    sqrt_price_x96, tick, liquidity = slot(pool)
    return (pool.chain_id, pool.address, head.number, head.hash, head.timestamp, None, None,
            str(sqrt_price_x96), tick, str(liquidity), price)


def _opportunity_row(seen: SeenOpportunity) -> tuple[object, ...]:
    o, v = seen.opportunity, seen.verdict
    return (
        seen.id, o.chain_id, seen.block_number, seen.block_hash, o.base_token,
        "," + ",".join(o.pools) + ",", ",".join(o.tokens),
        "".join("1" if z else "0" for z in o.zero_for_one), str(o.amount_in),
        ",".join(str(a) for a in o.amounts), str(o.amount_out), str(o.profit_gross), o.gas_units,
        str(o.gas_cost), str(o.profit_net), int256_key(o.profit_net), seen.observed_ns,
        seen.published_ns, v.score if v else None, int(v.anomalous) if v else 0,
        v.decision if v else "", v.reason if v else "",
    )


# the columns ``_from_row`` reads, in its order (not ``*``: migrations append columns)
_OPPORTUNITY_COLUMNS = (
    "id, opportunity_id, chain_id, block_number, block_hash, base_token, pools, tokens, "
    "zero_for_one, amount_in, amounts, amount_out, profit_gross, gas_units, gas_cost, profit_net, "
    "observed_ns, published_ns, orphaned, model_score, anomalous, model_decision, model_reason"
)


def _from_row(r: tuple[object, ...]) -> OpportunityRow:
    (row_id, oid, chain_id, block_number, block_hash, base_token, pools, tokens, zfo, amount_in,
     amounts, amount_out, profit_gross, gas_units, gas_cost, profit_net, observed_ns,
     published_ns, orphaned, model_score, anomalous, model_decision, model_reason) = r
    verdict = (
        ModelVerdict(str(model_decision), str(model_reason),
                     None if model_score is None else float(model_score),  # type: ignore[arg-type]
                     bool(anomalous))
        if model_decision else None
    )
    return OpportunityRow(
        row_id=int(row_id), id=str(oid), chain_id=int(chain_id), block_number=int(block_number),  # type: ignore[call-overload]
        block_hash=str(block_hash), base_token=str(base_token),
        pools=str(pools).strip(",").split(","), tokens=str(tokens).split(","),
        zero_for_one=[c == "1" for c in str(zfo)], amount_in=int(str(amount_in)),
        amounts=[int(a) for a in str(amounts).split(",")], amount_out=int(str(amount_out)),
        profit_gross=int(str(profit_gross)), gas_units=int(gas_units),  # type: ignore[call-overload]
        gas_cost=int(str(gas_cost)), profit_net=int(str(profit_net)),
        observed_ns=int(observed_ns), published_ns=int(published_ns), orphaned=bool(orphaned),  # type: ignore[call-overload]
        verdict=verdict,
    )
