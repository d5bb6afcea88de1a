"""Widgets whose state is checked against their options before they are drawn (the
address may name an option that does not exist)."""

from __future__ import annotations

from typing import Any

import streamlit as st


def _keep_valid(key: str, options: list, multi: bool, default: object) -> None:
    """Make the widget's state a valid choice before the widget is drawn (a URL may name
    an option that does not exist, e.g. a body that is not in the current view)."""
    if key not in st.session_state:
        st.session_state[key] = default
        return
    value = st.session_state[key]
    if multi:
        st.session_state[key] = [v for v in (value or []) if v in options]
    elif value not in options:
        st.session_state[key] = default


def multiselect(where: Any, label: str, options: list, key: str, **kwargs: Any) -> list:
    _keep_valid(key, options, True, [])
    return where.multiselect(label, options, key=key, **kwargs)


def selectbox(
    where: Any, label: str, options: list, key: str, default: object, **kwargs: Any
) -> Any:
    _keep_valid(
        key, options, False, default if default in options else (options[0] if options else None)
    )
    return where.selectbox(label, options, key=key, **kwargs)


def segmented(
    where: Any, label: str, options: list, key: str, default: object, **kwargs: Any
) -> Any:
    _keep_valid(key, options, False, default)
    return where.segmented_control(label, options, key=key, required=True, **kwargs) or default


def toggle(where: Any, label: str, key: str, **kwargs: Any) -> bool:
    if not isinstance(st.session_state.get(key), bool):
        st.session_state[key] = False
    return bool(where.toggle(label, key=key, **kwargs))


def slider(
    where: Any, label: str, low: int, high: int, key: str, default: int, **kwargs: Any
) -> int:
    value = st.session_state.get(key)
    if not isinstance(value, int) or not low <= value <= high:
        st.session_state[key] = default
    return int(where.slider(label, low, high, key=key, **kwargs))


def text(where: Any, label: str, key: str, **kwargs: Any) -> str:
    if not isinstance(st.session_state.get(key), str):
        st.session_state[key] = ""
    return where.text_input(label, key=key, **kwargs)
