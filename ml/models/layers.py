"""Pieces shared by the torch models."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


class Standardize(nn.Module):
    """(x - mean) / std per feature, with statistics fit on the training fold only.

    The statistics are buffers, so they are exported inside the ONNX graph and
    the engine feeds raw features: nothing to keep in sync beside the model.
    NaN/inf inputs (a pool with too little history) become 0 after scaling.
    """

    def __init__(self, n_features: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(n_features))
        self.register_buffer("std", torch.ones(n_features))

    def fit(self, windows: np.ndarray) -> Standardize:
        flat = windows.reshape(-1, windows.shape[-1]).astype(np.float64)
        flat = np.where(np.isfinite(flat), flat, np.nan)
        mean = np.nanmean(flat, axis=0)
        std = np.nanstd(flat, axis=0)
        self.mean.copy_(torch.as_tensor(np.nan_to_num(mean), dtype=torch.float32))
        self.std.copy_(torch.as_tensor(np.where(std > 1e-8, std, 1.0), dtype=torch.float32))
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = (x - self.mean) / self.std
        z = torch.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0)
        return torch.clamp(z, -10.0, 10.0)
