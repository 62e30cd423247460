"""Uniswap-V2-style DEXes on a dev chain: a factory deployment (Uniswap V2
from npm, or PancakeSwap V2), its pairs, and swaps through the V2Caller
helper, which pays a pair from its own token balance."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from eth_abi.abi import decode
from eth_utils.crypto import keccak
from web3 import Web3

from engine.devnet import artifacts
from engine.devnet.artifacts import Artifact
from engine.devnet.rpc import Chain

UINT112_MAX = 2**112 - 1


class V2Protocol(Enum):
    """A V2 code base: its artifacts and the swap fee its pair enforces (pips)."""

    UNISWAP = "uniswap-v2"
    PANCAKESWAP = "pancakeswap-v2"

    @property
    def fee_pips(self) -> int:
        return {V2Protocol.UNISWAP: 3000, V2Protocol.PANCAKESWAP: 2000}[self]

    def factory_artifact(self) -> Artifact:
        if self is V2Protocol.UNISWAP:
            return artifacts.v2("UniswapV2Factory")
        return artifacts.pancake("PancakeFactory")

    def pair_artifact(self) -> Artifact:
        if self is V2Protocol.UNISWAP:
            return artifacts.v2("UniswapV2Pair")
        return artifacts.pancake("PancakePair")


@dataclass(frozen=True)
class V2SwapEvent:
    amount0_in: int
    amount1_in: int
    amount0_out: int
    amount1_out: int


def sort_tokens(token_a: str, token_b: str) -> tuple[str, str]:
    t0, t1 = sorted((token_a, token_b), key=lambda a: int(a, 16))
    return t0, t1


class V2Dex:
    """One factory deployment and the V2Caller that trades on its pairs.

    Deploys both unless given their addresses (``factory`` attaches to a running
    world); ``caller`` may be shared between DEXes (it only needs token balances)."""

    def __init__(
        self,
        chain: Chain,
        protocol: V2Protocol,
        caller: str | None = None,
        factory: str | None = None,
    ):
        self.chain = chain
        self.protocol = protocol
        self.factory_art = protocol.factory_artifact()
        self.pair_art = protocol.pair_artifact()
        self.caller_art = artifacts.helpers()["V2Caller"]
        self.swap_topic = "0x" + self.pair_art.event_topic("Swap").hex()
        self.factory = factory or chain.deploy(self.factory_art.constructor(chain.sender))
        self.caller = caller or chain.deploy(self.caller_art.constructor())

    @property
    def fee_pips(self) -> int:
        return self.protocol.fee_pips

    @property
    def init_code_hash(self) -> bytes:
        """keccak256 of the pair's creation code: this deployment's CREATE2 constant."""
        return keccak(self.pair_art.bytecode)

    def create_pair(self, token_a: str, token_b: str) -> str:
        self.chain.transact(self.factory, self.factory_art.encode("createPair", token_a, token_b))
        return self.get_pair(token_a, token_b)

    def get_pair(self, token_a: str, token_b: str) -> str:
        out = self.chain.call(self.factory, self.factory_art.encode("getPair", token_a, token_b))
        return Web3.to_checksum_address(self.factory_art.decode_output("getPair", out)[0])

    def reserves(self, pair: str) -> tuple[int, int]:
        return read_reserves(self.chain, pair)

    def fund(self, pair: str, amount0: int, amount1: int, use_mint: bool = True) -> None:
        """Adds amount0/amount1 to the pair's balances from the caller, then mint() or sync()."""
        self.chain.transact(
            self.caller, self.caller_art.encode("fund", pair, amount0, amount1, use_mint)
        )

    def swap_calldata(
        self, pair: str, zero_for_one: bool, amount_in: int, amount_out: int
    ) -> bytes:
        """ "Pay amount_in, take amount_out" (the pair checks K)."""
        return self.caller_art.encode("swapExact", pair, zero_for_one, amount_in, amount_out)

    def swap_in_calldata(self, pair: str, zero_for_one: bool, amount_in: int) -> bytes:
        """Exact input; the output is priced on chain with this DEX's fee."""
        return self.caller_art.encode("swapIn", pair, zero_for_one, amount_in, self.fee_pips)

    def swap(self, pair: str, zero_for_one: bool, amount_in: int, amount_out: int) -> V2SwapEvent:
        """Executes the swap; returns the pair's Swap event."""
        receipt = self.chain.transact(
            self.caller, self.swap_calldata(pair, zero_for_one, amount_in, amount_out)
        )
        logs = [
            log
            for log in receipt["logs"]
            if log["address"].lower() == pair.lower() and log["topics"][0] == self.swap_topic
        ]
        if len(logs) != 1:
            raise AssertionError(f"expected one Swap event from {pair}, got {len(logs)}")
        return V2SwapEvent(*decode(["uint256"] * 4, bytes.fromhex(logs[0]["data"][2:])))


def read_reserves(chain: Chain, pair: str) -> tuple[int, int]:
    """getReserves() of any V2 pair (the same ABI for every fork)."""
    pair_art = artifacts.v2("UniswapV2Pair")
    r0, r1, _ = pair_art.decode_output(
        "getReserves", chain.call(pair, pair_art.encode("getReserves"))
    )
    return int(r0), int(r1)
