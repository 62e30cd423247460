"""A small JSON-RPC client for a dev chain, tuned for many calls.

web3's contract layer fills in gas, fees and nonces with extra round trips;
here transactions go out as ``eth_sendTransaction`` from anvil's unlocked
accounts with an explicit gas limit and receipts are read directly, which
keeps a swap at two requests.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from eth_abi.abi import decode
from web3 import Web3

TX_GAS = 200_000_000
ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
PANIC_SELECTOR = bytes.fromhex("4e487b71")  # Panic(uint256)


class RpcError(RuntimeError):
    def __init__(self, method: str, error: dict[str, Any]):
        super().__init__(f"{method}: {error}")
        self.error = error


class Revert(Exception):
    """A reverted call: ``reason`` is the revert string ('' when none)."""

    def __init__(self, reason: str, data: bytes):
        super().__init__(reason, data)
        self.reason = reason
        self.data = data

    def __str__(self) -> str:
        return f"revert {self.reason!r} (data 0x{self.data.hex()})"


def decode_revert(data: bytes) -> str:
    """The revert string of Error(string) data, 'Panic(0x..)', or ''."""
    if data[:4] == ERROR_SELECTOR:
        reason: str = decode(["string"], data[4:])[0]
        return reason
    if data[:4] == PANIC_SELECTOR:
        return f"Panic(0x{decode(['uint256'], data[4:])[0]:02x})"
    return ""


class Chain:
    """JSON-RPC helpers over one node: calls, sends, receipts, snapshots, mining."""

    def __init__(self, url: str, timeout_s: float = 120):
        self.url = url
        self.timeout_s = timeout_s
        # A plain session of our own: web3's HTTPProvider shares one process-wide
        # session cache and lock, which another test's threads could hold.
        self._session = requests.Session()
        self._ids = itertools.count(1)
        self.accounts: list[str] = [Web3.to_checksum_address(a) for a in self.rpc("eth_accounts")]
        self.sender = self.accounts[0]

    # --- raw ---------------------------------------------------------------

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        request = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params or []}
        response = self._session.post(self.url, json=request, timeout=self.timeout_s).json()
        if "error" in response:
            raise RpcError(method, dict(response["error"]))
        return response["result"]

    def chain_id(self) -> int:
        return int(self.rpc("eth_chainId"), 16)

    def block_number(self) -> int:
        return int(self.rpc("eth_blockNumber"), 16)

    def call(self, to: str, data: bytes, sender: str | None = None, gas: int = TX_GAS) -> bytes:
        """eth_call at the latest block; raises :class:`Revert` with the reason."""
        tx = {"from": sender or self.sender, "to": to, "data": "0x" + data.hex(), "gas": hex(gas)}
        try:
            result = self.rpc("eth_call", [tx, "latest"])
        except RpcError as exc:
            raise self._revert_from(exc) from None
        return bytes.fromhex(result[2:])

    @staticmethod
    def _revert_from(exc: RpcError) -> Exception:
        data = exc.error.get("data")
        if isinstance(data, dict):  # some nodes nest it
            data = data.get("data")
        if isinstance(data, str) and data.startswith("0x"):
            raw = bytes.fromhex(data[2:])
            return Revert(decode_revert(raw), raw)
        message = str(exc.error.get("message", ""))
        if "revert" in message:
            return Revert("", b"")
        return exc

    def send(
        self,
        to: str | None,
        data: bytes,
        sender: str | None = None,
        gas: int = TX_GAS,
        value: int = 0,
    ) -> str:
        """eth_sendTransaction from an unlocked account; returns the tx hash."""
        tx: dict[str, Any] = {
            "from": sender or self.sender,
            "data": "0x" + data.hex(),
            "gas": hex(gas),
        }
        if value:
            tx["value"] = hex(value)
        if to is not None:
            tx["to"] = to
        tx_hash: str = self.rpc("eth_sendTransaction", [tx])
        return tx_hash

    def receipt(self, tx_hash: str, timeout_s: float = 60) -> dict[str, Any]:
        """Waits for the receipt (interval mining: up to one block time)."""
        deadline = time.monotonic() + timeout_s
        while True:
            receipt = self.rpc("eth_getTransactionReceipt", [tx_hash])
            if receipt is not None:
                return dict(receipt)
            if time.monotonic() > deadline:
                raise TimeoutError(f"no receipt for {tx_hash} within {timeout_s} s")
            time.sleep(0.005)

    def transact(
        self,
        to: str | None,
        data: bytes,
        sender: str | None = None,
        gas: int = TX_GAS,
        value: int = 0,
    ) -> dict[str, Any]:
        """Send and wait; on a failed status re-run it as eth_call to get the reason."""
        receipt = self.receipt(self.send(to, data, sender, gas, value))
        if int(receipt["status"], 16) != 1:
            if to is not None:
                self.call(to, data, sender, gas)  # raises Revert with the reason
            raise Revert("", b"")  # reverted on chain, but the replay did not
        return receipt

    def deploy(
        self,
        bytecode: str | bytes,
        ctor_args: bytes = b"",
        sender: str | None = None,
        gas: int = 30_000_000,
    ) -> str:
        code = bytes.fromhex(bytecode.removeprefix("0x")) if isinstance(bytecode, str) else bytecode
        receipt = self.transact(None, code + ctor_args, sender=sender, gas=gas)
        return Web3.to_checksum_address(receipt["contractAddress"])

    # --- dev-node controls (anvil) ---------------------------------------------

    def set_balance(self, account: str, wei: int) -> None:
        self.rpc("anvil_setBalance", [account, hex(wei)])

    def set_interval_mining(self, block_time_s: int) -> None:
        """Mine a block every ``block_time_s`` seconds with automine off; 0: automine."""
        if block_time_s > 0:
            self.rpc("evm_setAutomine", [False])
            self.rpc("evm_setIntervalMining", [block_time_s])
        else:
            self.rpc("evm_setIntervalMining", [0])
            self.rpc("evm_setAutomine", [True])

    def automine(self) -> bool:
        return bool(self.rpc("anvil_getAutomine"))

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", [hex(blocks)])

    # --- isolation -----------------------------------------------------------

    def snapshot(self) -> str:
        snapshot_id: str = self.rpc("evm_snapshot")
        return snapshot_id

    def revert_to(self, snapshot_id: str) -> None:
        if not self.rpc("evm_revert", [snapshot_id]):
            raise RuntimeError(f"evm_revert({snapshot_id}) failed")

    @contextmanager
    def isolated(self) -> Iterator[None]:
        """Everything done inside is rolled back afterwards."""
        snapshot_id = self.snapshot()
        try:
            yield
        finally:
            self.revert_to(snapshot_id)
