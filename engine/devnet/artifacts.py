"""Contract artifacts: the real DEX bytecode (Uniswap V2/V3 from npm,
PancakeSwap V2 fetched by ``make npm``), the executor built by forge, and the
devnet's own small contracts in ``engine/devnet/contracts`` compiled with
solc-js through ``contracts/tools/solc-js.cjs``, cached under ``.cache/`` by
source hash."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from eth_abi.abi import decode, encode
from eth_utils.abi import (
    event_abi_to_log_topic,
    function_abi_to_4byte_selector,
    get_abi_input_types,
    get_abi_output_types,
)

from engine.devnet.paths import CACHE_DIR, NODE_MODULES, REPO_ROOT

V2_BUILD = NODE_MODULES / "@uniswap" / "v2-core" / "build"
V3_ARTIFACTS = NODE_MODULES / "@uniswap" / "v3-core" / "artifacts" / "contracts"
SOLC_ADAPTER = REPO_ROOT / "contracts" / "tools" / "solc-js.cjs"
PANCAKE_BUILD = CACHE_DIR / "pancake-swap-core" / "package" / "build"
EXECUTOR_ARTIFACT = REPO_ROOT / "contracts" / "out" / "ArbExecutor.sol" / "ArbExecutor.json"
HELPER_SOURCES = Path(__file__).resolve().parent / "contracts"
COMPILE_CACHE = CACHE_DIR / "devnet-contracts"


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes

    def _fn(self, name: str) -> tuple[bytes, list[str], list[str]]:
        cached = _FN_CACHE.get((self.name, name))
        if cached is None:
            matches = [e for e in self.abi if e.get("type") == "function" and e["name"] == name]
            if len(matches) != 1:
                raise KeyError(f"{self.name}.{name}: {len(matches)} ABI entries")
            entry: Any = matches[0]  # eth_utils wants its TypedDicts; the JSON is untyped
            cached = (
                function_abi_to_4byte_selector(entry),
                get_abi_input_types(entry),
                get_abi_output_types(entry),
            )
            _FN_CACHE[(self.name, name)] = cached
        return cached

    def encode(self, fn: str, *args: Any) -> bytes:
        """Calldata of ``fn(*args)``."""
        selector, inputs, _ = self._fn(fn)
        return selector + encode(inputs, list(args))

    def decode_output(self, fn: str, data: bytes) -> tuple[Any, ...]:
        return tuple(decode(self._fn(fn)[2], data))

    def constructor(self, *args: Any) -> bytes:
        """Creation code with encoded constructor arguments."""
        ctor: list[Any] = [e for e in self.abi if e.get("type") == "constructor"]
        if not ctor:
            return self.bytecode
        return self.bytecode + encode(get_abi_input_types(ctor[0]), list(args))

    def event_topic(self, name: str) -> bytes:
        entries: list[Any] = [e for e in self.abi if e.get("type") == "event" and e["name"] == name]
        (entry,) = entries
        return event_abi_to_log_topic(entry)


_FN_CACHE: dict[tuple[str, str], tuple[bytes, list[str], list[str]]] = {}


def _require(path: Path, fix: str = "run `make npm` (installs the npm toolchain)") -> Path:
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: {fix}")
    return path


def _load(path: Path, name: str, fix: str | None = None) -> Artifact:
    raw = json.loads(_require(path, *([fix] if fix else [])).read_text())
    code = raw.get("bytecode") or raw["evm"]["bytecode"]["object"]
    if isinstance(code, dict):  # forge: {"object": "0x..", ...}
        code = code["object"]
    return Artifact(name, raw["abi"], bytes.fromhex(code.removeprefix("0x")))


@cache
def v2(name: str) -> Artifact:
    """``UniswapV2Factory``, ``UniswapV2Pair`` or ``ERC20`` from @uniswap/v2-core@1.0.1."""
    return _load(V2_BUILD / f"{name}.json", name)


@cache
def v3(name: str) -> Artifact:
    """``UniswapV3Factory`` or ``UniswapV3Pool`` from @uniswap/v3-core@1.0.1."""
    return _load(V3_ARTIFACTS / f"{name}.sol" / f"{name}.json", name)


@cache
def pancake(name: str) -> Artifact:
    """``PancakeFactory`` or ``PancakePair`` from @pancakeswap-libs/pancake-swap-core@0.1.0
    (unpacked by `make npm`; 0.20 % fee, ``pancakeCall``)."""
    return _load(PANCAKE_BUILD / f"{name}.json", name)


@cache
def executor() -> Artifact:
    """``ArbExecutor`` as built by forge (contracts/out)."""
    return _load(EXECUTOR_ARTIFACT, "ArbExecutor", "run `cd contracts && tools/forge build`")


def _sources() -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(HELPER_SOURCES.glob("*.sol"))}


def _cache_key(sources: dict[str, str]) -> str:
    h = hashlib.sha256()
    solc_pkg = NODE_MODULES / "solc" / "package.json"
    for extra in (SOLC_ADAPTER, solc_pkg):
        h.update(extra.read_bytes() if extra.exists() else b"")
    h.update(json.dumps(sources, sort_keys=True).encode())
    return h.hexdigest()[:32]


def _compile(sources: dict[str, str]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        raise FileNotFoundError(
            "node is not on PATH: it runs solc-js (contracts/tools/solc-js.cjs)"
        )
    _require(SOLC_ADAPTER)
    _require(NODE_MODULES / "solc")
    standard_input = {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sources.items()},
        "settings": {
            "optimizer": {"enabled": True, "runs": 200},
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
        },
    }
    proc = subprocess.run(
        [node, str(SOLC_ADAPTER), "--standard-json"],
        input=json.dumps(standard_input),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"solc-js failed ({proc.returncode}): {proc.stderr}")
    output = json.loads(proc.stdout)
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise RuntimeError(
            "devnet contracts do not compile:\n" + "\n".join(e["formattedMessage"] for e in errors)
        )
    compiled: dict[str, Any] = {}
    for file_contracts in output["contracts"].values():
        for name, c in file_contracts.items():
            compiled[name] = {"abi": c["abi"], "bytecode": c["evm"]["bytecode"]["object"]}
    return compiled


@cache
def helpers() -> dict[str, Artifact]:
    """The devnet's contracts by name (TestToken, WETH9, V2Caller, V3Caller)."""
    sources = _sources()
    path = COMPILE_CACHE / f"{_cache_key(sources)}.json"
    if path.exists():
        compiled = json.loads(path.read_text())
    else:
        compiled = _compile(sources)
        COMPILE_CACHE.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=COMPILE_CACHE, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(compiled, f)
        os.replace(tmp, path)
    return {
        name: Artifact(name, c["abi"], bytes.fromhex(c["bytecode"])) for name, c in compiled.items()
    }
