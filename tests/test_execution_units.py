"""engine/execution and trades.db without a chain: nonces, the store's write-ahead record,
route encoding and revert decoding, risk limits, the keystore signer."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from eth_account import Account

from engine.execution.encoding import ERRORS, EXECUTE_SELECTOR, decode_revert
from engine.execution.nonces import NonceManager
from engine.execution.risk import Mode, RiskGuard, RiskLimits
from engine.execution.signer import Signer, SignerError
from engine.store.trades import SignedTx, Trade, TradeFilter, TradeStatus, TradeStore


def test_nonces_are_distinct_and_released_ones_are_reused_first() -> None:
    nonces = NonceManager(1, "0xa", 7)
    got = [nonces.allocate() for _ in range(50)]
    assert got == list(range(7, 57))
    nonces.release(20)
    nonces.release(56)  # the last one: shrinks instead of leaving a hole
    assert nonces.allocate() == 20 and nonces.allocate() == 56 and nonces.allocate() == 57
    nonces.resync(100)  # the node counts more (another sender, a restart)
    assert nonces.allocate() == 100


def _trade(key: str, **fields: object) -> Trade:
    now = time.time_ns()
    base = dict(  # noqa: C408 - the Trade fields, by name
                id=key + "-id", idempotency_key=key, source="rpc", mode="live", chain_id=1,
                opportunity_id="1:0xp:1", block_number=5, base_token="0xt", pools=["0xp", "0xq"],
                tokens=["0xt", "0xu", "0xt"], executor="0xe", calldata=b"\x01", amount_in=10**30,
                min_profit=0, deadline_block=7, flash=True, profit_expected=-3,
                gas_cost_expected=2, status=TradeStatus.CREATED, sender="0xs", created_ns=now,
                updated_ns=now)
    base.update(fields)
    return Trade(**base)  # type: ignore[arg-type]


def test_trades_db_keeps_history_transactions_and_unique_keys(tmp_path: Path) -> None:
    store = TradeStore(tmp_path / "trades.db")
    try:
        assert store.insert(_trade("k1"))
        assert not store.insert(_trade("k1", id="other"))  # the key is taken: nothing written
        store.transition("k1-id", TradeStatus.SIMULATED, detail="ok", profit_expected=2**255 - 1)
        signed = SignedTx("0xh", "k1-id", 1, "0xs", 4, "original", 10, 1, b"\x02raw", 1)
        store.transition("k1-id", TradeStatus.SENT, signed=signed, nonce=4, tx_hash="0xh")
        assert [t.id for t in store.open_trades()] == ["k1-id"]
        store.transition("k1-id", TradeStatus.MINED, profit_realized=-(2**200), gas_used=1,
                         effective_gas_price=3)
        trade = store.get_by_key("k1")
        assert trade is not None and trade.final and trade.status is TradeStatus.MINED
        assert [h.status for h in trade.history] == [
            TradeStatus.CREATED, TradeStatus.SIMULATED, TradeStatus.SENT, TradeStatus.MINED]
        assert trade.profit_expected == 2**255 - 1 and trade.profit_realized == -(2**200)
        assert trade.amount_in == 10**30 and trade.txs == [signed] and trade.nonce == 4
        assert store.open_trades() == []
        for i in range(5):
            store.insert(_trade(f"p{i}"))
        page, token = store.list(TradeFilter(), 4)
        rest, end = store.list(TradeFilter(), 4, token)
        assert len(page) == 4 and len(rest) == 2 and end == ""
        assert [t.id for t in store.list(TradeFilter(statuses=[TradeStatus.MINED]), 10)[0]] == ["k1-id"]
        assert len(store.list(TradeFilter(pool="0xq"), 10)[0]) == 6
        with pytest.raises(KeyError):
            store.transition("missing", TradeStatus.DROPPED)
    finally:
        store.close()
    reopened = TradeStore(tmp_path / "trades.db")  # durable across a reopen
    try:
        assert reopened.get("k1-id") is not None
    finally:
        reopened.close()


def test_reverts_decode_to_the_executor_errors() -> None:
    assert EXECUTE_SELECTOR.hex() == "0ab703a1"
    selector = next(s for s, (name, _) in ERRORS.items() if name == "InsufficientProfit")
    assert selector.hex() == "653406a4"
    data = selector + (2**256 - 5).to_bytes(32, "big") + (7).to_bytes(32, "big")
    assert decode_revert(data) == "InsufficientProfit(-5, 7)"
    assert decode_revert(b"\xde\xad\xbe\xef") == "revert 0xdeadbeef"


def test_risk_refusals_name_the_limit() -> None:
    guard = RiskGuard(RiskLimits(max_in_flight=1, max_amount_in={"WETH": 10},
                                 pool_cooldown_blocks=3), Mode.LIVE)
    ok = {"chain_id": 1, "pools": ["0xp"], "base_token": "0xw", "symbol": "WETH",
          "amount_in": 5, "head": 100}
    assert guard.refusal(**ok) is None  # type: ignore[arg-type]
    assert "cap" in (guard.refusal(**{**ok, "amount_in": 11}) or "")  # type: ignore[arg-type]
    guard.hold("t1", 1, ["0xp"])
    assert "in flight" in (guard.refusal(**ok) or "")  # type: ignore[arg-type]
    guard.release("t1")
    guard.failed(1, ["0xp"], 100)
    assert "cools down" in (guard.refusal(**ok) or "")  # type: ignore[arg-type]
    assert guard.refusal(**{**ok, "head": 104}) is None  # type: ignore[arg-type]
    guard.lost(10**18)
    assert "daily loss" in (guard.refusal(**{**ok, "head": 104}) or "")  # type: ignore[arg-type]
    guard.limits = guard.limits.updated(kill_switch=True)
    assert guard.refusal(**ok) == "kill switch is on"  # type: ignore[arg-type]
    guard.mode = Mode.OBSERVE
    assert "observe" in (guard.refusal(**ok) or "")  # type: ignore[arg-type]
    assert "not profitable" in (guard.profit_refusal(0) or "")


def test_signer_reads_the_keystore_password_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = Account.create()
    path = tmp_path / "k.json"
    path.write_text(json.dumps(Account.encrypt(account.key, "pw-secret")))
    monkeypatch.delenv("ARBX_KEYSTORE_PASSWORD", raising=False)
    with pytest.raises(SignerError, match="ARBX_KEYSTORE_PASSWORD is not set"):
        Signer.from_keystore(path)
    monkeypatch.setenv("ARBX_KEYSTORE_PASSWORD", "wrong")
    with pytest.raises(SignerError, match="wrong password") as err:
        Signer.from_keystore(path)
    assert "wrong" not in str(err.value).replace("wrong password", "")
    monkeypatch.setenv("ARBX_KEYSTORE_PASSWORD", "pw-secret")
    signer = Signer.from_keystore(path)
    assert signer.address == account.address.lower()
    assert "pw-secret" not in repr(signer) and account.key.hex() not in repr(signer)
    tx = signer.sign(chain_id=1, nonce=0, to="0x" + "11" * 20, data=b"", gas=21000,
                     max_fee_per_gas=2, max_priority_fee_per_gas=1)
    assert tx.tx_hash.startswith("0x") and tx.raw[0] == 2  # EIP-1559
