"""pytest fixtures for the chain tests (re-exported by tests/conftest.py).

One anvil per test session; modules deploy what they need and roll it back
with evm_snapshot / evm_revert so they never see each other's state."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.chain.anvil import ANVIL_BIN, Anvil, Chain


@pytest.fixture(scope="session")
def anvil() -> Iterator[Anvil]:
    if not ANVIL_BIN.exists():
        pytest.fail(f"anvil not found at {ANVIL_BIN}: run `make npm`", pytrace=False)
    node = Anvil()
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def chain(anvil: Anvil) -> Chain:
    return Chain(anvil)


@pytest.fixture(scope="module")
def module_chain(chain: Chain) -> Iterator[Chain]:
    """The session chain, rolled back to its state before the module ran."""
    with chain.isolated():
        yield chain
