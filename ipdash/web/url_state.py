"""State in the URL: every filter and view choice lives in the page address."""

from __future__ import annotations

import streamlit as st

from ipdash.settings import parse_flag
from ipdash.store.filters import MeasureFilter, clean_query, from_params, to_params

# ---------------------------------------------------------------------------------------
# State in the URL
#
# Every filter and view choice lives in the page address, with ids as values
# (?year=2012,2022&theme=judicial&agency=cnipa&role=lead), so that copying the address
# reproduces the view and opening it restores it. On each run the address is compared
# with what this session last wrote: if it differs (a link was opened, the page
# changed), its values are loaded into the widgets; after the widgets, the page writes
# the current values back. Malformed values are ignored, never an error.

# URL parameter -> kind. The first six are the filters shared by every page.
URL_PARAMS: dict[str, str] = {
    "year": "list",
    "theme": "list",
    "agency": "list",
    "role": "str",
    "successor": "bool",
    "q": "str",
    "measure": "str",
    "directed": "bool",
    "min_links": "int",
    "ties": "str",
    "focus": "str",
    "compare_a": "str",
    "compare_b": "str",
    "from": "str",
    "to": "str",
    "highlight": "list",
    "heat_value": "str",
    "lead_theme": "str",
    "lin_from": "int",
    "lin_to": "int",
    "profile": "str",
    "story": "str",
    "view": "int",
    "present": "bool",
    # The data version a permalink was cited with ("Cite this view"): read to say when
    # the data has changed since, never written back.
    "data_version": "str",
    "names": "str",
}
FILTER_PARAMS = ("year", "theme", "agency", "role", "successor", "q")
# The names switch (English / 中文): carried by every link and address like the filters.
NAMES = "names"


def names_choice() -> str:
    """The names switch as the widget holds it: "zh" (中文) or "en" (English)."""
    return "zh" if st.session_state.get(NAMES) == "zh" else "en"


def with_names(params: dict[str, str]) -> dict[str, str]:
    if names_choice() == "zh":
        params[NAMES] = "zh"
    return params


_WRITTEN = "_url_written"
# Longest text value taken from a URL.
MAX_URL_VALUE_CHARS = 200


def _parse(kind: str, values: list[str]) -> object:
    if kind == "list":
        out: list[str] = []
        for value in values:
            for part in value.split(","):
                part = part.strip()[:MAX_URL_VALUE_CHARS]
                if part and part not in out:
                    out.append(part)
        return out[:200]
    first = clean_query(values[0]) if values else ""
    if kind == "bool":
        return parse_flag(first)
    if kind == "int":
        return int(first) if first.isdigit() and len(first) < 6 else None
    return first[:MAX_URL_VALUE_CHARS]


def _url_now() -> dict[str, str]:
    return {key: ",".join(st.query_params.get_all(key)) for key in st.query_params}


def load_url_state() -> None:
    """Put the address's values into the widgets' state when the address is new to this
    session (opened from a link, or reached through the page menu)."""
    url = _url_now()
    if st.session_state.get(_WRITTEN) == url:
        return
    for key, kind in URL_PARAMS.items():
        if key in url:
            value = _parse(kind, st.query_params.get_all(key))
            if value is not None:
                st.session_state[key] = value
        elif key in st.session_state:
            del st.session_state[key]
    st.session_state[_WRITTEN] = url


def view_params(f: MeasureFilter | None = None, **view: object) -> dict[str, str]:
    """The filters and a page's own choices as address parameters (only what differs
    from the defaults): what the address holds and what a saved view records."""
    params: dict[str, str] = dict(to_params(f)) if f is not None else {}
    for key, value in view.items():
        if value in (None, "", False, [], ()):
            continue
        if isinstance(value, list | tuple):
            params[key] = ",".join(str(v) for v in value)
        elif value is True:
            params[key] = "1"
        else:
            params[key] = str(value)
    return params


def write_url(f: MeasureFilter | None = None, **view: object) -> dict[str, str]:
    """Write the filters and the page's own choices into the address, so the address
    always reproduces what is on screen; returns the parameters. The page's own choices
    are remembered for the links back to it (see page_link_params)."""
    params = with_names(view_params(f, **view))
    if params != _url_now():
        st.query_params.from_dict(params)
    st.session_state[_WRITTEN] = params
    page = st.session_state.get(CURRENT_PAGE)
    if page:
        remembered = st.session_state.setdefault(_PAGE_PARAMS, {})
        remembered[page] = {
            k: v for k, v in params.items() if k not in FILTER_PARAMS and k != NAMES
        }
    return params


# The page being run (its file under the project root) and each page's own choices as
# last written, so a link back to a page restores them.
CURRENT_PAGE = "_current_page"
_PAGE_PARAMS = "_page_params"
# A page's own choices that a link must not carry (they start or stop something).
_NOT_CARRIED = frozenset({"present", "view"})


def _as_param(value: object) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "1" if value else ""
    return "" if value is None else str(value)


def shared_filter_params() -> dict[str, str]:
    """The shared filters as the widgets hold them in this run, for links to other
    pages. Not the address: Streamlit sets a changed widget's value before the script
    runs, while the address is written at its end (a link drawn from the address carried
    the state of one change earlier)."""
    raw = {key: [_as_param(st.session_state.get(key))] for key in FILTER_PARAMS}
    f = from_params(raw)
    return with_names(dict(to_params(f if f.agencies else f.with_(role="any"))))


def page_link_params(page: str, own_keys: tuple[str, ...]) -> dict[str, str]:
    """What a link to `page` carries: the shared filters, and the page's own choices —
    as the widgets hold them when it is the page being run, else as it last wrote them."""
    params = shared_filter_params()
    if page == st.session_state.get(CURRENT_PAGE):
        own = {key: _as_param(st.session_state.get(key)) for key in own_keys}
    else:
        own = st.session_state.get(_PAGE_PARAMS, {}).get(page, {})
    params.update({k: v for k, v in own.items() if v and k not in _NOT_CARRIED})
    return params
