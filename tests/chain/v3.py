"""The differential tests' V3 world: the Uniswap V3 factory with all four fee
tiers (engine.devnet.v3) and three 18-decimal test tokens held by the V3Caller."""

from __future__ import annotations

from engine.devnet import tokens
from engine.devnet.rpc import Chain
from engine.devnet.v3 import V3Dex

TOKEN_SUPPLY = 2**250  # minted to the caller per token: covers any swap the pools can absorb


class V3World(V3Dex):
    """Factory with all four fee tiers, three tokens and a funded V3Caller."""

    def __init__(self, chain: Chain, n_tokens: int = 3):
        super().__init__(chain)
        deployed = [tokens.deploy_token(chain, f"Token{i}", f"T{i}", 18) for i in range(n_tokens)]
        self.tokens = sorted(deployed, key=lambda a: int(a, 16))
        for token in self.tokens:
            tokens.mint(chain, token, self.caller, TOKEN_SUPPLY)
