"""May this visitor change the corpus? The page's side of ipdash.store.edits: the admin
token typed in a password field (kept in the session's memory on the server, never in
the address or a log), and changes run through the change log."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from ipdash.store import edits
from ipdash.web.context import LOG, Context

TOKEN_KEY = "_admin_token"  # noqa: S105 - the widget's key, not a token
T = TypeVar("T")


def _secret_token() -> str | None:
    """IPDASH_ADMIN_TOKEN from Streamlit secrets (.streamlit/secrets.toml), if any."""
    try:
        value = st.secrets.get("IPDASH_ADMIN_TOKEN")
    except Exception:  # no secrets file: Streamlit raises rather than returning nothing
        return None
    return str(value) if value else None


def permission(ctx: Context, action: str) -> edits.Permission:
    """Whether this session may `action` plans now (draws nothing)."""
    return edits.edit_permission(
        ctx.settings,
        action,
        st.session_state.get(TOKEN_KEY) or None,
        expected_token=None if ctx.settings.admin_token else _secret_token(),
    )


def edits_allowed(ctx: Context, action: str = "add") -> edits.Permission:
    """Whether this session may `action` ("add" or "remove") plans, and why. On a shared
    server with an admin token, draws the password field for it (where it is called)."""
    allowed = permission(ctx, action)
    if allowed.needs_token:
        st.text_input(
            "Admin token",
            type="password",
            key=TOKEN_KEY,
            max_chars=200,
            help="This server is shared: adding and removing plans needs the token its "
            "operator set (IPDASH_ADMIN_TOKEN).",
        )
        if allowed:
            st.caption(":material/lock_open: Admin token accepted.")
        elif st.session_state.get(TOKEN_KEY):
            st.error("That is not the admin token.")
    return allowed


def change_corpus(ctx: Context, action: str, plan: str, change: Callable[[], T]) -> T:
    """Run a change of the corpus (`change()`) if this session may `action`, checked again
    now (at the click), and log its time, plan and outcome to the change log. Raises
    edits.EditRefusedError (an IpdashError) when refused, or the change's own error."""
    allowed = permission(ctx, action)
    if not allowed:
        LOG.warning("%s of plan %s refused", action, plan)
    return edits.logged_change(ctx.settings, action, plan, change, allowed)
