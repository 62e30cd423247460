"""The devnet config file (``.devnet/devnet.json``): what the world builder
deployed on each chain, in the form the engine reads.

Units: fees in pips (1e-6: 3000 = 0.30 %), for V2 factories too (the
executor's ``Hop.fee`` uses the same unit); addresses are checksummed hex;
``init_code_hash`` is 0x-prefixed hex (keccak256 of the pool creation code).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

CONFIG_VERSION = 1

DexKind = Literal["v2", "v3"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TokenConfig(_Model):
    symbol: str
    name: str
    address: str
    decimals: int = Field(ge=0, le=36)
    reference_price_usd: float = Field(gt=0, description="the price the world was seeded at")


class DexConfig(_Model):
    name: str = Field(description="e.g. uniswap-v2, pancakeswap-v2, uniswap-v3")
    kind: DexKind
    factory: str
    init_code_hash: str
    fee: int | None = Field(default=None, description="V2: the pairs' swap fee in pips")
    fee_tiers: dict[int, int] | None = Field(
        default=None, description="V3: fee (pips) -> tick spacing"
    )


class PoolConfig(_Model):
    address: str
    dex: str
    kind: DexKind
    fee: int = Field(description="pips")
    tick_spacing: int | None = None
    token0: str
    token1: str


class PriceFeedConfig(_Model):
    """A token's USD feed (contracts/PriceFeed.sol, AggregatorV3Interface, 8 decimals);
    the engine's ``price_feeds`` format."""

    feed: str
    max_staleness_s: int = Field(gt=0, description="the engine rejects older answers")


class SimulatorConfig(_Model):
    """Devnet-only helper contracts the market simulator trades through."""

    v2_caller: str
    v3_caller: str


class ChainConfig(_Model):
    name: str
    chain_id: int
    rpc_url: str
    ws_url: str
    block_time_s: int = Field(ge=0, description="0: automine (a block per transaction)")
    deployer: str = Field(description="anvil's first account: owns the factories and the executor")
    trader: str = Field(description="the keystore's account: the executor's trading role")
    executor: str
    tokens: list[TokenConfig]
    dexes: list[DexConfig]
    pools: list[PoolConfig]
    price_feeds: dict[str, PriceFeedConfig] = Field(
        default_factory=dict, description="token address -> its USD feed, owned by the deployer"
    )
    simulator: SimulatorConfig

    def token(self, symbol: str) -> TokenConfig:
        for token in self.tokens:
            if token.symbol == symbol:
                return token
        raise KeyError(f"chain {self.name}: no token {symbol!r}")

    def token_by_address(self, address: str) -> TokenConfig:
        for token in self.tokens:
            if token.address.lower() == address.lower():
                return token
        raise KeyError(f"chain {self.name}: no token at {address}")

    def dex(self, name: str) -> DexConfig:
        for dex in self.dexes:
            if dex.name == name:
                return dex
        raise KeyError(f"chain {self.name}: no DEX {name!r}")


class KeystoreConfig(_Model):
    path: str = Field(description="keystore v3 JSON; its password is in ARBX_KEYSTORE_PASSWORD")
    address: str


class DevnetConfig(_Model):
    version: int = CONFIG_VERSION
    seed: int
    keystore: KeystoreConfig
    chains: list[ChainConfig]


def save(config: DevnetConfig, path: Path) -> None:
    """Writes atomically: a reader never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write(config.model_dump_json(indent=2))
        f.write("\n")
    os.chmod(tmp, 0o644)  # no secrets in it (mkstemp makes it 0600)
    os.replace(tmp, path)


def load(path: Path) -> DevnetConfig:
    """Reads and validates; errors name the file and the offending key."""
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path}: no devnet config (start one with `python -m engine.devnet up`)"
        ) from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON: {exc}") from None
    try:
        return DevnetConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ValueError(f"{path}: invalid devnet config: {problems}") from None
