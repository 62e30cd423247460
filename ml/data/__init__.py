"""Market frames in, model-ready arrays out.

The input of everything here is a *market frame* (``frame.MARKET_COLUMNS``):
one row per pool and block (or bar). ``store`` reads it from arbitrage.db,
``ohlcv`` from CSV/Parquet bars, ``synthetic`` generates one; ``dataset``
turns it into per-pool raw series, feature windows, targets and labels.
"""
