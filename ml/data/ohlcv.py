"""OHLCV bars (CSV or Parquet) as a market frame, so users can train on their own history.

Accepted columns (case-insensitive): a time column (``date``, ``time``,
``timestamp`` or ``datetime``: Unix seconds / milliseconds or a date string;
CryptoDataDownload's ``2019-10-17 09-AM`` is understood), ``close`` (required),
and optionally ``symbol``, ``volume`` (quote currency) or a base volume
(``volume_btc``-like, multiplied by close), ``trades``. A first line that is not
the header (CryptoDataDownload puts a notice there) is skipped. Rows are sorted
oldest first; ``block`` is the bar's index.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ml.data.frame import validate

_TIME_COLUMNS = ("timestamp", "time", "date", "datetime", "unix")


def read_ohlcv(path: Path | str, *, symbol: str | None = None, source: str = "ohlcv") -> pd.DataFrame:
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        bars = pd.read_parquet(path)
    else:
        with open(path) as f:
            first = f.readline().lower()
        skip = 0 if "close" in first else 1
        bars = pd.read_csv(path, skiprows=skip)
    return ohlcv_frame(bars, symbol=symbol, source=source)


def ohlcv_frame(bars: pd.DataFrame, *, symbol: str | None = None,
                source: str = "ohlcv") -> pd.DataFrame:
    cols = {c.lower().strip(): c for c in bars.columns}
    if "close" not in cols:
        raise ValueError(f"OHLCV data needs a 'close' column (have {list(bars.columns)})")
    time_col = next((cols[c] for c in _TIME_COLUMNS if c in cols), None)
    if time_col is None:
        raise ValueError(f"OHLCV data needs one of the time columns {_TIME_COLUMNS}")
    ts = _to_unix_seconds(bars[time_col])
    close = bars[cols["close"]].astype(float)
    if "volume" in cols:
        volume = bars[cols["volume"]].astype(float)
    else:
        base = next((cols[c] for c in cols if c.startswith("volume")), None)
        volume = bars[base].astype(float) * close if base else pd.Series(0.0, index=bars.index)
    trades = bars[cols["trades"]].astype(float) if "trades" in cols else 0.0
    name = symbol or (str(bars[cols["symbol"]].iloc[0]) if "symbol" in cols else "ASSET")
    frame = pd.DataFrame({
        "timestamp": ts, "price": close, "volume": volume, "swap_count": trades,
    }).dropna(subset=["timestamp", "price"])
    frame = frame.drop_duplicates("timestamp").sort_values("timestamp").reset_index(drop=True)
    frame["chain_id"] = 0
    frame["pool"] = name
    frame["block"] = np.arange(len(frame))
    frame["liquidity"] = np.nan
    frame["gas_price_gwei"] = 0.0
    frame["dex"] = source
    frame["pair"] = name
    return validate(frame)


def _to_unix_seconds(column: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(column):
        values = column.astype("int64")
        return values // 1000 if values.median() > 1e11 else values  # milliseconds
    text = column.astype(str)
    parsed = pd.to_datetime(text, format="%Y-%m-%d %I-%p", errors="coerce", utc=True)
    if parsed.isna().mean() > 0.5:
        parsed = pd.to_datetime(text, errors="coerce", utc=True, format="mixed")
    return (parsed - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
