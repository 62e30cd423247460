"""pytest fixtures for the chain tests (re-exported by tests/conftest.py).

One anvil per test session; modules deploy what they need and roll it back
with evm_snapshot / evm_revert so they never see each other's state."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.devnet.node import ANVIL_BIN, AnvilNode
from engine.devnet.rpc import Chain


@pytest.fixture(scope="session")
def anvil() -> Iterator[AnvilNode]:
    if not ANVIL_BIN.exists():
        pytest.fail(f"anvil not found at {ANVIL_BIN}: run `make npm`", pytrace=False)
    node = AnvilNode()
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def chain(anvil: AnvilNode) -> Chain:
    return Chain(anvil.url)


@pytest.fixture(scope="module")
def module_chain(chain: Chain) -> Iterator[Chain]:
    """The session chain, rolled back to its state before the module ran."""
    with chain.isolated():
        yield chain
