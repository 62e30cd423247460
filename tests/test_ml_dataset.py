"""ml.data: the market frame, its sources, features without look-ahead, labels, splits."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest

from engine.models.features import (
    ANOMALY_FEATURE_VERSION,
    ANOMALY_FEATURES,
    RAW_COLUMNS,
    RAW_INDEX,
    FeatureSpec,
    anomaly_features,
    check_anomaly_spec,
    compute_features,
)
from engine.store.schema import migrate
from ml.data.dataset import PATTERNS, build_samples, pattern_labels, pool_series
from ml.data.frame import MARKET_COLUMNS, validate
from ml.data.ohlcv import read_ohlcv
from ml.data.store import read_store
from ml.data.synthetic import SyntheticMarket, generate
from ml.evaluation.splits import walk_forward
from tests import ml_support

SPEC = ml_support.SPEC


def test_synthetic_frame_has_the_documented_columns_and_anomalies() -> None:
    frame = generate(SyntheticMarket(blocks=300, seed=1, anomalies_per_pool=3))
    assert set(MARKET_COLUMNS) <= set(frame.columns)
    assert frame.groupby("pair")["pool"].nunique().eq(3).all()
    assert frame["anomaly"].sum() > 0
    assert (frame["price"] > 0).all()


def test_validate_names_the_missing_column() -> None:
    frame = generate(SyntheticMarket(blocks=50)).drop(columns=["liquidity"])
    with pytest.raises(ValueError, match="liquidity"):
        validate(frame)


def test_pool_series_fills_sparse_blocks_and_references_other_dexes() -> None:
    rows = [  # two pools of one pair; pool b silent in block 2
        (1, "a", 1, 10, 100.0, 5.0, 1, 10.0, 20.0, "uniswap-v2", "X/Y"),
        (1, "b", 1, 10, 102.0, 7.0, 1, 12.0, 20.0, "pancakeswap-v2", "X/Y"),
        (1, "a", 2, 12, 101.0, 5.0, 2, 30.0, 25.0, "uniswap-v2", "X/Y"),
        (1, "b", 3, 14, 104.0, 6.0, 1, 11.0, 21.0, "pancakeswap-v2", "X/Y"),
    ]
    frame = pd.DataFrame(rows, columns=list(MARKET_COLUMNS))
    series = {s.pool: s for s in pool_series(frame)}
    b = series["b"]
    assert b.blocks.tolist() == [1, 2, 3]
    assert b.raw[:, RAW_INDEX["price"]].tolist() == [102.0, 102.0, 104.0]  # carried forward
    assert b.raw[:, RAW_INDEX["swap_count"]].tolist() == [1.0, 0.0, 1.0]  # none in block 2
    assert b.raw[:, RAW_INDEX["ref_price"]].tolist() == [100.0, 101.0, 101.0]  # pool a's price
    assert b.raw[:, RAW_INDEX["gas_price_gwei"]].tolist() == [20.0, 25.0, 21.0]


def test_features_never_look_ahead() -> None:
    series = pool_series(generate(SyntheticMarket(blocks=200, seed=2)))[0].raw
    base = compute_features(series, SPEC)
    changed = series.copy()
    changed[120:] *= 1.5  # rewrite the future
    after = compute_features(changed, SPEC)
    np.testing.assert_array_equal(base[:120], after[:120])
    assert not np.allclose(base[120:], after[120:], equal_nan=True)


def test_batched_and_served_features_equal_training_features() -> None:
    series = [s.raw[:180] for s in pool_series(generate(SyntheticMarket(blocks=200, seed=2)))]
    full = np.stack([compute_features(r, SPEC) for r in series])
    np.testing.assert_array_equal(compute_features(np.stack(series), SPEC), full)
    # a server keeps only spec.history_rows rows: its last window must be identical
    tail = compute_features(np.stack([r[-SPEC.history_rows:] for r in series]), SPEC)
    np.testing.assert_allclose(tail[:, -SPEC.window:], full[:, -SPEC.window:], rtol=0, atol=1e-12)


def test_feature_spec_round_trips_and_refuses_other_code_versions() -> None:
    spec = FeatureSpec(window=24, return_horizons=(1, 2, 8), anomaly_window=20)
    again = FeatureSpec.from_json(spec.to_json())
    assert again == spec and again.digest() == spec.digest()
    assert again.anomaly_version == ANOMALY_FEATURE_VERSION == 2
    stale = {**spec.to_json(), "code_version": 999}
    with pytest.raises(ValueError, match="feature code version"):
        FeatureSpec.from_json(stale)


def test_a_spec_from_before_versioned_anomaly_features_is_version_1() -> None:
    """Its sequence features are still computed; its anomaly inputs are refused, by version."""
    old = SPEC.to_json()
    del old["anomaly_version"], old["anomaly_window"]
    spec = FeatureSpec.from_json(old)
    assert (spec.anomaly_version, spec.anomaly_window) == (1, 0)
    assert spec.history_rows == SPEC.warmup + SPEC.window  # what it was trained with
    with pytest.raises(ValueError, match="anomaly features version 1, this build computes "
                                         "version 2: retrain the IsolationForest"):
        check_anomaly_spec(spec)
    raw = pool_series(generate(SyntheticMarket(blocks=80, seed=2)))[0].raw
    with pytest.raises(ValueError, match="anomaly features version 1"):
        anomaly_features(raw, spec)
    np.testing.assert_array_equal(compute_features(raw, spec), compute_features(raw, SPEC))


def test_anomaly_features_never_look_ahead_and_a_server_tail_computes_the_same() -> None:
    series = [s.raw[:200] for s in pool_series(generate(SyntheticMarket(blocks=200, seed=2)))]
    full = np.stack([anomaly_features(r, SPEC) for r in series])
    assert full.shape == (len(series), 200, len(ANOMALY_FEATURES))
    assert np.isnan(full[:, :SPEC.anomaly_window]).all()
    assert np.isfinite(full[:, SPEC.anomaly_window:]).all() and (full[:, SPEC.anomaly_window:] >= 0).all()
    np.testing.assert_array_equal(anomaly_features(np.stack(series), SPEC), full)
    changed = series[0].copy()
    changed[120:] *= 1.5  # rewrite the future
    np.testing.assert_array_equal(anomaly_features(changed, SPEC)[:120], full[0, :120])
    # what the runtime computes: the last row of the history it keeps
    tail = np.stack([r[-SPEC.history_rows:] for r in series])
    np.testing.assert_array_equal(anomaly_features(tail, SPEC, last=1)[:, 0], full[:, -1])


def _rare_trader(blocks: int = 120, every: int = 8) -> np.ndarray:
    """A pool swapped every ``every`` blocks, each swap moving it 0.2 %, its peers unmoved."""
    raw = _raw(np.full(blocks, 100.0))
    raw[:, RAW_INDEX["ref_price"]] = 100.0
    price = 100.0
    for t in range(every, blocks, every):
        price *= 1.002 if (t // every) % 2 else 1 / 1.002
        raw[t:, RAW_INDEX["price"]] = price
        raw[t, RAW_INDEX["swap_count"]] = 1.0
    return raw


def test_a_pool_that_trades_rarely_reads_each_swap_at_its_size_until_the_next() -> None:
    """Event time: one ordinary swap is one ordinary event, not a saturated per-block ratio."""
    col = {name: i for i, name in enumerate(ANOMALY_FEATURES)}
    raw = _rare_trader()
    a = anomaly_features(raw, SPEC)
    for t in range(SPEC.anomaly_window, len(raw)):
        last_swap = t - t % 8
        np.testing.assert_allclose(a[t, col["move"]], np.log(1.002), rtol=1e-9)  # swap or quiet
        assert a[t, col["move"]] == a[last_swap, col["move"]]
        assert a[t, col["swap_burst"]] == 0.0  # one swap per event, as every event of the pool
        assert a[t, col["liq_drop"]] == a[t, col["liq_level"]] == 0.0
    # no event for a whole window: nothing to remember
    quiet = raw.copy()
    quiet[60:, RAW_INDEX["price"]] = quiet[59, RAW_INDEX["price"]]
    quiet[60:, RAW_INDEX["swap_count"]] = 0.0
    b = anomaly_features(quiet, SPEC)
    assert (b[56 + SPEC.anomaly_window:] == 0.0).all()


def test_a_drained_and_pushed_pool_stays_anomalous_until_its_next_event() -> None:
    col = {name: i for i, name in enumerate(ANOMALY_FEATURES)}
    raw = _rare_trader()
    m = 100
    raw[m:, RAW_INDEX["price"]] *= 1.10  # pushed 10 % off its peers
    raw[m:, RAW_INDEX["liquidity"]] *= 0.05  # 95 % of the liquidity burned
    raw[m, RAW_INDEX["swap_count"]] = 1.0
    a = anomaly_features(raw, SPEC)
    for t in (m, m + 1, m + 3):  # the next swap comes at 104
        assert a[t, col["move"]] == pytest.approx(np.log(1.10))
        assert a[t, col["gap_open"]] > 0.09
        assert a[t, col["liq_drop"]] == pytest.approx(-np.log(0.05))
        assert a[t, col["liq_level"]] == pytest.approx(-np.log(0.05))
    after = a[m + 4]  # an ordinary swap: the event remembered is that one
    assert after[col["move"]] == pytest.approx(np.log(1.002)) and after[col["liq_drop"]] == 0.0
    assert after[col["gap_open"]] < 0.003  # a stale gap alone is an opportunity, not a danger
    assert after[col["liq_level"]] > 2.9  # but the pool is still drained against its recent level


def _raw(prices: np.ndarray, liquidity: np.ndarray | None = None) -> np.ndarray:
    n = len(prices)
    raw = np.zeros((n, len(RAW_COLUMNS)))
    raw[:, RAW_INDEX["price"]] = prices
    raw[:, RAW_INDEX["liquidity"]] = 1e6 if liquidity is None else liquidity
    raw[:, RAW_INDEX["ref_price"]] = prices
    return raw


def test_pattern_labels_follow_what_came_next() -> None:
    rng = np.random.default_rng(0)
    n = 120
    noise = rng.normal(0, 0.001, n)
    t = 80
    trend = np.exp(np.cumsum(noise + np.where(np.arange(n) > t, 0.001, 0.0)))
    spike = np.exp(np.cumsum(noise + np.where(np.arange(n) == t + 3, 0.05, 0.0)))
    liquidity = np.where(np.arange(n) > t + 2, 1e5, 1e6)
    quiet = np.exp(np.cumsum(noise))
    label = {}
    for name, raw in {"trend": _raw(trend), "spike": _raw(spike),
                      "liquidity_pull": _raw(quiet, liquidity)}.items():
        labels = pattern_labels(raw, compute_features(raw, SPEC), SPEC)
        label[name] = PATTERNS[labels[t]]
    assert label == {"trend": "trend", "spike": "spike", "liquidity_pull": "liquidity_pull"}


def test_samples_are_time_ordered_with_known_targets() -> None:
    s = ml_support.samples()
    assert np.all(np.diff(s.timestamp) >= 0)
    assert s.windows.shape[1:] == (SPEC.window, SPEC.n_features)
    assert np.isfinite(s.windows).all() and np.isfinite(s.y_return).all()
    assert set(np.unique(s.pattern)) <= set(range(len(PATTERNS)))
    np.testing.assert_array_equal(s.y_direction, (s.y_return > 0).astype(int))


def test_walk_forward_keeps_a_gap_and_an_untouched_holdout() -> None:
    times = np.repeat(np.arange(1000), 3)  # 3 pools share each time
    folds, final = walk_forward(times, folds=4, gap=20, holdout=0.2)
    assert len(folds) == 4
    hold_start = times[final.test].min()
    for split in folds:
        assert times[split.train].max() + 20 < times[split.test].min()
        assert times[split.test].max() < hold_start
    assert times[final.train].max() + 20 < hold_start
    assert len(final.test) == 3 * 200


def test_ohlcv_csv_in_cryptodatadownload_format(tmp_path) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(
        "Timestamps are UTC timezone,https://www.CryptoDataDownload.com\n"
        "date,symbol,open,high,low,close,volume_btc,volume\n"
        "2019-10-17 09-AM,BTCUSD,8051,8056.83,8021.23,8035.88,61.25,492394.56\n"
        "2019-10-17 08-AM,BTCUSD,7975.89,8070,7975.89,8051,370.45,2971610.86\n"
    )
    frame = read_ohlcv(path, source="coinbase")
    assert frame["price"].tolist() == [8051.0, 8035.88]  # oldest first
    assert frame["timestamp"].diff().iloc[1] == 3600
    assert frame["pool"].iloc[0] == "BTCUSD" and frame["volume"].iloc[0] == 2971610.86


def test_ohlcv_parquet(tmp_path) -> None:
    bars = pd.DataFrame({"timestamp": [1_700_000_000_000 + 60_000 * i for i in range(5)],
                         "close": [1.0, 1.1, 1.2, 1.1, 1.0], "volume": [5.0] * 5})
    bars.to_parquet(tmp_path / "bars.parquet")
    frame = read_ohlcv(tmp_path / "bars.parquet", symbol="ETHUSD")
    assert frame["timestamp"].iloc[0] == 1_700_000_000 and len(frame) == 5


def test_store_adapter_reads_an_arbitrage_db(tmp_path) -> None:
    db = tmp_path / "arbitrage.db"
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn)
    weth, usdc = "0x" + "11" * 20, "0x" + "22" * 20
    conn.executemany("INSERT INTO tokens VALUES (?,?,?,?)",
                     [(1, weth, "WETH", 18), (1, usdc, "USDC", 6)])
    conn.executemany("INSERT INTO pools VALUES (?,?,?,?,?,?,?,?)", [
        (1, "0xv2", "v2", "uniswap-v2", weth, usdc, 3000, None),
        (1, "0xv3", "v3", "uniswap-v3", weth, usdc, 500, 10),
    ])
    r0, r1 = 1000 * 10**18, 3_000_000 * 10**6
    sqrt_p = int((3000 * 10**6 / 10**18) ** 0.5 * 2**96)
    rows = [
        (1, "0xv2", 10, "0xh10", 100, str(r0), str(r1), None, None, None, 3000.0),
        (1, "0xv2", 11, "0xh11", 112, str(r0 - 10**18), str(r1 + 3003 * 10**6), None, None, None,
         (r1 + 3003 * 10**6) / (r0 - 10**18) * 1e12),
        (1, "0xv3", 10, "0xh10", 100, None, None, str(sqrt_p), 0, str(10**18), 3000.0),
    ]
    conn.executemany("INSERT INTO market_series VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    conn.close()
    frame = read_store(db)
    v2 = frame[frame["pool"] == "0xv2"].reset_index(drop=True)
    assert v2["pair"].iloc[0] == "WETH/USDC" and v2["dex"].iloc[0] == "uniswap-v2"
    assert v2["swap_count"].tolist() == [0.0, 1.0]
    assert v2["volume"].iloc[1] == pytest.approx(3003.0)
    assert v2["liquidity"].iloc[0] == pytest.approx((1000 * 3_000_000) ** 0.5)
    samples_frame = pool_series(frame)
    assert {s.pool for s in samples_frame} == {"0xv2", "0xv3"}
    # the engine-side mapping (engine.models.observe) gives the same numbers
    from types import SimpleNamespace

    from engine.models.observe import observation

    tokens = {(1, weth): SimpleNamespace(decimals=18, symbol="WETH"),
              (1, usdc): SimpleNamespace(decimals=6, symbol="USDC")}
    prev = SimpleNamespace(chain_id=1, address="0xv2", token0=weth, token1=usdc,
                           reserve0=r0, reserve1=r1)
    cur = SimpleNamespace(chain_id=1, address="0xv2", token0=weth, token1=usdc,
                          reserve0=r0 - 10**18, reserve1=r1 + 3003 * 10**6)
    obs = observation(cur, prev, tokens)
    assert obs.pair == "WETH/USDC" and obs.swap_count == 1.0
    assert obs.price == pytest.approx(v2["price"].iloc[1])
    assert obs.volume == pytest.approx(v2["volume"].iloc[1])
    assert obs.liquidity == pytest.approx(v2["liquidity"].iloc[1])


def test_build_samples_skips_pools_too_short() -> None:
    series = pool_series(generate(SyntheticMarket(blocks=400, seed=4)))
    series[0].raw = series[0].raw[:10]
    series[0].blocks, series[0].timestamps = series[0].blocks[:10], series[0].timestamps[:10]
    s = build_samples(series, SPEC)
    assert 0 not in set(s.pool_index.tolist()) and len(s) > 0
