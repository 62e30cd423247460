"""Uniswap V2 on anvil: the real factory and pair (v2-core 1.0.1), test
tokens, and the V2Caller helper that funds pairs and swaps through them."""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import decode
from web3 import Web3

from tests.chain import artifacts
from tests.chain.anvil import Chain

UINT112_MAX = 2**112 - 1
TOKEN_SUPPLY = 2**250


@dataclass(frozen=True)
class V2SwapEvent:
    amount0_in: int
    amount1_in: int
    amount0_out: int
    amount1_out: int


class V2World:
    """UniswapV2Factory, two tokens, one pair and a funded V2Caller."""

    def __init__(self, chain: Chain):
        self.chain = chain
        self.factory_art = artifacts.v2("UniswapV2Factory")
        self.pair_art = artifacts.v2("UniswapV2Pair")
        helpers = artifacts.helpers()
        self.token_art = helpers["TestToken"]
        self.caller_art = helpers["V2Caller"]
        self.swap_topic = "0x" + self.pair_art.event_topic("Swap").hex()

        self.factory = chain.deploy(self.factory_art.constructor(chain.sender))
        self.caller = chain.deploy(self.caller_art.constructor())
        self.tokens = sorted(
            (chain.deploy(self.token_art.constructor(f"V2Token{i}", f"V{i}")) for i in range(2)),
            key=lambda a: int(a, 16),
        )
        for token in self.tokens:
            chain.transact(token, self.token_art.encode("mint", self.caller, TOKEN_SUPPLY))
        self.pair = self.create_pair(*self.tokens)

    def create_pair(self, token_a: str, token_b: str) -> str:
        self.chain.transact(self.factory, self.factory_art.encode("createPair", token_a, token_b))
        out = self.chain.call(self.factory, self.factory_art.encode("getPair", token_a, token_b))
        return Web3.to_checksum_address(self.factory_art.decode_output("getPair", out)[0])

    def reserves(self, pair: str | None = None) -> tuple[int, int]:
        out = self.chain.call(pair or self.pair, self.pair_art.encode("getReserves"))
        r0, r1, _ = self.pair_art.decode_output("getReserves", out)
        return r0, r1

    def fund(self, amount0: int, amount1: int, use_mint: bool, pair: str | None = None) -> None:
        """Adds amount0/amount1 to the pair's balances, then mint() or sync()."""
        self.chain.transact(
            self.caller,
            self.caller_art.encode("fund", pair or self.pair, amount0, amount1, use_mint),
        )

    def swap_calldata(
        self, zero_for_one: bool, amount_in: int, amount_out: int, pair: str | None = None
    ) -> bytes:
        return self.caller_art.encode(
            "swapExact", pair or self.pair, zero_for_one, amount_in, amount_out
        )

    def probe_swap(self, zero_for_one: bool, amount_in: int, amount_out: int) -> None:
        """eth_call of "pay amount_in, take amount_out": raises anvil.Revert, changes nothing."""
        self.chain.call(self.caller, self.swap_calldata(zero_for_one, amount_in, amount_out))

    def swap(self, zero_for_one: bool, amount_in: int, amount_out: int) -> V2SwapEvent:
        """The same as a transaction; returns the pair's Swap event."""
        receipt = self.chain.transact(
            self.caller, self.swap_calldata(zero_for_one, amount_in, amount_out)
        )
        pair = self.pair.lower()
        logs = [
            log
            for log in receipt["logs"]
            if log["address"].lower() == pair and log["topics"][0] == self.swap_topic
        ]
        if len(logs) != 1:
            raise AssertionError(f"expected one Swap event from {self.pair}, got {len(logs)}")
        return V2SwapEvent(*decode(["uint256"] * 4, bytes.fromhex(logs[0]["data"][2:])))
