"""arbitrage.db schema, as numbered migrations.

``schema_version`` holds one row per applied migration. ``migrate`` applies
the missing ones in order, each in its own transaction, so running it again
changes nothing. Append new migrations; never edit an applied one.

Amounts are TEXT decimals (uint256 / int256 do not fit SQLite's INTEGER);
``profit_net_key`` is an order-preserving TEXT encoding of profit_net for
filters and sorting in SQL (see ``int256_key``).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

_KEY_OFFSET = 10**78  # > 2**255: every int256 maps to a positive 79-digit number


def int256_key(value: int) -> str:
    """Fixed-width decimal of ``value + 10**78``: string order equals numeric order."""
    return f"{value + _KEY_OFFSET:079d}"


def _script(conn: sqlite3.Connection, sql: str) -> None:
    # not executescript(): it commits first, and each migration is one transaction
    for statement in sql.split(";"):
        if statement.strip():
            conn.execute(statement)


def _m1_initial(conn: sqlite3.Connection) -> None:
    _script(
        conn,
        """
        CREATE TABLE tokens (
            chain_id  INTEGER NOT NULL,
            address   TEXT    NOT NULL,
            symbol    TEXT    NOT NULL,
            decimals  INTEGER NOT NULL,
            PRIMARY KEY (chain_id, address)
        );
        CREATE TABLE pools (
            chain_id      INTEGER NOT NULL,
            address       TEXT    NOT NULL,
            kind          TEXT    NOT NULL CHECK (kind IN ('v2', 'v3')),
            dex           TEXT    NOT NULL,
            token0        TEXT    NOT NULL,
            token1        TEXT    NOT NULL,
            fee_pips      INTEGER NOT NULL,
            tick_spacing  INTEGER,
            PRIMARY KEY (chain_id, address)
        );
        -- one row per pool and block that changed it
        CREATE TABLE market_series (
            chain_id        INTEGER NOT NULL,
            pool            TEXT    NOT NULL,
            block_number    INTEGER NOT NULL,
            block_hash      TEXT    NOT NULL,
            block_timestamp INTEGER NOT NULL,
            reserve0        TEXT,
            reserve1        TEXT,
            sqrt_price_x96  TEXT,
            tick            INTEGER,
            liquidity       TEXT,
            price           REAL    NOT NULL,
            PRIMARY KEY (chain_id, pool, block_number)
        ) WITHOUT ROWID;
        CREATE INDEX market_series_block ON market_series (chain_id, block_number);
        -- an opportunity each time it is reported with a new sizing
        CREATE TABLE opportunities (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            opportunity_id  TEXT    NOT NULL,
            chain_id        INTEGER NOT NULL,
            block_number    INTEGER NOT NULL,
            block_hash      TEXT    NOT NULL,
            base_token      TEXT    NOT NULL,
            pools           TEXT    NOT NULL,  -- ",pool,pool," in hop order
            tokens          TEXT    NOT NULL,  -- comma-separated
            zero_for_one    TEXT    NOT NULL,  -- "1"/"0" per hop
            amount_in       TEXT    NOT NULL,
            amounts         TEXT    NOT NULL,  -- comma-separated
            amount_out      TEXT    NOT NULL,
            profit_gross    TEXT    NOT NULL,
            gas_units       INTEGER NOT NULL,
            gas_cost        TEXT    NOT NULL,
            profit_net      TEXT    NOT NULL,
            profit_net_key  TEXT    NOT NULL,
            observed_ns     INTEGER NOT NULL,
            published_ns    INTEGER NOT NULL
        );
        CREATE INDEX opportunities_chain_block ON opportunities (chain_id, block_number);
        """
    )


def _m2_reorgs(conn: sqlite3.Connection) -> None:
    # Opportunities of blocks later rolled back stay (they were reported) but are marked.
    conn.execute("ALTER TABLE opportunities ADD COLUMN orphaned INTEGER NOT NULL DEFAULT 0")
    conn.execute("CREATE INDEX opportunities_id ON opportunities (opportunity_id)")


def _m3_model_verdicts(conn: sqlite3.Connection) -> None:
    # What the strategy decided from the models (engine.core.events.ModelVerdict); rows
    # written before, or by an engine without models, hold no score and decision "".
    conn.execute("ALTER TABLE opportunities ADD COLUMN model_score REAL")
    conn.execute("ALTER TABLE opportunities ADD COLUMN anomalous INTEGER NOT NULL DEFAULT 0")
    conn.execute("ALTER TABLE opportunities ADD COLUMN model_decision TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE opportunities ADD COLUMN model_reason TEXT NOT NULL DEFAULT ''")


MIGRATIONS: list[tuple[int, Callable[[sqlite3.Connection], None]]] = [
    (1, _m1_initial),
    (2, _m2_reorgs),
    (3, _m3_model_verdicts),
]
LATEST = MIGRATIONS[-1][0]


def current_version(conn: sqlite3.Connection) -> int:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version "
        "(version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"
    )
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Apply the missing migrations; returns the versions applied (empty when current).

    ``conn`` must be in autocommit mode (``isolation_level=None``).
    """
    applied = []
    have = current_version(conn)
    if have > LATEST:
        raise RuntimeError(f"arbitrage.db schema {have} is newer than this engine's {LATEST}")
    for version, step in MIGRATIONS:
        if version <= have:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            step(conn)
            conn.execute(
                "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                (version, int(time.time())),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied
