"""The execution layer's node client: simulate, price, send and follow transactions.

A small JSON-RPC client over one aiohttp session (web3's middleware stack adds
milliseconds a call; the hot path here is three requests: one batch for
eth_call + eth_estimateGas + the latest block, one eth_sendRawTransaction).
Receipts of every in-flight transaction are read in one batch per poll.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from engine.execution.encoding import decode_profit, decode_revert


class RpcError(RuntimeError):
    def __init__(self, method: str, error: dict[str, Any]) -> None:
        super().__init__(f"{method}: {error.get('message', error)}")
        self.method = method
        self.code = error.get("code")
        self.message = str(error.get("message", ""))
        self.data = error.get("data")


class SimulationReverted(Exception):
    """eth_call reverted; ``reason`` is the decoded custom error or revert string."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Simulation:
    profit: int  # what the executor returns: the exact profit at the latest block
    gas_estimate: int
    block_number: int  # the latest block the call ran on
    base_fee_wei: int


@dataclass(frozen=True, slots=True)
class Fees:
    max_fee_per_gas: int
    max_priority_fee_per_gas: int

    def bumped(self, percent: int) -> Fees:
        """At least ``percent`` more on both (nodes require a bump to replace a transaction)."""
        return Fees(
            self.max_fee_per_gas * (100 + percent) // 100 + 1,
            self.max_priority_fee_per_gas * (100 + percent) // 100 + 1,
        )


def eip1559_fees(base_fee_wei: int, priority_fee_wei: int, multiplier: int) -> Fees:
    """Room for the base fee to rise for a few blocks, plus the tip."""
    return Fees(base_fee_wei * multiplier + priority_fee_wei, priority_fee_wei)


def revert_reason(error: RpcError) -> str | None:
    """The decoded revert of an eth_call / eth_estimateGas error; None when it is not a revert."""
    data = error.data
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        return decode_revert(bytes.fromhex(data[2:]))
    if "revert" in error.message.lower():
        return error.message
    return None


class NodeClient:
    """JSON-RPC to one node (HTTP). Create on the event loop; ``close`` when done."""

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        self.url = url
        self._ids = itertools.count(1)
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=timeout_s),
            connector=aiohttp.TCPConnector(limit=64, keepalive_timeout=60),
        )

    async def close(self) -> None:
        await self._session.close()

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        payload = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}
        async with self._session.post(self.url, json=payload) as response:
            body = await response.json(content_type=None)
        if "error" in body:
            raise RpcError(method, body["error"])
        return body["result"]

    async def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Results in call order; a failed call's slot holds its RpcError (not raised)."""
        if not calls:
            return []
        first = next(self._ids)
        payload = [{"jsonrpc": "2.0", "id": first + i, "method": m, "params": list(p)}
                   for i, (m, p) in enumerate(calls)]
        for _ in range(len(calls) - 1):
            next(self._ids)
        async with self._session.post(self.url, json=payload) as response:
            body = await response.json(content_type=None)
        if isinstance(body, dict):  # the node refused the batch as a whole
            raise RpcError("batch", body.get("error", body))
        by_id = {item["id"]: item for item in body}
        out: list[Any] = []
        for i, (method, _) in enumerate(calls):
            item = by_id.get(first + i, {"error": {"message": "no answer in the batch"}})
            out.append(RpcError(method, item["error"]) if "error" in item else item["result"])
        return out

    # --- the execution path ------------------------------------------------------

    async def simulate(self, sender: str, to: str, data: bytes) -> Simulation:
        """eth_call and eth_estimateGas at the latest block, and that block's base fee, in one
        round trip. Raises SimulationReverted with the decoded reason."""
        tx = {"from": sender, "to": to, "data": "0x" + data.hex()}
        call, gas, block = await self.batch([
            ("eth_call", [tx, "latest"]),
            ("eth_estimateGas", [tx, "latest"]),
            ("eth_getBlockByNumber", ["latest", False]),
        ])
        for result in (call, gas):
            if isinstance(result, RpcError):
                reason = revert_reason(result)
                if reason is not None:
                    raise SimulationReverted(reason)
                raise result
        if isinstance(block, RpcError):
            raise block
        return Simulation(
            profit=decode_profit(bytes.fromhex(call[2:])),
            gas_estimate=int(gas, 16),
            block_number=int(block["number"], 16),
            base_fee_wei=int(block.get("baseFeePerGas") or "0x0", 16),
        )

    async def send_raw(self, raw: bytes) -> str:
        tx_hash: str = await self.request("eth_sendRawTransaction", ["0x" + raw.hex()])
        return tx_hash.lower()

    async def receipts(self, tx_hashes: Sequence[str]) -> list[dict[str, Any] | None]:
        results = await self.batch([("eth_getTransactionReceipt", [h]) for h in tx_hashes])
        for r in results:
            if isinstance(r, RpcError):
                raise r
        return results

    async def transactions(self, tx_hashes: Sequence[str]) -> list[dict[str, Any] | None]:
        results = await self.batch([("eth_getTransactionByHash", [h]) for h in tx_hashes])
        for r in results:
            if isinstance(r, RpcError):
                raise r
        return results

    async def nonce(self, address: str, tag: str = "latest") -> int:
        return int(await self.request("eth_getTransactionCount", [address, tag]), 16)

    async def block_number(self) -> int:
        return int(await self.request("eth_blockNumber"), 16)

    async def base_fee(self) -> int:
        block = await self.request("eth_getBlockByNumber", ["latest", False])
        return int(block.get("baseFeePerGas") or "0x0", 16)
