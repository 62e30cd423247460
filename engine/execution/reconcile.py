"""After a restart: settle every trade trades.db holds as not final, before trading again.

For each open trade, by its transactions' hashes and its nonce:
- no transaction signed (created / simulated): it was never sent -> dropped;
- a receipt for one of its hashes -> mined (profit from the log) / reverted / cancelled;
- no receipt, the sender's mined nonce is past the trade's -> its nonce went to another
  transaction -> dropped;
- still in the node's pool -> tracked again as in flight;
- unknown to the node: before its deadline block the same signed bytes are broadcast
  again (the same transaction, the same hash: it cannot execute twice); after it, dropped.
Then each chain's nonce manager starts at the node's pending count.
Nothing is signed anew here, so nothing is ever sent twice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from engine.execution.nonces import NonceManager
from engine.execution.sender import Fees, RpcError
from engine.store.trades import TradeStatus

if TYPE_CHECKING:
    from engine.execution.executor import Executor

log = logging.getLogger(__name__)


async def reconcile(executor: Executor) -> dict[str, int]:
    """Returns counts per outcome (for logs and tests)."""
    store = executor.store
    outcomes: dict[str, int] = {}

    def count(outcome: str) -> None:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    sender = executor.signer.address
    for trade in await store.call(store.open_trades):
        chain = executor.chains.get(trade.chain_id)
        if chain is None:
            log.error("open trade on a chain without executor", extra={"trade": trade.id})
            count("unknown chain")
            continue
        node = chain.node
        head = await node.block_number()
        if not trade.txs:
            if trade.status is TradeStatus.SIMULATED and trade.mode != "live":
                await executor._advance(trade, TradeStatus.SIMULATED, "dry-run (reconciled)",
                                        final=True)
                count("simulated")
                continue
            await executor._advance(trade, TradeStatus.DROPPED,
                                    "never sent: the engine stopped before sending")
            count("never sent")
            continue
        hashes = [tx.tx_hash for tx in trade.txs]
        receipts = await node.receipts(hashes)
        found = next(((tx, r) for tx, r in zip(trade.txs, receipts, strict=True) if r is not None),
                     None)
        if found is not None:
            final = await executor.finish(trade, found[0], found[1], head)
            count(final.status.value)
            continue
        mined_nonce = await node.nonce(sender, "latest")
        assert trade.nonce is not None
        last = trade.txs[-1]
        fees = Fees(last.max_fee_per_gas, last.max_priority_fee_per_gas)
        if mined_nonce > trade.nonce:
            await executor._advance(trade, TradeStatus.DROPPED,
                                    f"nonce {trade.nonce} was used by another transaction")
            count("nonce used")
            continue
        known = await node.transactions(hashes)
        if any(t is not None for t in known):
            executor.resume(trade, fees)
            count("in flight")
            continue
        if head >= trade.deadline_block:
            await executor._advance(trade, TradeStatus.DROPPED,
                                    "lost from the node's pool; its deadline block has passed")
            count("lost")
            continue
        try:
            await node.send_raw(last.raw)  # the very same signed transaction
            executor.resume(trade, fees)
            count("rebroadcast")
        except RpcError as exc:
            await executor._advance(trade, TradeStatus.DROPPED,
                                    f"lost from the node's pool; rebroadcast refused: {exc.message}")
            count("lost")
    for chain in executor.chains.values():
        pending = await chain.node.nonce(sender, "pending")
        chain.nonces = NonceManager(chain.chain_id, sender, pending)
    if outcomes:
        log.warning("reconciled open trades", extra={"outcomes": outcomes})
    return outcomes
