"""Fitting the torch models: small, CPU, one thread, seeded.

Scalers (``Standardize``, the return scale) are fit on the rows passed in,
which the callers keep to the training fold. ``fine_tune`` continues from a
checkpoint (online learning).
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from ml.data.dataset import PATTERNS, Samples
from ml.models.cnn import PatternCNN
from ml.models.lstm import ReturnLSTM


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 8
    batch_size: int = 256
    lr: float = 3e-3
    weight_decay: float = 1e-4
    hidden: int = 32
    channels: int = 32
    seed: int = 0
    max_samples: int | None = None  # most recent rows of the fold only (keeps CI short)
    threads: int = 1


def _setup(config: TrainConfig) -> None:
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)


def _recent(samples: Samples, config: TrainConfig) -> Samples:
    if config.max_samples is not None and len(samples) > config.max_samples:
        return samples.subset(np.arange(len(samples) - config.max_samples, len(samples)))
    return samples


def _batches(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def train_lstm(train: Samples, config: TrainConfig = TrainConfig(),
               model: ReturnLSTM | None = None) -> ReturnLSTM:
    """Fit (or, given ``model``, fine-tune without refitting its scalers) the return LSTM."""
    _setup(config)
    train = _recent(train, config)
    if model is None:
        model = ReturnLSTM(train.windows.shape[-1], hidden=config.hidden)
        model.scale.fit(train.windows)
        model.return_scale.fill_(float(max(np.std(train.y_return), 1e-8)))
    x = torch.as_tensor(train.windows)
    y = torch.as_tensor(train.y_return / float(model.return_scale), dtype=torch.float32)[:, None]
    d = torch.as_tensor(train.y_direction, dtype=torch.float32)[:, None]
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    rng = np.random.default_rng(config.seed)
    model.train()
    for _ in range(config.epochs):
        for idx in _batches(len(x), config.batch_size, rng):
            scaled, logit = model.logits(x[idx])
            loss = nn.functional.huber_loss(scaled, y[idx].clamp(-5, 5)) + \
                nn.functional.binary_cross_entropy_with_logits(logit, d[idx])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
    return model.eval()


def train_cnn(train: Samples, config: TrainConfig = TrainConfig(),
              model: PatternCNN | None = None) -> PatternCNN:
    """Fit the pattern CNN; classes weighted by inverse frequency (patterns are rare)."""
    _setup(config)
    train = _recent(train, config)
    n_classes = len(PATTERNS)
    if model is None:
        model = PatternCNN(train.windows.shape[-1], n_classes, channels=config.channels)
        model.scale.fit(train.windows)
    counts = np.bincount(train.pattern, minlength=n_classes).astype(np.float64)
    weights = np.where(counts > 0, len(train) / (n_classes * np.maximum(counts, 1)), 0.0)
    weights = np.minimum(weights, 20.0)
    loss_fn = nn.CrossEntropyLoss(weight=torch.as_tensor(weights, dtype=torch.float32))
    x = torch.as_tensor(train.windows)
    y = torch.as_tensor(train.pattern)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    rng = np.random.default_rng(config.seed)
    model.train()
    for _ in range(config.epochs):
        for idx in _batches(len(x), config.batch_size, rng):
            loss = loss_fn(model.logits(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
    return model.eval()


@torch.no_grad()
def predict_lstm(model: ReturnLSTM, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ret, p_up = model(torch.as_tensor(windows))
    return ret[:, 0].numpy().astype(np.float64), p_up[:, 0].numpy().astype(np.float64)


@torch.no_grad()
def predict_cnn(model: PatternCNN, windows: np.ndarray) -> np.ndarray:
    return model(torch.as_tensor(windows)).numpy().astype(np.float64)


def checkpoint_bytes(model: nn.Module, config: TrainConfig, kind: str,
                     meta: dict[str, Any] | None = None) -> bytes:
    """state_dict + constructor args, for fine-tuning later (stored beside the ONNX file)."""
    if isinstance(model, ReturnLSTM):
        args = {"n_features": model.lstm.input_size, "hidden": model.lstm.hidden_size,
                "layers": model.lstm.num_layers}
    elif isinstance(model, PatternCNN):
        args = {"n_features": model.scale.mean.numel(), "n_classes": model.head.out_features,
                "channels": model.head.in_features // 2}
    else:
        raise TypeError(type(model))
    buf = io.BytesIO()
    torch.save({"kind": kind, "args": args, "state": model.state_dict(),
                "config": asdict(config), "meta": meta or {}}, buf)
    return buf.getvalue()


def load_checkpoint(data: bytes) -> nn.Module:
    ckpt = torch.load(io.BytesIO(data), weights_only=True)
    cls = {"lstm_return": ReturnLSTM, "cnn_pattern": PatternCNN}[ckpt["kind"]]
    model = cls(**ckpt["args"])
    model.load_state_dict(ckpt["state"])
    return model.eval()
