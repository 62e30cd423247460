"""A crash between send and receipt: ``arbx serve`` (live) sends a trade, is killed with
SIGKILL while the transaction waits in the node's pool, a block is mined, and the
restarted engine reconciles the trade as mined from the chain: not resent, and the
trader's nonces have no gap and no duplicate.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from engine.api.gen.arbitrage.v1 import engine_pb2 as pb
from engine.api.gen.arbitrage.v1 import engine_pb2_grpc
from engine.devnet import keystore
from engine.devnet.node import free_port
from engine.devnet.paths import REPO_ROOT
from tests.execution_support import PASSWORD, World, read_trades, world, write_config

pytestmark = pytest.mark.chain


@pytest.fixture
def devnet(tmp_path: Path) -> Iterator[World]:
    with world(tmp_path) as w:
        yield w


def _wait(predicate: Callable[[], Any], what: str, proc: subprocess.Popen[bytes],
          timeout_s: float = 120) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if proc.poll() is not None:
            raise AssertionError(f"the engine exited ({proc.returncode}) while waiting for {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _serve(config: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "serve", "--config", str(config)],
        cwd=REPO_ROOT, env={**os.environ, keystore.PASSWORD_ENV: PASSWORD},
        stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )


def _synced(port: int, head: int) -> bool:
    """Reconciled (the trading RPCs answer) and the chain followed up to ``head``."""
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = engine_pb2_grpc.EngineServiceStub(channel)
            stub.GetRiskLimits(pb.GetRiskLimitsRequest(), timeout=2)
            status = stub.GetStatus(pb.GetStatusRequest(), timeout=2)
    except grpc.RpcError:
        return False
    return any(c.head_number >= head for c in status.chains)


def test_sigkill_between_send_and_receipt_is_reconciled_not_resent(
    devnet: World, tmp_path: Path
) -> None:
    w = devnet
    port = free_port()
    config = write_config(w, tmp_path, port)
    db = tmp_path / "trades.db"
    log = tmp_path / "engine.log"
    nonce0 = w.nonce()
    first_block = w.chain.block_number() + 1

    proc = _serve(config, log)
    try:
        _wait(lambda: _synced(port, w.chain.block_number()), "the engine to start", proc)
        w.open_gap()

        def sent() -> dict[str, Any] | None:
            rows = [r for r in read_trades(db) if r["status"] == "sent"]
            return rows[0] if rows else None

        trade = _wait(sent, "the engine to send a trade", proc)
        tx_hash = trade["tx_hash"]
        _wait(lambda: w.chain.rpc("eth_getTransactionByHash", [tx_hash]) is not None,
              "the transaction in the node's pool", proc)
        proc.send_signal(signal.SIGKILL)  # between send and receipt
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert [r["status"] for r in read_trades(db) if r["id"] == trade["id"]] == ["sent"]

    w.mine()  # the transaction lands while no engine runs
    receipt = w.chain.rpc("eth_getTransactionReceipt", [tx_hash])
    assert receipt is not None and int(receipt["status"], 16) == 1

    proc = _serve(config, log)
    try:
        def reconciled() -> dict[str, Any] | None:
            row = next(r for r in read_trades(db) if r["id"] == trade["id"])
            return row if row["final"] else None

        row = _wait(reconciled, "the restarted engine to reconcile the trade", proc)
        _wait(lambda: _synced(port, w.chain.block_number()), "the restarted engine to sync", proc)
        w.mine()  # anything the restarted engine sent lands too
        time.sleep(0.5)  # noqa: not an assert on time: lets its tracker record the block
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    assert row["status"] == "mined", row["reason"]
    assert row["history"] == ["created", "simulated", "sent", "mined"]
    assert [tx["tx_hash"] for tx in row["txs"]] == [tx_hash], "the trade was sent again"
    logs = w.trade_executed_logs(first_block)
    assert int(logs[0]["data"][66:130], 16) == int(row["profit_realized"])
    assert logs[0]["transactionHash"] == tx_hash

    # every nonce the engine ever signed: distinct, gap-free from the start, and exactly
    # the transactions the chain counted
    rows = read_trades(db)
    nonces = [tx["nonce"] for r in rows for tx in r["txs"] if tx["kind"] == "original"]
    assert sorted(nonces) == list(range(nonce0, nonce0 + len(nonces)))
    assert w.nonce() == nonce0 + len(nonces)
    assert len(logs) == sum(1 for r in rows if r["status"] == "mined")
    assert "reconciled open trades" in log.read_text()
    assert PASSWORD not in log.read_text()
