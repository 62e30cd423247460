"""The differential tests' V2 world: one Uniswap V2 factory (engine.devnet.v2),
two 18-decimal test tokens held by the V2Caller, and one pair."""

from __future__ import annotations

from engine.devnet import tokens
from engine.devnet.rpc import Chain
from engine.devnet.v2 import V2Dex, V2Protocol, V2SwapEvent, sort_tokens

TOKEN_SUPPLY = 2**250


class V2World:
    """UniswapV2Factory, two tokens, one pair and a funded V2Caller."""

    def __init__(self, chain: Chain):
        self.chain = chain
        self.dex = V2Dex(chain, V2Protocol.UNISWAP)
        self.caller = self.dex.caller
        self.tokens = list(
            sort_tokens(*(tokens.deploy_token(chain, f"V2Token{i}", f"V{i}", 18) for i in range(2)))
        )
        for token in self.tokens:
            tokens.mint(chain, token, self.caller, TOKEN_SUPPLY)
        self.pair = self.dex.create_pair(*self.tokens)

    def reserves(self, pair: str | None = None) -> tuple[int, int]:
        return self.dex.reserves(pair or self.pair)

    def fund(self, amount0: int, amount1: int, use_mint: bool, pair: str | None = None) -> None:
        """Adds amount0/amount1 to the pair's balances, then mint() or sync()."""
        self.dex.fund(pair or self.pair, amount0, amount1, use_mint)

    def probe_swap(self, zero_for_one: bool, amount_in: int, amount_out: int) -> None:
        """eth_call of "pay amount_in, take amount_out": raises rpc.Revert, changes nothing."""
        self.chain.call(
            self.caller, self.dex.swap_calldata(self.pair, zero_for_one, amount_in, amount_out)
        )

    def swap(self, zero_for_one: bool, amount_in: int, amount_out: int) -> V2SwapEvent:
        """The same as a transaction; returns the pair's Swap event."""
        return self.dex.swap(self.pair, zero_for_one, amount_in, amount_out)
