"""The devnet: local anvil chains with real DEX bytecode, a seeded world of
tokens, pools and the executor, and a market simulator (see README.md).

- :mod:`engine.devnet.node`       start/stop one anvil
- :mod:`engine.devnet.rpc`        a small fast JSON-RPC client (calls, sends, mining, snapshots)
- :mod:`engine.devnet.artifacts`  npm / forge artifacts, the devnet contracts compiled with solc-js
- :mod:`engine.devnet.tokens`     ERC-20 test tokens and WETH9
- :mod:`engine.devnet.v2`         Uniswap-V2-style DEXes (Uniswap V2, PancakeSwap V2)
- :mod:`engine.devnet.v3`         Uniswap V3: factory, pools, positions, state reads
- :mod:`engine.devnet.spec`       what the world contains (tokens, pools, ranges), as data
- :mod:`engine.devnet.liquidity`  dollar values to raw amounts, ticks and liquidity
- :mod:`engine.devnet.world`      builds the world on one chain
- :mod:`engine.devnet.keystore`   the trading account's encrypted keystore
- :mod:`engine.devnet.config`     the config file the engine reads
- :mod:`engine.devnet.market`     the market simulator
- :mod:`engine.devnet.cli`        ``python -m engine.devnet up | simulate | down``
"""
