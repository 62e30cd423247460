"""Online learning: fine-tune a challenger, judge it out of sample, promote or reject.

Each ``OnlineLearner.step(samples)`` (``samples``: everything observed so far,
time-ordered) does at most two things, in this order:

1. **Judge** the pending challenger, once enough data has arrived *after* the
   data it was trained on (``eval_rows`` rows beyond its training range plus a
   gap). Champion and challenger are scored on that same window, through
   onnxruntime (what the engine would serve), by log-loss of the direction
   (LSTM) or of the pattern (CNN). The challenger is promoted only if its
   loss is lower by more than ``min_improvement``; otherwise it is rejected.
   Either way the registry records the decision with both scores.
2. **Fine-tune** a new challenger when none is pending: from the champion's
   checkpoint, on the latest ``train_rows`` rows, a few epochs at a low
   learning rate (its scalers stay the champion's), registered as
   ``challenger`` with the champion as parent.

The engine picks a promotion up by itself (``ModelRuntime.start_watcher`` or
``refresh``) and hot-swaps; ``ModelRuntime.rollback`` / ``Registry.rollback``
undo one. Run as a sidecar::

    python -m ml.online --data store:arbitrage.db --registry models --every 600
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.models.features import FeatureSpec
from engine.models.registry import CHALLENGER, CHAMPION, ModelVersion, Registry
from engine.models.runtime import load_model
from ml.data.dataset import PATTERN_HORIZON, Samples, build
from ml.export import CNN_PATTERN, LSTM_RETURN, register_torch
from ml.models.cnn import PatternCNN
from ml.models.lstm import ReturnLSTM
from ml.models.train import TrainConfig, checkpoint_bytes, load_checkpoint, train_cnn, train_lstm


@dataclass(frozen=True)
class OnlineConfig:
    model: str = LSTM_RETURN
    train_rows: int = 4000
    eval_rows: int = 500
    min_improvement: float = 0.0  # challenger loss must be lower than champion's by more
    fine_tune: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=2, lr=1e-3))


@dataclass(frozen=True)
class StepResult:
    decision: str | None = None  # "promote" | "reject" | None (nothing to judge yet)
    evidence: dict[str, Any] = field(default_factory=dict)
    challenger: str | None = None  # version registered in this step


def _log_loss_direction(p_up: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p_up, 1e-6, 1 - 1e-6)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _log_loss_pattern(probs: np.ndarray, y: np.ndarray) -> float:
    return float(-np.mean(np.log(np.clip(probs[np.arange(len(y)), y], 1e-6, 1.0))))


def score_onnx(version: ModelVersion, window: Samples) -> dict[str, float]:
    """Loss and accuracy of a registered version on ``window``, via onnxruntime."""
    model = load_model(version)
    outputs = dict(zip(model.output_names,
                       model.session.run(None, {model.input_name: window.windows}), strict=True))
    if model.kind == "return_direction":
        p_up = outputs["p_up"][:, 0].astype(np.float64)
        return {"log_loss": _log_loss_direction(p_up, window.y_direction),
                "accuracy": float(((p_up > 0.5) == window.y_direction).mean()),
                "mse": float(np.mean((outputs["log_return"][:, 0] - window.y_return) ** 2))}
    probs = outputs["probs"].astype(np.float64)
    return {"log_loss": _log_loss_pattern(probs, window.pattern),
            "accuracy": float((probs.argmax(axis=1) == window.pattern).mean())}


class OnlineLearner:
    def __init__(self, registry: Registry, config: OnlineConfig = OnlineConfig()) -> None:
        self.registry = registry
        self.config = config

    def step(self, samples: Samples) -> StepResult:
        name = self.config.model
        aliases = self.registry.aliases(name)
        if CHAMPION not in aliases:
            raise ValueError(f"{name}: no champion to learn from (run ml.train first)")
        if CHALLENGER in aliases:
            judged = self._judge(samples)
            if judged.decision is None:
                return judged  # keep waiting for out-of-sample data
            return StepResult(judged.decision, judged.evidence, self._fine_tune(samples))
        return StepResult(challenger=self._fine_tune(samples))

    def _judge(self, samples: Samples) -> StepResult:
        name = self.config.model
        champion = self.registry.get(name, CHAMPION)
        challenger = self.registry.get(name, CHALLENGER)
        trained_to = int(challenger.manifest["data_range"]["to_timestamp"])
        spec = samples.spec
        gap_rows = spec.window + max(spec.target_horizon, PATTERN_HORIZON)
        times = np.unique(samples.timestamp)
        later = times[times > trained_to]
        if len(later) <= gap_rows:
            return StepResult()
        start = later[gap_rows]
        window = samples.subset(np.flatnonzero(samples.timestamp >= start))
        if len(window) < self.config.eval_rows:
            return StepResult()
        window = window.subset(np.arange(self.config.eval_rows))  # the *next* window, same for both
        champ = score_onnx(champion, window)
        chall = score_onnx(challenger, window)
        evidence = {
            "champion": champion.version, "challenger": challenger.version,
            "champion_score": champ, "challenger_score": chall,
            "window": window.data_range, "metric": "log_loss",
            "min_improvement": self.config.min_improvement,
        }
        if chall["log_loss"] < champ["log_loss"] - self.config.min_improvement:
            self.registry.promote(name, challenger.version, evidence=evidence,
                                  reason="lower out-of-sample log-loss")
            return StepResult("promote", evidence)
        self.registry.reject(name, evidence=evidence, reason="not better out of sample")
        return StepResult("reject", evidence)

    def _fine_tune(self, samples: Samples) -> str:
        name = self.config.model
        champion = self.registry.get(name, CHAMPION)
        spec = FeatureSpec.from_json(champion.spec_json)
        if spec.digest() != samples.spec.digest():
            raise ValueError(f"{name}: samples were built with another feature spec than "
                             f"champion {champion.version}'s")
        model = load_checkpoint((champion.path / "checkpoint.pt").read_bytes())
        recent = samples.subset(np.arange(max(0, len(samples) - self.config.train_rows),
                                          len(samples)))
        cfg = self.config.fine_tune
        if isinstance(model, ReturnLSTM):
            model = train_lstm(recent, cfg, model=model)
        else:
            assert isinstance(model, PatternCNN)
            model = train_cnn(recent, cfg, model=model)
        classes = tuple(champion.manifest.get("io", {}).get("classes", ())) or None
        version = register_torch(
            self.registry, name, model, spec,
            metrics={"fine_tuned_rows": len(recent), "fine_tune": cfg.__dict__},
            data_range=recent.data_range, checkpoint=checkpoint_bytes(model, cfg, name),
            alias=CHALLENGER, parent=champion.version, note="online fine-tune", classes=classes,
        )
        return version.version


def main() -> None:
    from ml.evaluation.run import load_frame

    parser = argparse.ArgumentParser(description="online learner (sidecar)")
    parser.add_argument("--data", default="store:arbitrage.db")
    parser.add_argument("--registry", type=Path, default=Path("models"))
    parser.add_argument("--model", action="append", choices=[LSTM_RETURN, CNN_PATTERN])
    parser.add_argument("--every", type=float, default=600.0, help="seconds between steps")
    parser.add_argument("--once", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    learners = [OnlineLearner(Registry(args.registry), OnlineConfig(model=m))
                for m in (args.model or [LSTM_RETURN, CNN_PATTERN])]
    while True:
        frame, _ = load_frame(args.data)
        samples = build(frame, FeatureSpec())
        for learner in learners:
            result = learner.step(samples)
            print(f"{learner.config.model}: decision={result.decision} "
                  f"challenger={result.challenger}", flush=True)
        if args.once:
            return
        time.sleep(args.every if math.isfinite(args.every) else 0)


if __name__ == "__main__":
    main()
