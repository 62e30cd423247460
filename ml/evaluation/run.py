"""Walk-forward evaluation of the three models against their baselines.

    python -m ml.evaluation.run --data btc           # .cache/data/Coinbase_BTCUSD_1h.csv (make ml-data)
    python -m ml.evaluation.run --data synthetic     # ml.data.synthetic, seed 0
    python -m ml.evaluation.run --data store:arbitrage.db
    python -m ml.evaluation.run --data ohlcv:bars.parquet
    python -m ml.evaluation.run --data frame:.cache/data/devnet.csv   # ml.data.devnet recording

Per fold: every scaler and model is fit on the fold's training rows only,
then scored on its test rows; the hold-out is scored once, by models trained
on everything before it (minus the gap). Writes JSON and a markdown table
(``--out``, default .cache/eval/<data>.{json,md}).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import roc_auc_score

from engine.models.features import FeatureSpec
from ml.data.dataset import PATTERN_HORIZON, PATTERNS, Samples, build
from ml.evaluation import baselines
from ml.evaluation.metrics import (
    backtest,
    direction_metrics,
    information_coefficient,
    pattern_metrics,
)
from ml.evaluation.splits import walk_forward
from ml.models.iforest import anomaly_threshold, fit_iforest
from ml.models.train import TrainConfig, predict_cnn, predict_lstm, train_cnn, train_lstm


def load_frame(data: str) -> tuple[pd.DataFrame, float]:
    """(market frame, trading cost per unit of turnover) for a --data argument."""
    if data == "btc":
        from ml.data.ohlcv import read_ohlcv
        from ml.data.public import BTC_USD_1H

        if not BTC_USD_1H.exists():
            raise SystemExit(f"{BTC_USD_1H} missing: run `make ml-data` first")
        return read_ohlcv(BTC_USD_1H, source="coinbase"), 0.001  # 10 bps, a low taker fee
    if data == "synthetic":
        from ml.data.synthetic import SyntheticMarket, generate

        return generate(SyntheticMarket(blocks=4000)), 0.003  # a V2 pool's 30 bps
    kind, _, path = data.partition(":")
    if kind == "store":
        from ml.data.store import read_store

        return read_store(path), 0.003
    if kind == "frame":  # a market frame saved as CSV / Parquet (e.g. by ml.data.devnet)
        from ml.data.frame import validate

        read = pd.read_parquet if path.endswith((".parquet", ".pq")) else pd.read_csv
        return validate(read(path)), 0.003
    if kind == "ohlcv":
        from ml.data.ohlcv import read_ohlcv

        return read_ohlcv(path), 0.001
    raise SystemExit(f"unknown --data {data!r}")


def _fold_scores(train: Samples, test: Samples, config: TrainConfig, cost: float) -> dict[str, Any]:
    h = train.spec.target_horizon
    out: dict[str, Any] = {"train_rows": len(train), "test_rows": len(test)}

    lstm = train_lstm(train, config)
    ret_pred, p_up = predict_lstm(lstm, test.windows)
    persist_ret, persist_p = baselines.persistence(test)
    logit_p = baselines.logistic_direction(train, test)
    major_p = baselines.majority_direction(train, test)
    direction = {
        "lstm": {**direction_metrics(test.y_direction, p_up),
                 "ic": information_coefficient(test.y_return, ret_pred),
                 **backtest(test.y_return, ret_pred, test.pool_index, horizon=h, cost=cost)},
        "persistence": {**direction_metrics(test.y_direction, persist_p),
                        "ic": information_coefficient(test.y_return, persist_ret),
                        **backtest(test.y_return, persist_ret, test.pool_index, horizon=h,
                                   cost=cost)},
        "logistic_lags": {**direction_metrics(test.y_direction, logit_p),
                          "ic": information_coefficient(test.y_return, logit_p),
                          **backtest(test.y_return, logit_p - 0.5, test.pool_index, horizon=h,
                                     cost=cost)},
        "majority": {**direction_metrics(test.y_direction, major_p),
                     **backtest(test.y_return, major_p - 0.5 + 1e-9, test.pool_index, horizon=h,
                                cost=cost)},
    }
    out["direction"] = direction

    n_classes = len(PATTERNS)
    cnn = train_cnn(train, config)
    out["pattern"] = {
        "cnn": pattern_metrics(test.pattern, predict_cnn(cnn, test.windows)),
        "logistic_last_row": pattern_metrics(test.pattern,
                                             baselines.logistic_pattern(train, test, n_classes)),
        "majority": pattern_metrics(test.pattern,
                                    baselines.majority_pattern(train, test, n_classes)),
        "test_class_counts": np.bincount(test.pattern, minlength=n_classes).tolist(),
    }

    forest = fit_iforest(train.anomaly_inputs)
    threshold = anomaly_threshold(forest, train.anomaly_inputs)
    score = -forest.decision_function(np.nan_to_num(test.anomaly_inputs))
    anomaly: dict[str, Any] = {"flag_rate": float((score > threshold).mean())}
    if test.anomaly_truth is not None and 0 < test.anomaly_truth.sum() < len(test):
        truth = test.anomaly_truth
        flagged = score > threshold
        anomaly.update({
            "auc": float(roc_auc_score(truth, score)),
            "recall": float(flagged[truth == 1].mean()),
            "precision": float(truth[flagged].mean()) if flagged.any() else math.nan,
            "anomalous_rows": int(truth.sum()),
        })
    out["anomaly"] = anomaly
    return out


def evaluate(samples: Samples, *, folds: int, config: TrainConfig, cost: float) -> dict[str, Any]:
    gap = samples.spec.window + max(samples.spec.target_horizon, PATTERN_HORIZON)
    splits, final = walk_forward(samples.timestamp, folds=folds, gap=gap)
    fold_results = []
    for k, split in enumerate(splits):
        started = time.perf_counter()
        result = _fold_scores(samples.subset(split.train), samples.subset(split.test), config, cost)
        result["seconds"] = time.perf_counter() - started
        fold_results.append(result)
        print(f"fold {k}: {_one_line(result)}", flush=True)
    holdout = _fold_scores(samples.subset(final.train), samples.subset(final.test), config, cost)
    print(f"hold-out: {_one_line(holdout)}", flush=True)
    return {"gap": gap, "folds": fold_results, "holdout": holdout,
            "data_range": samples.data_range, "direction_base_rate": float(samples.y_direction.mean()),
            "pattern_counts": np.bincount(samples.pattern, minlength=len(PATTERNS)).tolist()}


def _one_line(r: dict[str, Any]) -> str:
    d = r["direction"]
    return (f"lstm acc {d['lstm']['accuracy']:.3f} mcc {d['lstm']['mcc']:+.3f} "
            f"ic {d['lstm']['ic']:+.3f} | persistence acc {d['persistence']['accuracy']:.3f} | "
            f"logit acc {d['logistic_lags']['accuracy']:.3f} | cnn mf1 "
            f"{r['pattern']['cnn']['macro_f1']:.3f} vs logit {r['pattern']['logistic_last_row']['macro_f1']:.3f}")


def markdown(name: str, result: dict[str, Any]) -> str:
    """Mean over folds (± std) and the hold-out, per model and metric."""
    header = (f"rows {result['data_range']['samples']}, gap {result['gap']} rows, "
              f"up-rate {result['direction_base_rate']:.3f}")
    lines = [f"### {name}", "", header, ""]

    def stat(path: list[str]) -> str:
        values = []
        for fold in result["folds"]:
            v: Any = fold
            for p in path:
                v = v.get(p, math.nan) if isinstance(v, dict) else v
            values.append(v)  # NaN where the fold lacks it (no anomaly in its test rows)
        h: Any = result["holdout"]
        for p in path:
            h = h[p]
        return f"{np.nanmean(values):+.3f} ± {np.nanstd(values):.3f} | {h:+.3f}"

    lines += ["| direction model | metric | folds mean ± std | hold-out |", "|---|---|---|---|"]
    for model in ("lstm", "persistence", "logistic_lags", "majority"):
        for metric in ("accuracy", "mcc", "auc", "ic", "net_per_decision_bps", "hit_rate"):
            if metric in result["holdout"]["direction"][model]:
                lines.append(f"| {model} | {metric} | {stat(['direction', model, metric])} |")
    lines += ["", "| pattern model | metric | folds mean ± std | hold-out |", "|---|---|---|---|"]
    for model in ("cnn", "logistic_last_row", "majority"):
        for metric in ("accuracy", "mcc", "macro_f1"):
            lines.append(f"| {model} | {metric} | {stat(['pattern', model, metric])} |")
    lines += ["", "| anomaly (IsolationForest) | metric | folds mean ± std | hold-out |",
              "|---|---|---|---|"]
    for metric in ("flag_rate", "auc", "recall", "precision"):
        if metric in result["holdout"]["anomaly"]:
            lines.append(f"| iforest | {metric} | {stat(['anomaly', metric])} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="walk-forward evaluation")
    parser.add_argument("--data", default="synthetic")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--max-train", type=int, default=None,
                        help="train on at most this many most recent rows per fold")
    parser.add_argument("--out", type=Path, default=Path(".cache/eval"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    frame, cost = load_frame(args.data)
    samples = build(frame, FeatureSpec())
    config = TrainConfig(epochs=args.epochs, max_samples=args.max_train)
    result = evaluate(samples, folds=args.folds, config=config, cost=cost)
    result["cost_per_turnover"] = cost
    result["config"] = {"epochs": args.epochs, "max_train": args.max_train, "folds": args.folds}
    name = args.data.replace(":", "_").replace("/", "_")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{name}.json").write_text(json.dumps(result, indent=2, default=float))
    md = markdown(args.data, result)
    (args.out / f"{name}.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
