"""LSTM over a pool's feature window: next-horizon log return and P(up)."""

from __future__ import annotations

import torch
from torch import nn

from ml.models.layers import Standardize


class ReturnLSTM(nn.Module):
    """Input ``features`` (batch, seq, F) raw feature rows, oldest first.

    Outputs ``log_return`` (batch, 1), the predicted log return over the spec's
    target horizon, and ``p_up`` (batch, 1), the probability that it is > 0.
    Works at any sequence length (the last step's hidden state is read).
    """

    input_names = ("features",)
    output_names = ("log_return", "p_up")

    def __init__(self, n_features: int, hidden: int = 32, layers: int = 1) -> None:
        super().__init__()
        self.scale = Standardize(n_features)
        self.lstm = nn.LSTM(n_features, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, 2)
        self.register_buffer("return_scale", torch.ones(()))  # std of training targets

    def logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out, _ = self.lstm(self.scale(x))
        h = self.head(out[:, -1, :])
        return h[:, 0:1], h[:, 1:2]  # scaled return, direction logit

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        scaled, logit = self.logits(x)
        return scaled * self.return_scale, torch.sigmoid(logit)
