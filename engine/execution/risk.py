"""What may be traded, decided in one place: the mode and the risk limits.

Modes: ``observe`` (opportunities are only reported, nothing is simulated),
``dry_run`` (simulated and recorded, never sent), ``live``. Limits: trades in
flight (sent, not yet final), a per-trade input cap per start token, the
minimum net profit after gas, a daily loss limit (gas burned by trades that
reverted, per UTC day), a cooldown of a route's pools after a failure, and a
kill switch. Both change at run time (admin RPCs); every check reads the
current values. Runs on the event loop only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import Enum

from engine.config import RiskConfig


class Mode(str, Enum):
    OBSERVE = "observe"
    DRY_RUN = "dry_run"
    LIVE = "live"


@dataclass(frozen=True, slots=True)
class RiskLimits:
    max_in_flight: int = 50
    # start token (lowercase address or symbol) -> largest amount_in
    max_amount_in: dict[str, int] = field(default_factory=dict)
    min_profit_net: int = 1
    daily_loss_limit_wei: int = 10**18
    pool_cooldown_blocks: int = 5
    kill_switch: bool = False
    exclusive_pools: bool = True

    @classmethod
    def from_config(cls, config: RiskConfig) -> RiskLimits:
        return cls(
            max_in_flight=config.max_in_flight,
            max_amount_in={k.lower() if k.startswith("0x") else k: v
                           for k, v in config.max_amount_in.items()},
            min_profit_net=config.min_profit_net,
            daily_loss_limit_wei=config.daily_loss_limit_wei,
            pool_cooldown_blocks=config.pool_cooldown_blocks,
            kill_switch=config.kill_switch,
            exclusive_pools=config.exclusive_pools,
        )

    def updated(self, **changes: object) -> RiskLimits:
        return replace(self, **changes)  # type: ignore[arg-type]


PoolKey = tuple[int, str]


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def day_start_ns() -> int:
    start = dt.datetime.combine(_today(), dt.time(), tzinfo=dt.UTC)
    return int(start.timestamp()) * 1_000_000_000


class RiskGuard:
    def __init__(self, limits: RiskLimits, mode: Mode) -> None:
        self.limits = limits
        self.mode = mode
        self._in_flight: dict[str, frozenset[PoolKey]] = {}  # trade id -> its pools
        self._busy: dict[PoolKey, str] = {}  # pool -> the (last) trade holding it
        self._cooldown: dict[PoolKey, int] = {}  # pool -> first block it may trade again
        self._loss_day = _today()
        self._loss_wei = 0

    # --- state --------------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    @property
    def loss_today_wei(self) -> int:
        self._roll_day()
        return self._loss_wei

    def _roll_day(self) -> None:
        today = _today()
        if today != self._loss_day:
            self._loss_day, self._loss_wei = today, 0

    # --- checks -------------------------------------------------------------------

    def refusal(
        self, chain_id: int, pools: Iterable[str], base_token: str, symbol: str, amount_in: int,
        head: int,
    ) -> str | None:
        """Why this trade may not start now; None when it may."""
        limits = self.limits
        if self.mode is Mode.OBSERVE:
            return "mode is observe: nothing is simulated or sent"
        if limits.kill_switch:
            return "kill switch is on"
        if self.in_flight >= limits.max_in_flight:
            return f"{self.in_flight} trades in flight (limit {limits.max_in_flight})"
        cap = limits.max_amount_in.get(base_token, limits.max_amount_in.get(symbol))
        if cap is not None and amount_in > cap:
            return f"amount_in {amount_in} exceeds the cap {cap} of {symbol or base_token}"
        if self.loss_today_wei >= limits.daily_loss_limit_wei:
            return (f"daily loss limit reached: {self._loss_wei} wei lost today "
                    f"(limit {limits.daily_loss_limit_wei})")
        for pool in pools:
            key = (chain_id, pool)
            if limits.exclusive_pools and key in self._busy:
                return f"pool {pool} is in flight in trade {self._busy[key]}"
            until = self._cooldown.get(key)
            if until is not None and head < until:
                return f"pool {pool} cools down after a failure until block {until}"
        return None

    def profit_refusal(self, profit_net: int) -> str | None:
        if profit_net < self.limits.min_profit_net:
            return (f"not profitable after gas: net {profit_net} < minimum "
                    f"{self.limits.min_profit_net}")
        return None

    # --- bookkeeping --------------------------------------------------------------

    def hold(self, trade_id: str, chain_id: int, pools: Iterable[str]) -> None:
        """The trade counts as in flight and owns its pools until ``release``."""
        keys = frozenset((chain_id, p) for p in pools)
        self._in_flight[trade_id] = keys
        for key in keys:
            self._busy[key] = trade_id

    def release(self, trade_id: str) -> None:
        for key in self._in_flight.pop(trade_id, frozenset()):
            if self._busy.get(key) == trade_id:
                del self._busy[key]

    def failed(self, chain_id: int, pools: Iterable[str], head: int) -> None:
        if self.limits.pool_cooldown_blocks:
            for pool in pools:
                self._cooldown[(chain_id, pool)] = head + self.limits.pool_cooldown_blocks + 1

    def lost(self, wei: int, *, today: bool = True) -> None:
        self._roll_day()
        self._loss_wei += wei
