"""A patch of Streamlit's media file manager, alone with its version note: files made
when a download button is clicked are kept for the clicking session (Streamlit 1.67)."""

from __future__ import annotations

from typing import Any


def hold_made_downloads(manager: Any) -> bool:
    """Keep a file made when its download button is clicked (a chart image, a large
    table) until the clicking session's next run, as Streamlit keeps the files made with
    the page. Streamlit 1.67 leaves such a file to no session, so the next two script
    runs anywhere on the server delete it: with many people on one server the browser
    then fetched a deleted file ("404", 5 of 10 sessions in bench/load.py). Wraps the
    manager's execute_deferred once; returns False (and changes nothing) if the manager
    is not the one this was written for."""
    if getattr(manager, "_ipdash_holds_made", False):
        return True
    callables = getattr(manager, "_deferred_callables", None)
    by_session = getattr(manager, "_files_by_session_and_coord", None)
    lock = getattr(manager, "_lock", None)
    execute = getattr(manager, "execute_deferred", None)
    if not isinstance(callables, dict) or not isinstance(by_session, dict) or lock is None:
        return False
    if execute is None:
        return False

    def execute_and_hold(file_id: str) -> str:
        entry = callables.get(file_id)
        url = execute(file_id)
        made = url.rsplit("/", 1)[-1].split(".", 1)[0]  # /media/<file id><extension>
        if isinstance(entry, dict):
            with lock:
                files = by_session.get(entry.get("session_id"))
                if files is not None:  # the session has not started another run yet
                    files[f"{entry.get('coordinates')}:made"] = made
        return url

    manager.execute_deferred = execute_and_hold
    manager._ipdash_holds_made = True
    return True


def _hold_made_downloads_on_this_server() -> None:
    from streamlit import runtime

    if runtime.exists():
        hold_made_downloads(runtime.get_instance().media_file_mgr)
