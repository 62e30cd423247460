"""Small data and models shared by tests/test_ml_*.py (trained once per session).

Training is kept to seconds: a short synthetic market, tiny networks, two epochs.
``registry_copy`` hands each test its own copy of the trained registry, so tests
that promote or roll back do not see each other.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import torch

from engine.models.features import FeatureSpec
from engine.models.registry import Registry
from ml.data.dataset import Samples, build
from ml.data.synthetic import SyntheticMarket, generate
from ml.models.train import TrainConfig
from ml.train import Trained, train_all

torch.set_num_threads(1)

SPEC = FeatureSpec(window=16)
TINY = TrainConfig(epochs=2, hidden=8, channels=8, batch_size=128)
MARKET = SyntheticMarket(blocks=500, seed=3)


@functools.cache
def samples(blocks: int = MARKET.blocks, anomalies: float = MARKET.anomalies_per_pool) -> Samples:
    m = SyntheticMarket(blocks=blocks, seed=MARKET.seed, anomalies_per_pool=anomalies)
    return build(generate(m), SPEC)


@functools.cache
def _trained() -> tuple[Path, Trained]:
    root = Path(tempfile.mkdtemp(prefix="arbx-ml-registry-"))
    atexit.register(shutil.rmtree, root, True)
    trained = train_all(samples(), Registry(root), config=TINY)  # history with a few anomalies
    return root, trained


def trained() -> Trained:
    return _trained()[1]


def registry_copy(dest: Path) -> Registry:
    shutil.copytree(_trained()[0], dest)
    return Registry(dest)
