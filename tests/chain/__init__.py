"""Chain harness for the differential tests, built on engine.devnet (anvil
process, JSON-RPC client, artifacts, V2/V3 deployment):

- :mod:`tests.chain.v2`        one Uniswap V2 pair between two test tokens
- :mod:`tests.chain.v3`        a V3 factory with three test tokens
- :mod:`tests.chain.fixtures`  the pytest fixtures (re-exported by tests/conftest.py)
- :mod:`tests.chain.stats`     swap counters printed in pytest's summary
"""
