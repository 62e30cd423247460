"""The engine's arbitrage.db as a market frame.

Reads the tables of ``engine/store/schema.py`` (migration 2):
``market_series`` (one row per pool and block that changed it: reserves for
V2, sqrt_price_x96 / tick / liquidity for V3, and the display ``price``),
``pools`` (dex, kind, token0/1) and ``tokens`` (symbol, decimals).

Mapping to the frame's columns:
- ``price``: market_series.price (token1 per token0, decimals applied);
- ``liquidity``: V2 sqrt(reserve0 * reserve1) and V3 L, both scaled by
  10**((decimals0 + decimals1) / 2), i.e. depth in units of sqrt(token0*token1);
- ``swap_count``: 1 for a stored row whose price moved, else 0 (the store
  keeps state per block, not the events; an event count column would replace this);
- ``volume``: the token1 amount the state change implies: V2 |Δreserve1|,
  V3 L·|Δsqrt(P)| (exact for a swap that stays inside one tick range);
- ``gas_price_gwei``: 0 (the store does not keep it yet);
- ``pair``: "SYMBOL0/SYMBOL1" (the addresses when symbols are unknown).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

from ml.data.frame import validate

_QUERY = """
SELECT s.chain_id, s.pool, s.block_number AS block, s.block_timestamp AS timestamp, s.price,
       s.reserve0, s.reserve1, s.sqrt_price_x96, s.liquidity AS v3_liquidity,
       p.kind, p.dex, p.token0, p.token1,
       COALESCE(t0.symbol, p.token0) AS symbol0, COALESCE(t1.symbol, p.token1) AS symbol1,
       COALESCE(t0.decimals, 18) AS decimals0, COALESCE(t1.decimals, 18) AS decimals1
FROM market_series s
JOIN pools p ON p.chain_id = s.chain_id AND p.address = s.pool
LEFT JOIN tokens t0 ON t0.chain_id = p.chain_id AND t0.address = p.token0
LEFT JOIN tokens t1 ON t1.chain_id = p.chain_id AND t1.address = p.token1
WHERE s.block_number >= ? {chain_filter}
ORDER BY s.chain_id, s.pool, s.block_number
"""


def has_market_series(path: Path | str) -> bool:
    path = Path(path)
    if not path.exists():
        return False
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return {"market_series", "pools", "tokens"} <= names


def read_store(path: Path | str, *, chain_id: int | None = None, from_block: int = 0) -> pd.DataFrame:
    """The market frame of an arbitrage.db (read-only; the engine may be writing it)."""
    if not has_market_series(path):
        raise ValueError(f"{path}: no market_series/pools/tokens tables (not an arbitrage.db?)")
    sql = _QUERY.format(chain_filter="AND s.chain_id = ?" if chain_id is not None else "")
    params: list[int] = [from_block] + ([chain_id] if chain_id is not None else [])
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = pd.read_sql_query(sql, conn, params=params)
    return store_rows_frame(rows)


def store_rows_frame(rows: pd.DataFrame) -> pd.DataFrame:
    if rows.empty:
        raise ValueError("arbitrage.db holds no market_series rows (yet)")
    scale = 10.0 ** ((rows["decimals0"] + rows["decimals1"]) / 2.0)
    r0 = pd.to_numeric(rows["reserve0"], errors="coerce")
    r1 = pd.to_numeric(rows["reserve1"], errors="coerce")
    v3_l = pd.to_numeric(rows["v3_liquidity"], errors="coerce")
    sqrt_p = pd.to_numeric(rows["sqrt_price_x96"], errors="coerce") / 2.0**96
    is_v2 = rows["kind"] == "v2"
    liquidity = np.where(is_v2, np.sqrt(r0 * r1), v3_l) / scale

    by_pool = rows.groupby(["chain_id", "pool"], sort=False)
    d_r1 = by_pool["reserve1"].transform(lambda s: pd.to_numeric(s, errors="coerce").diff()).abs()
    d_sqrt = sqrt_p.groupby([rows["chain_id"], rows["pool"]]).diff().abs()
    volume_v2 = d_r1 / 10.0 ** rows["decimals1"]
    volume_v3 = v3_l * d_sqrt / 10.0 ** rows["decimals1"]
    moved = by_pool["price"].diff().fillna(0.0) != 0.0
    frame = pd.DataFrame({
        "chain_id": rows["chain_id"], "pool": rows["pool"], "block": rows["block"],
        "timestamp": rows["timestamp"], "price": rows["price"], "liquidity": liquidity,
        "swap_count": moved.astype(float),
        "volume": np.where(is_v2, volume_v2, volume_v3),
        "gas_price_gwei": 0.0, "dex": rows["dex"],
        "pair": rows["symbol0"] + "/" + rows["symbol1"],
    })
    frame["volume"] = frame["volume"].fillna(0.0)
    return validate(frame[frame["price"] > 0])
