"""One anvil process and a small JSON-RPC client tuned for many calls.

web3's contract layer fills in gas, fees and nonces with extra round trips;
the hot loops here send ``eth_sendTransaction`` from anvil's unlocked
accounts with an explicit gas limit and read receipts directly, which keeps
a swap at two requests.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eth_abi import decode
from web3 import Web3

REPO_ROOT = Path(__file__).resolve().parents[2]
ANVIL_BIN = REPO_ROOT / "node_modules" / ".bin" / "anvil"  # npm's wrapper (node script)

# Enough for swaps that cross hundreds of initialized ticks and for the
# readTicks walk over all 6,933 bitmap words of a spacing-1 pool.
BLOCK_GAS_LIMIT = 1_000_000_000
TX_GAS = 200_000_000
# Prague: no EIP-7825 per-transaction gas cap (Osaka's 2**24).
HARDFORK = "prague"

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
        return decode(["string"], data[4:])[0]
    if data[:4] == PANIC_SELECTOR:
        return f"Panic(0x{decode(['uint256'], data[4:])[0]:02x})"
    return ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def native_binary(wrapper: Path) -> Path:
    """The platform binary npm's wrapper would spawn (one process less, and a
    SIGTERM reaches anvil itself); the wrapper when there is none."""
    packages = wrapper.resolve().parent.parent  # node_modules/@foundry-rs
    for candidate in sorted(packages.glob("anvil-*/bin/anvil")):
        if os.access(candidate, os.X_OK):
            return candidate
    return wrapper


def _hex(value: int) -> str:
    return hex(value)


class Anvil:
    """A running anvil on a free loopback port; ``stop()`` terminates it."""

    def __init__(self, binary: Path = ANVIL_BIN, accounts: int = 4):
        if not binary.exists() or shutil.which(str(binary)) is None:
            raise FileNotFoundError(
                f"anvil not found at {binary}: run `make npm` (installs @foundry-rs/anvil)"
            )
        for attempt in range(3):  # a free port can be taken between probe and bind
            try:
                self._start(binary, accounts)
                return
            except RuntimeError:
                if attempt == 2:
                    raise

    def _start(self, binary: Path, accounts: int) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # a file, not a pipe: a full pipe would stall anvil; closed in stop()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                str(native_binary(binary)),
                "--port",
                str(self.port),
                "--host",
                "127.0.0.1",
                "--accounts",
                str(accounts),
                "--balance",
                "1000000",
                "--gas-limit",
                str(BLOCK_GAS_LIMIT),
                "--hardfork",
                HARDFORK,
                "--code-size-limit",
                str(64 * 1024),
                "--quiet",
            ],
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            env={**os.environ, "RUST_LOG": "off"},
        )
        atexit.register(self.stop)  # also when the session ends without fixture teardown
        self.w3 = Web3(Web3.HTTPProvider(self.url, request_kwargs={"timeout": 120}))
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                self._log.seek(0)
                err = self._log.read().decode(errors="replace")
                self._log.close()
                raise RuntimeError(f"anvil exited with {self.proc.returncode}: {err}")
            try:
                up = self.w3.is_connected()
            except Exception:  # noqa: BLE001 - not listening yet
                up = False
            if up:
                break
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"anvil did not answer on {self.url} within 30 s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


class Chain:
    """JSON-RPC helpers over one anvil: calls, sends, receipts, snapshots."""

    def __init__(self, anvil: Anvil):
        self.anvil = anvil
        self.w3 = anvil.w3
        self.accounts: list[str] = self.rpc("eth_accounts")
        self.sender = self.accounts[0]

    # --- raw ---------------------------------------------------------------

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        response = self.w3.provider.make_request(method, params or [])
        if "error" in response:
            raise RpcError(method, dict(response["error"]))
        return response["result"]

    def call(self, to: str, data: bytes, sender: str | None = None, gas: int = TX_GAS) -> bytes:
        """eth_call at the latest block; raises :class:`Revert` with the reason."""
        tx = {"from": sender or self.sender, "to": to, "data": "0x" + data.hex(), "gas": _hex(gas)}
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
        self, to: str | None, data: bytes, sender: str | None = None, gas: int = TX_GAS
    ) -> str:
        """eth_sendTransaction from an unlocked account; returns the tx hash."""
        tx: dict[str, Any] = {
            "from": sender or self.sender,
            "data": "0x" + data.hex(),
            "gas": _hex(gas),
        }
        if to is not None:
            tx["to"] = to
        return self.rpc("eth_sendTransaction", [tx])

    def receipt(self, tx_hash: str) -> dict[str, Any]:
        for _ in range(2000):
            receipt = self.rpc("eth_getTransactionReceipt", [tx_hash])
            if receipt is not None:
                return receipt
            time.sleep(0.005)
        raise TimeoutError(f"no receipt for {tx_hash}")

    def transact(
        self, to: str | None, data: bytes, sender: str | None = None, gas: int = TX_GAS
    ) -> dict[str, Any]:
        """Send and wait; on a failed status re-run it as eth_call to get the reason."""
        receipt = self.receipt(self.send(to, data, sender, gas))
        if int(receipt["status"], 16) != 1:
            try:
                self.call(to, data, sender, gas) if to else None
            except Revert as revert:
                raise revert from None
            raise Revert("", b"")  # reverted on chain, but the replay did not (should not happen)
        return receipt

    def deploy(self, bytecode: str | bytes, ctor_args: bytes = b"", gas: int = 30_000_000) -> str:
        code = bytes.fromhex(bytecode.removeprefix("0x")) if isinstance(bytecode, str) else bytecode
        receipt = self.transact(None, code + ctor_args, gas=gas)
        return Web3.to_checksum_address(receipt["contractAddress"])

    # --- isolation -----------------------------------------------------------

    def snapshot(self) -> str:
        return self.rpc("evm_snapshot")

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
