"""The dataset builder on a real recorded devnet series (anvil, real Uniswap/PancakeSwap bytecode).

Starts ``python -m engine.devnet up --simulate`` with automine (a block per
simulator transaction, so 160 blocks take seconds), records every pool's state
per block with ``ml.data.devnet`` and builds samples from it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.devnet import artifacts
from engine.devnet.node import ANVIL_BIN
from engine.models.features import RAW_INDEX, FeatureSpec
from ml.data.dataset import build_samples, pool_series
from ml.data.devnet import record

pytestmark = pytest.mark.chain
REPO_ROOT = Path(__file__).resolve().parent.parent
BLOCKS = 160
SPEC = FeatureSpec(window=16, return_horizons=(1, 4), vol_window=8, liquidity_horizons=(1, 8),
                   activity_window=4)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pd.DataFrame]:
    if not ANVIL_BIN.exists() or not artifacts.EXECUTOR_ARTIFACT.exists():
        pytest.fail("anvil or contracts/out missing: run `make npm` and the forge build",
                    pytrace=False)
    tmp = tmp_path_factory.mktemp("ml-devnet")
    config_path = tmp / "devnet.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.devnet", "up", "--simulate", "--dev-password",
         "--chains", "1", "--base-port", "0", "--block-time", "0", "--swaps-per-second", "8",
         "--liquidity-per-minute", "30", "--config", str(config_path),
         "--keystore", str(tmp / "trader.json"), "--pid-file", str(tmp / "pid")],
        cwd=REPO_ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        started = time.monotonic()
        while not config_path.exists():
            if proc.poll() is not None:
                pytest.fail(f"devnet up exited with {proc.returncode}:\n{proc.stdout.read()}")  # type: ignore[union-attr]
            if time.monotonic() - started > 120:
                pytest.fail("devnet up wrote no config within 120 s")
            time.sleep(0.05)
        yield record(config_path, BLOCKS)
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


def test_recorded_series_is_a_valid_market_frame(recorded: pd.DataFrame) -> None:
    assert recorded["pool"].nunique() == 26  # every pool of the devnet world
    assert recorded["block"].nunique() >= BLOCKS // 2
    assert set(recorded["dex"]) == {"uniswap-v2", "pancakeswap-v2", "uniswap-v3"}
    assert (recorded.groupby("pair")["pool"].nunique() > 1).any()  # pairs quoted by several DEXes
    assert recorded["swap_count"].sum() > 50 and (recorded["volume"] > 0).any()


def test_dataset_builder_on_the_devnet_series(recorded: pd.DataFrame) -> None:
    series = pool_series(recorded)
    assert len(series) == 26
    for s in series:  # dense block grid, prices carried forward, gaps against the other DEXes
        assert np.isfinite(s.raw[:, RAW_INDEX["price"]]).all()
        assert np.all(np.diff(s.blocks) > 0)
    gaps = np.concatenate([np.log(s.raw[:, RAW_INDEX["price"]] / s.raw[:, RAW_INDEX["ref_price"]])
                           for s in series])
    assert np.abs(gaps).max() > 0  # the simulator opens gaps between DEXes
    samples = build_samples(series, SPEC)
    assert len(samples) > 100
    assert np.isfinite(samples.windows).all()
    assert samples.windows.shape[1:] == (SPEC.window, SPEC.n_features)
