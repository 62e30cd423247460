"""The market frame: the one input format of the dataset builder.

One row per (chain_id, pool, block). Columns and meaning:

| column          | type  | meaning                                                       |
|-----------------|-------|---------------------------------------------------------------|
| chain_id        | int   | EVM chain id (0 for off-chain OHLCV data)                     |
| pool            | str   | pool address (or the symbol for OHLCV)                        |
| block           | int   | block number (or the bar's index); increasing in time          |
| timestamp       | int   | Unix seconds of the block / bar                               |
| price           | float | token1 per token0, decimals applied (the bar's close)         |
| liquidity       | float | depth in token1 units (V2: sqrt(r0*r1), V3: L); NaN if unknown |
| swap_count      | float | swaps in this block (trades in the bar); 0 if unknown          |
| volume          | float | traded token1 (quote) amount in the block / bar               |
| gas_price_gwei  | float | the block's gas price; 0 if unknown                           |
| dex             | str   | DEX name (uniswap-v2, pancakeswap-v2, uniswap-v3, coinbase)   |
| pair            | str   | canonical pair, "TOKEN0/TOKEN1", shared by pools across DEXes |

Rows may be sparse (a pool appears only in blocks that changed it): the
dataset builder carries price and liquidity forward and counts no swaps for
the blocks in between. Optional extra column ``anomaly`` (0/1): ground truth
for evaluation (synthetic data only); never a feature.
"""

from __future__ import annotations

import pandas as pd

MARKET_COLUMNS: dict[str, str] = {
    "chain_id": "int64",
    "pool": "object",
    "block": "int64",
    "timestamp": "int64",
    "price": "float64",
    "liquidity": "float64",
    "swap_count": "float64",
    "volume": "float64",
    "gas_price_gwei": "float64",
    "dex": "object",
    "pair": "object",
}


def validate(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with the documented columns and dtypes, sorted; ValueError naming the problem."""
    missing = [c for c in MARKET_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"market frame lacks columns {missing} (have {list(frame.columns)})")
    out = frame.copy()
    for column, dtype in MARKET_COLUMNS.items():
        if dtype == "object":
            out[column] = out[column].astype(str)
        else:
            out[column] = out[column].astype(dtype)
    bad = out["price"].isna() | (out["price"] <= 0)
    if bad.any():
        raise ValueError(f"market frame: {int(bad.sum())} rows with a missing or non-positive price")
    if out.duplicated(["chain_id", "pool", "block"]).any():
        raise ValueError("market frame: duplicate (chain_id, pool, block) rows")
    return out.sort_values(["chain_id", "pool", "block"]).reset_index(drop=True)
