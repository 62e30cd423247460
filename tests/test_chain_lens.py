"""The PoolLens (engine/chain/lens.py, PoolLens.sol): the embedded runtime is the
compiled source, and on a real devnet the initial snapshot reads the same V3 ticks
through it as word by word, in far fewer calls; a node that ignores state overrides
gets the word-by-word reads."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from engine.chain import lens
from engine.chain.connection import RpcClient, endpoints
from engine.chain.discovery import configured_pools
from engine.chain.snapshot import PoolsRead, read_pools
from tests.chain_layer_support import CHAIN_ID, World, engine_config, world

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "engine" / "chain" / "PoolLens.sol"
SOLC_ADAPTER = ROOT / "contracts" / "tools" / "solc-js.cjs"


def compile_runtime() -> str:
    """PoolLens's runtime bytecode (hex) from solc-js with lens.COMPILER_SETTINGS."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "solc").exists():
        pytest.fail("node and npm's solc are needed: run `make npm`", pytrace=False)
    standard_input = {
        "language": "Solidity",
        "sources": {SOURCE.name: {"content": SOURCE.read_text()}},
        "settings": {**lens.COMPILER_SETTINGS,
                     "outputSelection": {"*": {"PoolLens": ["evm.deployedBytecode.object"]}}},
    }
    proc = subprocess.run([node, str(SOLC_ADAPTER), "--standard-json"],
                          input=json.dumps(standard_input), capture_output=True, text=True,
                          cwd=ROOT, timeout=300, check=True)
    output = json.loads(proc.stdout)
    errors = [e["formattedMessage"] for e in output.get("errors", []) if e["severity"] == "error"]
    assert not errors, errors
    code: str = output["contracts"][SOURCE.name]["PoolLens"]["evm"]["deployedBytecode"]["object"]
    return code


def test_embedded_runtime_is_the_compiled_source() -> None:
    assert lens.RUNTIME == compile_runtime(), (
        "engine/chain/lens.py RUNTIME differs from PoolLens.sol compiled: paste the new "
        "runtime (this test's compile_runtime()) into lens.py"
    )


class CountingClient(RpcClient):
    """Counts the calls that reach the node; ``strip_overrides`` drops eth_call's state
    override, as a node without the feature ignores it."""

    def __init__(self, url: str, *, strip_overrides: bool = False) -> None:
        super().__init__(endpoints([], url))
        self.strip_overrides = strip_overrides
        self.calls = 0

    async def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        if self.strip_overrides:
            calls = [(m, p[:2] if m == "eth_call" else p) for m, p in calls]
        self.calls += len(calls)
        return await super().batch(calls)


@pytest.fixture(scope="module")
def devnet() -> Iterator[World]:
    with world() as w:
        yield w


def _read(devnet: World, *, use_lens: bool, strip_overrides: bool = False) -> tuple[PoolsRead, int]:
    async def main() -> tuple[PoolsRead, int]:
        client = CountingClient(devnet.devnet.ws_url, strip_overrides=strip_overrides)
        await client.connect()
        try:
            specs = configured_pools(engine_config(devnet.devnet).chains[0])
            read = await read_pools(client, CHAIN_ID, specs, devnet.head(), use_lens=use_lens)
            return read, client.calls
        finally:
            await client.close()

    return asyncio.run(main())


def test_lens_reads_the_same_ticks_as_word_by_word(devnet: World) -> None:
    with_lens, lens_calls = _read(devnet, use_lens=True)
    plain, plain_calls = _read(devnet, use_lens=False)
    assert not with_lens.failures and not plain.failures
    assert with_lens.pools == plain.pools
    v3 = [p for p in plain.pools if hasattr(p, "ticks")]
    spacings = {p.tick_spacing for p in v3}  # type: ignore[union-attr]
    assert len(v3) == 10 and 1 in spacings and all(len(p.ticks) >= 2 for p in v3)  # type: ignore[union-attr]
    # spacing 1 alone is 6,933 bitmap words a pool; the lens reads 1,024 words a call
    assert plain_calls > 10_000 and lens_calls < 200, (lens_calls, plain_calls)


def test_a_node_ignoring_state_overrides_gets_word_by_word_reads(devnet: World) -> None:
    ignored, calls = _read(devnet, use_lens=True, strip_overrides=True)
    plain, plain_calls = _read(devnet, use_lens=False)
    assert ignored.pools == plain.pools and not ignored.failures
    assert calls > plain_calls  # the lens was tried, then every word read
