"""Who may change the corpus (add or remove a plan), and the log of every change.

On a laptop (`./run app`) whoever opens the app may add a plan, as before, unless
IPDASH_READ_ONLY switches it off. A shared server (`ipdash serve`, which sets
IPDASH_SHARED for its workers) is read-only for visitors: a change needs the admin
token (IPDASH_ADMIN_TOKEN or Streamlit secrets), compared in constant time, or the
server started with `--allow-edits`. The command line is run by whoever can write the
data folders anyway: it may always change them. Every change, and every refused
attempt, is appended to `changes.log` in the log folder; the token never is.
"""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from ipdash.errors import IpdashError
from ipdash.settings import Settings

# The changes a person can make to the corpus, and how the messages name them.
ACTIONS = {"add": "Adding plans", "remove": "Removing plans"}
CHANGE_LOG = "changes.log"
T = TypeVar("T")


@dataclass(frozen=True)
class Permission:
    """Whether an action is allowed, and why (in words for the page or the terminal).
    `needs_token`: the action would be allowed with the right admin token."""

    allowed: bool
    reason: str
    needs_token: bool = False

    def __bool__(self) -> bool:
        return self.allowed


def token_matches(given: str | None, expected: str | None) -> bool:
    """The given token is the expected one (compared in constant time; no expected
    token matches nothing)."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def edit_permission(
    settings: Settings,
    action: str,
    token: str | None = None,
    *,
    expected_token: str | None = None,
    via: str = "app",
) -> Permission:
    """May this `action` ("add" or "remove") be done? `token` is what the person typed;
    `expected_token` the admin token when it comes from elsewhere than the settings
    (Streamlit secrets); `via` is "app" or "cli"."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}: expected one of {', '.join(ACTIONS)}")
    doing = ACTIONS[action]
    if via == "cli":
        return Permission(True, f"{doing} from the command line is allowed.")
    if settings.read_only:
        return Permission(
            False,
            "Adding and removing plans is switched off on this server (IPDASH_READ_ONLY). "
            "Ask the person who runs it, or use the command line (`python -m ipdash add "
            "FILE --year YEAR`, `python -m ipdash remove --year YEAR`).",
        )
    if not settings.shared:
        return Permission(True, f"{doing} is allowed (a single-user app).")
    if settings.allow_edits:
        return Permission(True, f"{doing} is allowed for everyone (started with --allow-edits).")
    expected = settings.admin_token or expected_token
    if not expected:
        return Permission(
            False,
            f"{doing} is switched off on this shared server: no admin token is set. The "
            "person who runs it can set IPDASH_ADMIN_TOKEN (or start it with --allow-edits).",
        )
    if token_matches(token, expected):
        return Permission(True, f"{doing} is allowed: the admin token is right.", True)
    why = "the admin token is not right" if token else "enter the admin token"
    return Permission(False, f"{doing} on this shared server needs the admin token: {why}.", True)


def log_change(log_dir: Path, action: str, plan: str, outcome: str, via: str = "app") -> None:
    """Append one change (or refused attempt) to the change log: time (UTC), action,
    plan, outcome and where it came from, as one JSON line."""
    entry = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "action": action,
        "plan": plan,
        "outcome": outcome,
        "via": via,
        "pid": os.getpid(),
    }
    log_dir.mkdir(parents=True, exist_ok=True)
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    # One write of a short line to a file opened for appending: lines of several
    # processes (the workers of a server) do not mix.
    with (log_dir / CHANGE_LOG).open("a", encoding="utf-8") as out:
        out.write(line)


def read_changes(log_dir: Path) -> list[dict]:
    """The change log's entries, oldest first (empty when nothing was logged)."""
    try:
        lines = (log_dir / CHANGE_LOG).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in lines if line.strip()]


def logged_change(
    settings: Settings,
    action: str,
    plan: str,
    change: Callable[[], T],
    permission: Permission,
    via: str = "app",
) -> T:
    """Run `change` if `permission` allows it, logging the outcome either way: a refused
    change raises EditRefused, a failed one re-raises its error after logging it."""
    if not permission:
        log_change(settings.log_dir, action, plan, f"refused: {permission.reason}", via)
        raise EditRefusedError(permission.reason)
    try:
        result = change()
    except Exception as exc:
        log_change(settings.log_dir, action, plan, f"failed: {exc}", via)
        raise
    log_change(settings.log_dir, action, plan, "done", via)
    return result


class EditRefusedError(IpdashError):
    """A change to the corpus was not allowed (see Permission.reason)."""
