"""arbitrage.db: WAL mode, migrations, rows written by the writer thread, retention, reorgs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from engine.config import StoreConfig
from engine.core import Engine, SeenOpportunity
from engine.core.events import SKIP, ModelVerdict
from engine.core.state import ChainHead
from engine.store import OpportunityFilter, Store
from engine.store.schema import LATEST, MIGRATIONS, int256_key, migrate
from tests.engine_support import (
    block,
    gap_update,
    make_config,
    opp_tuple,
    populate,
    v2_pool,
    v3_pool,
)


def test_wal_mode_and_idempotent_migrations(tmp_path: Path) -> None:
    store = Store(StoreConfig(path=tmp_path / "arbitrage.db"))
    store.close()
    conn = sqlite3.connect(tmp_path / "arbitrage.db", isolation_level=None)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert [v for (v,) in conn.execute("SELECT version FROM schema_version")] == [1, 2, 3]
    assert migrate(conn) == []  # already current
    Store(StoreConfig(path=tmp_path / "arbitrage.db")).close()  # reopening migrates nothing
    assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone() == (LATEST,)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(opportunities)")}
    assert {"orphaned", "profit_net", "amounts", "model_score", "model_decision"} <= columns


def test_a_database_of_an_older_schema_migrates_and_keeps_its_rows(tmp_path: Path) -> None:
    """arbitrage.db written before migration 3 (no model columns) opens, gains them, keeps rows."""
    path = tmp_path / "arbitrage.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for version, step in MIGRATIONS[:2]:  # what an engine before the model columns created
        step(conn)
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version "
                     "(version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
        conn.execute("INSERT INTO schema_version VALUES (?, 0)", (version,))
    config = make_config(tmp_path, store={"path": str(path)})
    old = Engine(config)
    populate(old)
    old.apply_block(block(1, 1, [gap_update(1)]))
    (opp,) = [o for o in old.opportunities if o.chain_id == 1][:1]
    conn.execute(
        "INSERT INTO opportunities (opportunity_id, chain_id, block_number, block_hash, base_token,"
        " pools, tokens, zero_for_one, amount_in, amounts, amount_out, profit_gross, gas_units,"
        " gas_cost, profit_net, profit_net_key, observed_ns, published_ns)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        ("old", 1, 1, "0x01", opp.base_token, "," + ",".join(opp.pools) + ",",
         ",".join(opp.tokens), "".join("1" if z else "0" for z in opp.zero_for_one),
         str(opp.amount_in), ",".join(map(str, opp.amounts)), str(opp.amount_out),
         str(opp.profit_gross), opp.gas_units, str(opp.gas_cost), str(opp.profit_net),
         int256_key(opp.profit_net), 1, 2))
    conn.close()

    store = Store(config.store)  # migrates to LATEST
    verdict = ModelVerdict(SKIP, "anomalous pool x (anomaly score > 0.1600); scores: x 0.3500",
                           0.35, True)
    store.record_block(1, ChainHead(2, "0x02", 0), [],
                       [SeenOpportunity(opp, "new", 2, "0x02", 3, 4, verdict)])
    store.flush()
    assert store.query("SELECT MAX(version) FROM schema_version") == [(LATEST,)]
    new, old_row = store.list_opportunities(OpportunityFilter(), 10)[0]
    assert (old_row.id, old_row.verdict) == ("old", None)  # written without models
    assert opp_tuple(old_row) == opp_tuple(opp)
    assert (new.id, new.verdict) == ("new", verdict)
    store.close()


def test_int256_key_orders_like_the_integers() -> None:
    values = [-(2**255), -10**30, -1, 0, 1, 10**18, 2**255 - 1]
    assert sorted(values, key=int256_key) == values
    assert len({len(int256_key(v)) for v in values}) == 1


def test_engine_rows_are_written(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    store = Store(config.store)
    engine = Engine(config, recorder=store)
    populate(engine)
    engine.apply_block(block(1, 1, [gap_update(1)]))
    engine.apply_block(block(1, 2, [gap_update(1, 4 * 10**21)]))
    store.flush()
    q = store.query
    assert q("SELECT COUNT(*) FROM tokens") == [(4,)]
    assert q("SELECT kind, fee_pips, tick_spacing FROM pools WHERE address = ?", [v3_pool(1)]) == [
        ("v3", 3000, 60)]
    assert q("SELECT block_number, reserve0, reserve1 FROM market_series WHERE pool = ? "
             "ORDER BY block_number", [v2_pool(1)]) == [
        (1, str(10**21), str(3 * 10**21)), (2, str(10**21), str(4 * 10**21))]
    rows = q("SELECT block_number, amount_in, amounts, profit_net FROM opportunities "
             "ORDER BY id")
    assert [r[0] for r in rows] == [1, 2]
    current = engine.opportunities[0]
    assert rows[-1][1:] == (str(current.amount_in), ",".join(map(str, current.amounts)),
                            str(current.profit_net))
    stored, _ = store.list_opportunities(OpportunityFilter(), 10)
    assert opp_tuple(stored[0]) == opp_tuple(current)

    # a reorg deletes the orphaned series and marks the opportunities
    engine.rollback(1, 1)
    store.flush()
    assert q("SELECT MAX(block_number) FROM market_series WHERE chain_id = 1") == [(1,)]
    # block 2's sizing is orphaned; block 1's is reported again as the current one
    assert q("SELECT block_number, orphaned FROM opportunities ORDER BY id") == [
        (1, 0), (2, 1), (1, 0)]
    store.close()


def test_retention_keeps_the_last_blocks(tmp_path: Path) -> None:
    config = make_config(tmp_path, store={"path": str(tmp_path / "a.db"), "retention_blocks": 5})
    store = Store(config.store)
    engine = Engine(config, recorder=store)
    populate(engine)
    for n in range(1, 21):
        engine.apply_block(block(1, n, [gap_update(1, 3 * 10**21 + n)]))
    store.prune()
    assert store.query("SELECT MIN(block_number), MAX(block_number) FROM market_series") == [(16, 20)]
    store.close()
