"""What an account may see: the province everything, a committee its own subtree of the roster.

Every page and download asks a :class:`Scope`; whatever is outside it is answered exactly like
something that does not exist (404), so an id or a path of another committee tells nothing.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from bontot import store as st
from bontot.errors import BontotError
from bontot.roster import RosterTree
from bontot.store.accounts import UserRecord

ROSTER_TTL_S = 10.0  # a roster import shows on the web within this long


@dataclass(frozen=True)
class Scope:
    """The unit codes an account may see; ``None`` means all of them (the province)."""

    units: frozenset[str] | None
    root: str | None = None  # the account's own unit

    def sees(self, code: str | None) -> bool:
        return self.units is None or (code is not None and code in self.units)

    @property
    def everything(self) -> bool:
        return self.units is None


class RosterCache:
    """The roster tree, reloaded from the store at most every few seconds."""

    def __init__(self, store: st.Store, ttl: float = ROSTER_TTL_S) -> None:
        self._store, self._ttl = store, ttl
        self._lock = threading.Lock()
        self._tree: RosterTree | None = None
        self._loaded = -1e9

    def tree(self) -> RosterTree | None:
        with self._lock:
            if time.monotonic() - self._loaded > self._ttl:
                with self._store.session() as s:
                    units = st.load_units(s)
                try:
                    self._tree = RosterTree(units) if units else None
                except BontotError:
                    self._tree = None
                self._loaded = time.monotonic()
            return self._tree

    def forget(self) -> None:
        with self._lock:
            self._loaded = -1e9


def scope_of(user: UserRecord, tree: RosterTree | None) -> Scope:
    """The province sees all; a committee its unit and everything under it, nothing else."""
    if user.role == "province":
        return Scope(None, user.unit_code)
    code = user.unit_code or ""
    codes = {code} if code else set()
    if tree is not None and code:
        try:
            codes |= {u.code for u in tree.descendants(code)}
        except BontotError:  # the unit left the roster: only its own code remains
            pass
    return Scope(frozenset(codes), code or None)


def may_override(scope: Scope, tree: RosterTree | None, unit_code: str) -> bool:
    """A criterion is overridden by the unit's recognising committee, or above it."""
    if scope.everything:
        return True
    if tree is None or not scope.sees(unit_code):
        return False
    try:
        committee = tree.recognising_committee(unit_code)
    except BontotError:
        return False
    return committee is not None and scope.sees(committee.code)
