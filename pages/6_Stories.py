"""Stories: sequences of saved views for workshops, presented one per screen or
exported as a PowerPoint deck."""

from collections.abc import Callable
from datetime import UTC, datetime

import streamlit as st

from ipdash import web
from ipdash.errors import IpdashError
from ipdash.present import deck, figures, images, stories, views
from ipdash.store import queries

PREVIEW_HEIGHT = 420


@st.cache_data(show_spinner=False, max_entries=16)
def _data_facts(db: str, plans: tuple[int, ...]) -> dict[str, str]:
    """The facts captions may name, computed once per database generation and plans."""
    return stories.story_facts(web.Context(db).query, plans)


def _facts(ctx: web.Context, story: stories.Story) -> dict[str, str]:
    """Every fact a story's texts may name: the data's for its plans, and its own."""
    return _data_facts(ctx.db, story.plans) | stories.story_counts(story)


def _plans_in_data(ctx: web.Context) -> dict[int, str]:
    """The plans the data holds, with their period labels."""
    plans = ctx.query(queries.plans)
    return dict(zip(plans["plan_year"], plans["period_label"], strict=True))


def _set_plans(ctx: web.Context, story_id: str) -> None:
    plans = [int(y) for y in st.session_state[f"story_plans_{story_id}"]]
    _change(ctx, lambda s: stories.set_plans(s, story_id, plans), "Plans saved.")


def show_plans(ctx: web.Context, story: stories.Story) -> None:
    """Which plans the story covers, and any it names that the data no longer holds."""
    scope = stories.story_plans(ctx.query(queries.plans), story.plans)
    if story.plans:
        st.caption(
            f"This story covers the plans it states, {web.md_escape(scope.label_list())}, and "
            "keeps them when a plan is added"
            + (" (make an editable copy to change them)." if story.builtin else ".")
        )
    else:
        st.caption(
            "This story follows the data: it covers every plan "
            f"({web.md_escape(scope.label_list())}), and a plan added later joins it."
        )
    if scope.missing:
        gone = web.md_escape(scope.label_list(scope.missing))
        st.warning(
            f"This story compares the {gone} plan{'s' if len(scope.missing) > 1 else ''}, "
            "which the data no longer holds (removed on Add a plan → Manage plans). Its "
            "sentences about it are left out, and views that need it say so."
        )


def _load(ctx: web.Context) -> tuple[list[stories.Story], str | None]:
    """All stories, and a message if the saved stories cannot be read (the ready-made
    ones are still shown; nothing is written until the file is fixed)."""
    try:
        return stories.load_stories(ctx.settings.stories_file), None
    except IpdashError as exc:
        return stories.load_builtin(), str(exc)


def _change(
    ctx: web.Context,
    change: Callable[[list[stories.Story]], list[stories.Story]],
    message: str,
) -> bool:
    """Apply a change to the saved stories (in a button callback); report the outcome on
    the next run."""
    try:
        stories.update_stories(change, ctx.settings.stories_file)
    except IpdashError as exc:
        st.session_state["_stories_error"] = web.md_escape(str(exc))
        return False
    st.session_state["_stories_done"] = message
    return True


def _edit_view(ctx: web.Context, story_id: str, index: int) -> None:
    title = st.session_state[f"edit_title_{index}"].strip()
    caption = st.session_state[f"edit_caption_{index}"].strip()
    _change(ctx, lambda s: stories.edit_view(s, story_id, index, title, caption), "Saved.")


def _copy(ctx: web.Context, story: stories.Story, taken: set[str]) -> None:
    copy = stories.copy_story(story, st.session_state["copy_title"].strip() or story.title, taken)
    if _change(ctx, lambda s: [*s, copy], f"Copied to “{copy.title}”: this copy is yours to edit."):
        st.session_state["story"] = copy.story_id


def _rename(ctx: web.Context, story_id: str) -> None:
    title = st.session_state["rename_title"].strip()
    if title:
        _change(ctx, lambda s: stories.rename_story(s, story_id, title), "Renamed.")


def _delete(ctx: web.Context, story_id: str, fallback: str) -> None:
    if _change(ctx, lambda s: stories.delete_story(s, story_id), "Story deleted."):
        st.session_state["story"] = fallback


def _import(ctx: web.Context, incoming: list[stories.Story], reserved: set[str]) -> None:
    if _change(ctx, lambda s: stories.merge(s, incoming, reserved), f"Imported {len(incoming)}."):
        st.session_state["_upload_n"] = st.session_state.get("_upload_n", 0) + 1


def _go(index: int) -> None:
    st.session_state["view"] = index + 1


def _present(index: int | None = None) -> None:
    st.session_state["present"] = True
    if index is not None:
        st.session_state["view"] = index + 1


def _stop_presenting() -> None:
    st.session_state["present"] = False


def _filter_line(ctx: web.Context, view: stories.View) -> str:
    return views.describe_view(view.chart, ctx.query, view.params)


def show_view_row(
    ctx: web.Context, facts: dict[str, str], story: stories.Story, index: int, preview: bool
) -> None:
    """A view in the story list: what it shows, and the buttons to arrange it."""
    raw = story.views[index]
    view = stories.resolved(raw, facts)
    chart = views.CHARTS[view.chart]
    with st.container(border=True):
        text, buttons = st.columns([5, 3])
        with text:
            st.markdown(f"**{index + 1}. {web.md_escape(view.title)}**")
            if view.caption:
                web.show_text(view.caption, "ipd-small")
            st.caption(web.md_escape(_filter_line(ctx, view)))
            labels = _plans_in_data(ctx)
            missing = stories.view_plans(view, set(labels), labels)
            if missing.note:
                st.caption(missing.note)
            absent = stories.missing_facts(raw.title + " " + raw.caption, facts)
            if absent and not story.builtin:  # tell the author why a sentence is not shown
                st.caption(
                    "Left out for want of data: the sentences naming "
                    + ", ".join(f"`{{{name}}}`" for name in absent)
                )
        with buttons:
            row = st.columns(5 if not story.builtin else 2)
            row[0].page_link(
                chart.page,
                label="Open",
                icon=":material/open_in_new:",
                query_params=web.with_names(dict(view.params)),
                help="Open this view on its page, with its filters",
            )
            row[1].button(
                "",
                icon=":material/slideshow:",
                key=f"present_from_{index}",
                help="Present from this view",
                on_click=_present,
                args=(index,),
            )
            if not story.builtin:
                sid = story.story_id
                row[2].button(
                    "",
                    icon=":material/arrow_upward:",
                    key=f"up_{index}",
                    help="Move up",
                    disabled=index == 0,
                    on_click=_change,
                    args=(ctx, lambda s: stories.move_view(s, sid, index, -1), "Moved."),
                )
                row[3].button(
                    "",
                    icon=":material/arrow_downward:",
                    key=f"down_{index}",
                    help="Move down",
                    disabled=index == len(story.views) - 1,
                    on_click=_change,
                    args=(ctx, lambda s: stories.move_view(s, sid, index, 1), "Moved."),
                )
                with row[4].popover("", icon=":material/edit:", help="Edit or delete"):
                    st.text_input("Title", raw.title, key=f"edit_title_{index}", max_chars=160)
                    st.text_area(
                        "Caption",
                        raw.caption,
                        key=f"edit_caption_{index}",
                        max_chars=600,
                        help="May name facts in braces, e.g. {lead_last}, filled from the data.",
                    )
                    st.button(
                        "Save",
                        key=f"save_{index}",
                        type="primary",
                        on_click=_edit_view,
                        args=(ctx, sid, index),
                    )
                    st.button(
                        "Delete this view",
                        key=f"delete_{index}",
                        icon=":material/delete:",
                        on_click=_change,
                        args=(ctx, lambda s: stories.delete_view(s, sid, index), "Deleted."),
                    )
        if preview and missing.drawable:
            figure = views.build(view.chart, ctx.query, view.params)
            web.plot(ctx, figures.untitled(figure, PREVIEW_HEIGHT), key=f"preview_{index}")


ctx = web.setup("Stories")

with web.guard():
    all_stories, load_error = _load(ctx)
    by_id = {s.story_id: s for s in all_stories}
    titles = {s.story_id: stories.title_of(s, _facts(ctx, s)) for s in all_stories}
    story_ids = list(by_id)
    present = bool(st.session_state.get("present")) and bool(story_ids)
    # The selection survives presentation mode (where no selector is drawn) in the address.
    wanted = st.session_state.get("story") or st.query_params.get("story", "")
    last = st.session_state.get("_last_story")
    default = wanted if wanted in by_id else (last if last in by_id else story_ids[0])

    if present:
        story = by_id.get(wanted) or by_id[story_ids[0]]
        if not story.views:
            st.session_state["present"] = present = False
    if present:
        index = min(max(int(st.session_state.get("view") or 1), 1), len(story.views)) - 1
        web.show_view(ctx, _facts(ctx, story), story, index, _go, _stop_presenting)
        web.write_url(None, story=story.story_id, present=True, view=index + 1)
        st.stop()

    st.title("Stories")
    st.markdown(
        "A story is a sequence of saved views for a workshop or a talk. **Present** it one "
        "chart per screen, or **download it as a PowerPoint deck**. Add views from the "
        "**Export or save** menu under any chart."
    )
    if load_error:
        st.error(
            f"Your saved stories could not be read: {web.md_escape(str(load_error))}. Fix or "
            "remove the file; "
            "until then only the ready-made stories are shown and nothing is saved."
        )
    for flag, show in (("_stories_error", st.error), ("_stories_done", st.toast)):
        if flag in st.session_state:
            show(st.session_state.pop(flag))

    story_id = web.selectbox(
        st,
        "Story",
        story_ids,
        "story",
        default,
        format_func=lambda s: titles[s] + ("  (ready-made)" if by_id[s].builtin else ""),
    )
    story = by_id[story_id]
    facts = _facts(ctx, story)
    st.session_state["_last_story"] = story_id
    if story.subtitle:
        st.markdown(web.md_escape(stories.fill(story.subtitle, facts)))
    show_plans(ctx, story)

    # Side by side at their own width: columns cut "Download deck (.pptx)" on a laptop.
    row = st.container(horizontal=True)
    actions = [row, row, row, row]
    actions[0].button(
        "Present",
        icon=":material/slideshow:",
        type="primary",
        on_click=_present,
        args=(0,),
        disabled=not story.views,
    )
    has_browser = images.find_chromium(ctx.settings.browser_path) is not None
    actions[1].download_button(
        "Download deck (.pptx)",
        data=lambda story=story: deck.build_deck(
            story, ctx.query, browser=ctx.settings.browser_path
        ),
        file_name=f"ipdash-{story.story_id}-{datetime.now(UTC):%Y-%m-%d}.pptx",
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        icon=":material/download:",
        on_click="ignore",
        disabled=not story.views or not has_browser,
        help=f"A title slide, {len(story.views)} chart slides and a sources slide"
        + ("" if has_browser else " (needs Chromium on the server)"),
    )
    actions[2].download_button(
        "Download story file",
        data=stories.dump_stories([story]),
        file_name=f"ipdash-story-{story.story_id}.yaml",
        mime="application/x-yaml",
        icon=":material/file_export:",
        on_click="ignore",
        help="To hand this story to a colleague: they import it below.",
    )
    with actions[3]:
        if story.builtin:
            with st.popover("Make an editable copy", icon=":material/content_copy:"):
                st.text_input(
                    "Title of the copy",
                    f"{titles[story_id]} (my copy)",
                    key="copy_title",
                    max_chars=120,
                )
                st.button("Copy", type="primary", on_click=_copy, args=(ctx, story, set(by_id)))
        else:
            with st.popover("Rename or delete", icon=":material/edit:"):
                st.text_input("Title", story.title, key="rename_title", max_chars=120)
                st.button("Rename", type="primary", on_click=_rename, args=(ctx, story_id))
                st.divider()
                options = sorted(set(_plans_in_data(ctx)) | set(story.plans))
                st.multiselect(
                    "Plans this story covers",
                    options,
                    default=list(story.plans),
                    key=f"story_plans_{story_id}",
                    format_func=lambda y: _plans_in_data(ctx).get(y, str(y)),
                    help="Its facts and comparisons stay with these plans when a plan is "
                    "added. None: the story follows the data.",
                )
                st.button("Save plans", on_click=_set_plans, args=(ctx, story_id))
                st.divider()
                sure = st.checkbox("Yes, delete this story and its views")
                st.button(
                    "Delete story",
                    icon=":material/delete:",
                    disabled=not sure,
                    on_click=_delete,
                    args=(ctx, story_id, story_ids[0]),
                )

    if story.builtin:
        st.caption(
            "A ready-made story: its captions are computed from the data. It is read-only; "
            "make an editable copy to reorder, edit or extend it."
        )
    st.subheader(f"{len(story.views)} view{'s' if len(story.views) != 1 else ''}")
    if not story.views:
        st.info(
            "This story has no views yet: open a chart on any page, then **Export or save → "
            "Add to a story**."
        )
    else:
        preview = st.toggle("Show the charts", help="Draw every view's chart in the list.")
        for i in range(len(story.views)):
            show_view_row(ctx, facts, story, i, preview)

    st.subheader("Share stories")
    left, right = st.columns(2)
    with left:
        saved = [s for s in all_stories if not s.builtin]
        st.markdown("**Export** your stories to one file (YAML), to keep or to hand over.")
        st.download_button(
            f"Download all your stories ({len(saved)})",
            data=stories.dump_stories(saved),
            file_name=f"ipdash-stories-{datetime.now(UTC):%Y-%m-%d}.yaml",
            mime="application/x-yaml",
            icon=":material/download:",
            on_click="ignore",
            disabled=not saved,
        )
    with right:
        st.markdown("**Import** a stories file a colleague exported (YAML or JSON).")
        upload = st.file_uploader(
            "Stories file",
            type=["yaml", "yml", "json"],
            label_visibility="collapsed",
            key=f"upload_{st.session_state.get('_upload_n', 0)}",
        )
        if upload is not None:
            try:
                incoming = stories.import_text(
                    upload.getvalue().decode("utf-8", errors="replace"), upload.name
                )
            except IpdashError as exc:
                st.error(web.md_escape(str(exc)))
            else:
                replaced = {s.story_id for s in saved} & {s.story_id for s in incoming}
                st.markdown(
                    "\n".join(
                        f"- {web.md_escape(s.title)} ({len(s.views)} views)"
                        + (" — replaces your story of this id" if s.story_id in replaced else "")
                        for s in incoming
                    )
                    or "The file holds no stories."
                )
                st.button(
                    f"Import {len(incoming)} stor{'ies' if len(incoming) != 1 else 'y'}",
                    type="primary",
                    disabled=not incoming,
                    on_click=_import,
                    args=(ctx, incoming, {s.story_id for s in all_stories if s.builtin}),
                )
    web.write_url(None, story=story_id)
    web.footer(ctx, f"Story: {titles.get(story_id, story_id)}")
