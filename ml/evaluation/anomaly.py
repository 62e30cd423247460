"""The anomaly model on the devnet: how often it flags ordinary blocks, and a drained pool.

    python -m ml.evaluation.anomaly                      # trained here as ml.train does
    python -m ml.evaluation.anomaly --registry models    # the registry's champion iforest_pool

Model: the champion ``iforest_pool`` of ``--registry``, or one trained here
as ``ml.train`` trains it, on the synthetic market (``--train-blocks``,
``--train-seed``, ``--window``; tests/ml_support.py's registry is
``--train-blocks 500 --train-seed 3 --window 16``).

Served as the engine serves it: a ``ModelRuntime`` (onnxruntime) fed one
``observe_block`` per block with the pools that changed, every pool scored
at every block once it has a full history.

1. Ordinary blocks: a fresh devnet world (``--seed``) under the default
   market simulator (``ml.data.devnet.simulated_devnet``: noise swaps, 1-3 %
   gap-opening swaps twice a minute, V3 mints and burns; no arbitrageur
   closes the gaps), one block per simulated second. Reported: the share of
   (pool, block) scores above the threshold after the warm-up.
2. Scenarios, from the end of that run, each undone afterwards
   (evm_snapshot / evm_revert): for every V3 pool, in one block, ``--pull``
   of its liquidity burned and its price pushed ``--move``
   (``engine.devnet.scenario``), beside an ordinary 1 % gap on a V2 pool of
   another pair; then two blocks without trades. Reported: the drained
   pool's scores at the manipulation block and the two after, the gapped
   pool's, and the other pools flagged in that block.

3. Held-out simulated data: a synthetic market the model never saw
   (``--holdout-seed``, ``--holdout-blocks``, ``--holdout-anomalies`` per pool),
   scored through onnxruntime on every sample row: AUC, recall and precision
   over rows against the injected anomalies, the share of injected episodes
   flagged at their first row, and the flag rate of ordinary rows.

Writes JSON and markdown to ``--out`` (default .cache/eval/devnet_anomaly.{json,md}).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from engine.devnet import scenario
from engine.devnet.config import PoolConfig
from engine.models.features import FeatureSpec
from engine.models.registry import Registry
from engine.models.runtime import IFOREST_POOL, ModelRuntime, PoolObservation, load_model
from ml.data.dataset import build
from ml.data.devnet import SimulatedDevnet, simulated_devnet
from ml.data.synthetic import SyntheticMarket, generate

GAP_MOVE = 0.01  # the ordinary gap opened beside each manipulation


def train_registry(root: Path, *, blocks: int, seed: int, window: int) -> Registry:
    """A registry holding one IsolationForest trained as ml.train trains it."""
    from ml.train import split_holdout, train_iforest

    samples = build(generate(SyntheticMarket(blocks=blocks, seed=seed)), FeatureSpec(window=window))
    train, test = split_holdout(samples)
    registry = Registry(root)
    train_iforest(train, test, registry, alias="champion",
                  note=f"ml.evaluation.anomaly: SyntheticMarket(blocks={blocks}, seed={seed})")
    return registry


def _label(devnet: SimulatedDevnet, pool: PoolConfig) -> str:
    t0 = devnet.config.token_by_address(pool.token0).symbol
    t1 = devnet.config.token_by_address(pool.token1).symbol
    return f"{t0}/{t1} {pool.dex}" + (f" {pool.fee}" if pool.kind == "v3" else "")


def evaluate(registry: Registry, *, seed: int, blocks: int, pull: float, move: float,
             ) -> dict[str, Any]:
    runtime = ModelRuntime(registry, models=[IFOREST_POOL])
    if IFOREST_POOL not in runtime.models:
        raise SystemExit(f"{registry.root}: no loadable {IFOREST_POOL} champion")
    model = runtime.models[IFOREST_POOL]
    threshold = float(model.manifest["io"]["threshold"])
    warmup = model.spec.history_rows
    with simulated_devnet(seed) as devnet:
        chain_id = devnet.config.chain_id
        pools = devnet.config.pools
        keys = [(chain_id, p.address) for p in pools]
        history: list[tuple[int, list[PoolObservation]]] = []
        scores, flagged = [], []
        started = time.perf_counter()
        for i in range(blocks):
            number, changes = devnet.step(1.0)
            history.append((number, changes))
            runtime.observe_block(chain_id, number, changes)
            if i >= warmup:
                predictions = runtime.predict(keys, only=(IFOREST_POOL,))
                scores.append([p.anomaly_score for p in predictions])
                flagged.append([p.anomalous for p in predictions])
        seconds = time.perf_counter() - started
        score, flag = np.array(scores, dtype=float), np.array(flagged, dtype=bool)
        v3 = np.array([p.kind == "v3" for p in pools])
        by_pool = flag.mean(axis=0)
        ordinary = {
            "blocks": blocks, "scored_blocks": len(scores), "pools": len(pools),
            "pool_blocks": int(flag.size), "flagged": int(flag.sum()),
            "flag_rate": float(flag.mean()), "flag_rate_v2": float(flag[:, ~v3].mean()),
            "flag_rate_v3": float(flag[:, v3].mean()),
            "score_p50": float(np.median(score)), "score_p99": float(np.quantile(score, 0.99)),
            "score_max": float(score.max()),
            "most_flagged": sorted(((_label(devnet, p), float(r)) for p, r in zip(pools, by_pool,
                                                                                   strict=True)),
                                   key=lambda x: -x[1])[:5],
            "market": devnet.market.stats.line(), "seconds": seconds,
        }

        v2_pools = [p for p in pools if p.kind == "v2"]
        results = []
        for k, pool in enumerate(p for p in pools if p.kind == "v3"):
            gapped = next(p for p in v2_pools[k % len(v2_pools):] + v2_pools
                          if {p.token0, p.token1} != {pool.token0, pool.token1})
            with devnet.isolated():
                runtime.reset_chain(chain_id)  # the history up to here, replayed
                for number, changes in history:
                    runtime.observe_block(chain_id, number, changes)
                done = scenario.manipulate(devnet.config, pool, pull=pull, move=move, up=k % 2 == 0)
                devnet.market.open_gap(gapped, GAP_MOVE, zero_for_one=True)
                after = []
                for _ in range(3):  # the manipulation block, then two without trades
                    number = devnet.mine()
                    runtime.observe_block(chain_id, number, devnet.reader.observe(number))
                    after.append({p.pool: p for p in runtime.predict(keys, only=(IFOREST_POOL,))})
                for tx in done.txs:
                    if int(devnet.chain.receipt(tx)["status"], 16) != 1:
                        raise RuntimeError(f"scenario transaction {tx} reverted")
            target, gap_key = pool.address.lower(), gapped.address.lower()
            others = [p for key, p in after[0].items() if key not in (target, gap_key)]
            before = {key for key, was in zip((k.lower() for _, k in keys), flagged[-1],
                                              strict=True) if was}
            results.append({
                "pool": _label(devnet, pool), "direction": "up" if k % 2 == 0 else "down",
                "drained": [b[target].anomaly_score for b in after],
                "drained_flagged": [b[target].anomalous for b in after],
                "gap_pool": _label(devnet, gapped), "gap": after[0][gap_key].anomaly_score,
                "gap_flagged": after[0][gap_key].anomalous,
                "others_flagged": sum(p.anomalous for p in others),
                "others_flagged_before": sum(p.anomalous and p.pool in before for p in others),
                "others_max": max(p.anomaly_score or 0.0 for p in others),
            })
    return {"threshold": threshold, "model": f"{IFOREST_POOL} {model.version}",
            "spec": model.spec.to_json(), "seed": seed, "pull": pull, "move": move,
            "ordinary": ordinary, "scenarios": results}


def synthetic_holdout(registry: Registry, *, blocks: int, seed: int,
                      anomalies: float) -> dict[str, Any]:
    """The registry's champion on a synthetic market it never saw, against the injected truth."""
    from sklearn.metrics import roc_auc_score

    model = load_model(registry.get(IFOREST_POOL))
    threshold = float(model.manifest["io"]["threshold"])
    market = SyntheticMarket(blocks=blocks, seed=seed, anomalies_per_pool=anomalies)
    samples = build(generate(market), model.spec)
    x = np.nan_to_num(samples.anomaly_inputs).astype(np.float32)
    score = -model.session.run(None, {model.input_name: x})[
        model.output_names.index("scores")][:, 0]
    truth = samples.anomaly_truth
    assert truth is not None
    flagged = score > threshold
    # an episode: consecutive anomalous rows of one pool; flagged at its first row?
    order = np.lexsort((samples.block, samples.pool_index))
    t, f, pool = truth[order], flagged[order], samples.pool_index[order]
    starts = (t == 1) & ((np.roll(t, 1) == 0) | (np.roll(pool, 1) != pool))
    return {
        "blocks": blocks, "seed": seed, "anomalies_per_pool": anomalies, "rows": len(samples),
        "anomalous_rows": int(truth.sum()), "episodes": int(starts.sum()),
        "auc": float(roc_auc_score(truth, score)),
        "recall": float(flagged[truth == 1].mean()),
        "precision": float(truth[flagged].mean()) if flagged.any() else float("nan"),
        "episodes_flagged_at_first_row": float(f[starts].mean()),
        "ordinary_flag_rate": float(flagged[truth == 0].mean()),
    }


def markdown(result: dict[str, Any]) -> str:
    o, s = result["ordinary"], result["scenarios"]
    drained = np.array([r["drained"] for r in s])
    caught = np.array([r["drained_flagged"] for r in s])
    ordinary = (
        f"Ordinary blocks: {o['blocks']} blocks of the default simulator, seed {result['seed']} "
        f"({o['market']}); {o['pool_blocks']} (pool, block) scores after the warm-up: "
        f"**{o['flagged']} flagged ({o['flag_rate']:.2%})**, V2 {o['flag_rate_v2']:.2%}, "
        f"V3 {o['flag_rate_v3']:.2%}; score p50 {o['score_p50']:.3f}, p99 {o['score_p99']:.3f}, "
        f"max {o['score_max']:.3f}.")
    scenarios = (
        f"Scenarios ({len(s)} V3 pools, {result['pull']:.0%} of the liquidity burned, price "
        f"pushed {result['move']:.0%}): drained pool flagged at the block "
        f"{caught[:, 0].mean():.0%}, one block later {caught[:, 1].mean():.0%}, two later "
        f"{caught[:, 2].mean():.0%} (scores {drained.min():.3f}-{drained.max():.3f}); the "
        f"{GAP_MOVE:.0%} gap's pool flagged {np.mean([r['gap_flagged'] for r in s]):.0%} "
        f"(max {max(r['gap'] for r in s):.3f}); other pools flagged in the block: "
        f"{sum(r['others_flagged'] for r in s)}, of which "
        f"{sum(r['others_flagged_before'] for r in s)} already in the block before "
        f"(max {max(r['others_max'] for r in s):.3f}).")
    lines = [
        f"### devnet anomaly ({result['model']}, threshold {result['threshold']:.3f})", "",
        ordinary, "", scenarios, "",
        "| drained pool | push | score m / m+1 / m+2 | 1 % gap pool | its score |",
        "|---|---|---|---|---|",
    ]
    for r in s:
        scores = " / ".join(f"{x:.3f}" for x in r["drained"])
        lines.append(f"| {r['pool']} | {r['direction']} | {scores} | {r['gap_pool']} | "
                     f"{r['gap']:.3f} |")
    if "synthetic" in result:
        h = result["synthetic"]
        lines += ["", (
            f"Held-out synthetic market (SyntheticMarket(blocks={h['blocks']}, "
            f"seed={h['seed']}, anomalies_per_pool={h['anomalies_per_pool']}), "
            f"{h['rows']} rows, {h['anomalous_rows']} anomalous in {h['episodes']} "
            f"episodes): AUC {h['auc']:.3f}, recall {h['recall']:.2f}, precision "
            f"{h['precision']:.2f}, episodes flagged at their first row "
            f"{h['episodes_flagged_at_first_row']:.0%}, ordinary rows flagged "
            f"{h['ordinary_flag_rate']:.2%}.")]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", type=Path, default=None,
                        help="evaluate this registry's champion (default: train one here)")
    parser.add_argument("--train-blocks", type=int, default=4000)
    parser.add_argument("--train-seed", type=int, default=0)
    parser.add_argument("--window", type=int, default=FeatureSpec.window)
    parser.add_argument("--seed", type=int, default=7, help="the devnet world and simulator")
    parser.add_argument("--blocks", type=int, default=3000)
    parser.add_argument("--pull", type=float, default=0.95)
    parser.add_argument("--move", type=float, default=0.10)
    parser.add_argument("--holdout-blocks", type=int, default=4000)
    parser.add_argument("--holdout-seed", type=int, default=1)
    parser.add_argument("--holdout-anomalies", type=float, default=6.0)
    parser.add_argument("--out", type=Path, default=Path(".cache/eval"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="arbx-anomaly-") as tmp:
        registry = (Registry(args.registry) if args.registry else
                    train_registry(Path(tmp), blocks=args.train_blocks, seed=args.train_seed,
                                   window=args.window))
        result = evaluate(registry, seed=args.seed, blocks=args.blocks, pull=args.pull,
                          move=args.move)
        result["synthetic"] = synthetic_holdout(registry, blocks=args.holdout_blocks,
                                                seed=args.holdout_seed,
                                                anomalies=args.holdout_anomalies)
    if not args.registry:
        result["trained_on"] = {"blocks": args.train_blocks, "seed": args.train_seed,
                                "window": args.window}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "devnet_anomaly.json").write_text(json.dumps(result, indent=2, default=float))
    md = markdown(result)
    (args.out / "devnet_anomaly.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
