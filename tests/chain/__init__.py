"""Chain harness for the differential tests: a real anvil, the real Uniswap
V2/V3 bytecode from npm, and small Solidity helpers compiled with solc-js.

- :mod:`tests.chain.anvil`     start/stop anvil, a thin fast JSON-RPC client
- :mod:`tests.chain.artifacts` npm artifacts and the helper contracts (cached)
- :mod:`tests.chain.v2`        V2 factory/pair deployment and probes
- :mod:`tests.chain.v3`        V3 factory/pools/positions, state reads, swaps
- :mod:`tests.chain.fixtures`  the pytest fixtures (re-exported by tests/conftest.py)
- :mod:`tests.chain.stats`     swap counters printed in pytest's summary
"""
