"""One anvil process on loopback: start, wait until it answers, stop.

The devnet command and the test fixtures both start chains through
:class:`AnvilNode`; everything that talks to a running chain goes through
:mod:`engine.devnet.rpc`.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from engine.devnet.paths import NODE_MODULES

ANVIL_BIN = NODE_MODULES / ".bin" / "anvil"  # npm's wrapper (a node script)

# Enough for swaps that cross hundreds of initialized ticks and for the
# readTicks walk over all 6,933 bitmap words of a spacing-1 pool.
BLOCK_GAS_LIMIT = 1_000_000_000
# Prague: no EIP-7825 per-transaction gas cap (Osaka's 2**24); has EIP-1153
# transient storage, which the executor uses.
HARDFORK = "prague"
# The executor's bytecode is below 24 KiB, the tests' helpers are not all.
CODE_SIZE_LIMIT = 64 * 1024


@dataclass(frozen=True)
class NodeOptions:
    """How one anvil is started. ``port=0`` picks a free port."""

    port: int = 0
    chain_id: int = 31337
    accounts: int = 4
    balance_eth: int = 1_000_000


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def native_binary(wrapper: Path) -> Path:
    """The platform binary npm's wrapper would spawn (one process less, and a
    SIGTERM reaches anvil itself); the wrapper when there is none."""
    packages = wrapper.resolve().parent.parent  # node_modules/@foundry-rs
    for candidate in sorted(packages.glob("anvil-*/bin/anvil")):
        if os.access(candidate, os.X_OK):
            return candidate
    return wrapper


class AnvilNode:
    """A running anvil; ``stop()`` terminates it (also registered at exit).

    Mining starts in automine mode (every transaction gets its own block), which
    is what deployment wants; :meth:`engine.devnet.rpc.Chain.set_interval_mining`
    switches to interval mining afterwards.
    """

    def __init__(self, options: NodeOptions = NodeOptions(), binary: Path = ANVIL_BIN):
        if not binary.exists() or shutil.which(str(binary)) is None:
            raise FileNotFoundError(
                f"anvil not found at {binary}: run `make npm` (installs @foundry-rs/anvil)"
            )
        self.options = options
        attempts = 3 if options.port == 0 else 1  # a probed free port can be taken before bind
        for attempt in range(attempts):
            try:
                self._start(binary, options.port or free_port())
                return
            except RuntimeError:
                if attempt == attempts - 1:
                    raise

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _start(self, binary: Path, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"
        # a file, not a pipe: a full pipe would stall anvil; closed in stop()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        # anvil spills old block states to disk (GBs over a long run) and leaves them
        # behind in ~/.foundry when it is stopped; keep them in a folder of ours
        self._states = tempfile.mkdtemp(prefix="arbx-anvil-states-")
        self.proc = subprocess.Popen(
            [
                str(native_binary(binary)),
                "--port",
                str(port),
                "--host",
                "127.0.0.1",
                "--chain-id",
                str(self.options.chain_id),
                "--accounts",
                str(self.options.accounts),
                "--balance",
                str(self.options.balance_eth),
                "--gas-limit",
                str(BLOCK_GAS_LIMIT),
                "--hardfork",
                HARDFORK,
                "--code-size-limit",
                str(CODE_SIZE_LIMIT),
                "--cache-path",
                self._states,
                "--quiet",
            ],
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            env={**os.environ, "RUST_LOG": "off"},
        )
        atexit.register(self.stop)  # also when a session ends without its teardown
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                self._log.seek(0)
                err = self._log.read().decode(errors="replace")
                self._log.close()
                shutil.rmtree(self._states, ignore_errors=True)
                raise RuntimeError(
                    f"anvil on port {port} exited with {self.proc.returncode}: {err}"
                )
            try:
                request = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
                up = "result" in requests.post(self.url, json=request, timeout=2).json()
            except (requests.RequestException, ValueError):  # not listening yet
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
        shutil.rmtree(self._states, ignore_errors=True)
        self._log.close()
