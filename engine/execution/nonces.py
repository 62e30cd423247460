"""One account's nonces on one chain, handed out locally so that concurrent trades never
wait for the node and never share a nonce.

``allocate`` is synchronous: on the event loop two trades cannot interleave
inside it, so each gets its own nonce without a lock. A nonce whose
transaction never reached the node is ``release``d and handed out again
first (a gap would stall every later transaction). ``resync`` realigns with
the node after an error ("nonce too low") or a restart.
"""

from __future__ import annotations

import heapq


class NonceManager:
    def __init__(self, chain_id: int, address: str, next_nonce: int) -> None:
        self.chain_id = chain_id
        self.address = address
        self._next = next_nonce
        self._released: list[int] = []  # min-heap

    @property
    def next_nonce(self) -> int:
        return self._released[0] if self._released else self._next

    def allocate(self) -> int:
        if self._released:
            return heapq.heappop(self._released)
        nonce = self._next
        self._next += 1
        return nonce

    def release(self, nonce: int) -> None:
        """``nonce``'s transaction was not accepted by the node: reuse it."""
        if nonce < self._next and nonce not in self._released:
            heapq.heappush(self._released, nonce)
        self._compact()

    def resync(self, chain_pending: int) -> None:
        """The node counts ``chain_pending`` transactions (mined and in its pool) for us."""
        self._released = [n for n in self._released if n >= chain_pending]
        heapq.heapify(self._released)
        self._next = max(self._next, chain_pending)
        self._compact()

    def _compact(self) -> None:
        # released nonces just below ``_next`` shrink it instead of waiting in the heap
        while self._released and max(self._released) == self._next - 1:
            self._released.remove(self._next - 1)
            heapq.heapify(self._released)
            self._next -= 1
