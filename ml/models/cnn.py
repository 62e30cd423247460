"""1D CNN over a pool's feature window: which pattern follows (ml.data.dataset.PATTERNS)."""

from __future__ import annotations

import torch
from torch import nn

from ml.models.layers import Standardize


class PatternCNN(nn.Module):
    """Input ``features`` (batch, seq, F); output ``probs`` (batch, n_classes), softmax.

    Two dilated conv blocks and global average + max pooling over time, so any
    sequence length >= 8 works.
    """

    input_names = ("features",)
    output_names = ("probs",)

    def __init__(self, n_features: int, n_classes: int, channels: int = 32) -> None:
        super().__init__()
        self.scale = Standardize(n_features)
        self.body = nn.Sequential(
            nn.Conv1d(n_features, channels, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv1d(channels, channels, kernel_size=3, padding=2, dilation=2),
            nn.ReLU(),
        )
        self.head = nn.Linear(2 * channels, n_classes)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(self.scale(x).transpose(1, 2))  # (batch, channels, seq)
        pooled = torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)
        return self.head(pooled)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(x), dim=1)
