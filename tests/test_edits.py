"""Who may change the corpus (ipdash.store.edits): a laptop app may, a shared server only
with the admin token or --allow-edits, the command line always; every change and refused
attempt is in the change log, the token never is."""

from __future__ import annotations

import pytest

from ipdash.settings import Settings
from ipdash.store import edits
from tests.test_app import no_failures, run

TOKEN = "correct-horse-battery"


@pytest.mark.parametrize("action", ["add", "remove"])
@pytest.mark.parametrize(
    ("settings", "token", "allowed", "needs_token"),
    [
        (Settings(), None, True, False),  # ./run app on a laptop: as before
        (Settings(read_only=True), None, False, False),
        (Settings(read_only=True, shared=True, admin_token=TOKEN), TOKEN, False, False),
        (Settings(shared=True), None, False, False),  # no token set: nobody edits
        (Settings(shared=True), "anything", False, False),
        (Settings(shared=True, admin_token=TOKEN), None, False, True),
        (Settings(shared=True, admin_token=TOKEN), "wrong", False, True),
        (Settings(shared=True, admin_token=TOKEN), TOKEN + " ", False, True),
        (Settings(shared=True, admin_token=TOKEN), TOKEN, True, True),
        (Settings(shared=True, allow_edits=True), None, True, False),
    ],
)
def test_permission(action, settings, token, allowed, needs_token):
    permission = edits.edit_permission(settings, action, token)
    assert bool(permission) is allowed
    assert permission.needs_token is needs_token
    assert permission.reason.startswith(
        "Adding and removing plans" if settings.read_only else edits.ACTIONS[action]
    )
    assert TOKEN not in permission.reason


def test_a_token_from_streamlit_secrets_counts_when_the_environment_has_none():
    shared = Settings(shared=True)
    assert edits.edit_permission(shared, "add", TOKEN, expected_token=TOKEN)
    assert not edits.edit_permission(shared, "add", "wrong", expected_token=TOKEN)


def test_the_command_line_may_always_change_the_corpus():
    assert edits.edit_permission(Settings(shared=True, read_only=True), "remove", via="cli")


def test_an_unknown_action_is_an_error():
    with pytest.raises(ValueError, match="expected one of add, remove"):
        edits.edit_permission(Settings(), "drop")


def test_tokens_are_compared_whole():
    assert edits.token_matches(TOKEN, TOKEN)
    assert not edits.token_matches(TOKEN[:-1], TOKEN)
    assert not edits.token_matches("", "")
    assert not edits.token_matches(None, None)
    assert edits.token_matches("schlüssel", "schlüssel")  # not only ASCII


def test_every_change_and_refusal_is_logged(tmp_path):
    settings = Settings(shared=True, admin_token=TOKEN, log_dir=tmp_path)
    allowed = edits.edit_permission(settings, "add", TOKEN)
    assert edits.logged_change(settings, "add", "2023", lambda: 7, allowed) == 7
    refused = edits.edit_permission(settings, "remove", "guess")
    with pytest.raises(edits.EditRefusedError, match="admin token is not right"):
        edits.logged_change(settings, "remove", "2012", lambda: 1 / 0, refused)

    def fails() -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        edits.logged_change(settings, "add", "2024", fails, allowed)
    log = edits.read_changes(tmp_path)
    assert [(e["action"], e["plan"], e["outcome"].split(":")[0]) for e in log] == [
        ("add", "2023", "done"),
        ("remove", "2012", "refused"),
        ("add", "2024", "failed"),
    ]
    assert all(e["time"].endswith("+00:00") for e in log)
    assert TOKEN not in (tmp_path / edits.CHANGE_LOG).read_text(encoding="utf-8")
    assert "guess" not in (tmp_path / edits.CHANGE_LOG).read_text(encoding="utf-8")


def test_the_cli_logs_what_it_adds(corpus, tmp_path):
    from tests.conftest import run_cli
    from tests.test_intake import PLAN_2023

    raw, db_dir = corpus
    plan = tmp_path / "plan2023.txt"
    plan.write_text(PLAN_2023, encoding="utf-8")
    result = run_cli("add", str(plan), "--year", "2023", "--raw", str(raw), "--db-dir", str(db_dir))
    assert result.returncode == 0, result.stderr
    from ipdash import settings

    last = edits.read_changes(settings.current().log_dir)[-1]
    assert (last["action"], last["plan"], last["outcome"], last["via"]) == (
        "add",
        "2023",
        "done",
        "cli",
    )


# ---------------------------------------------------------------------------------------
# The Add a plan page


@pytest.fixture
def shared_corpus(corpus, own_settings, tmp_path):
    raw, db_dir = corpus
    return own_settings(
        raw_dir=raw, db_dir=db_dir, shared=True, admin_token=TOKEN, log_dir=tmp_path / "logs"
    )


def _upload(at) -> None:
    from tests.test_intake import PLAN_2023

    at.file_uploader[0].set_value(("plan2023.txt", PLAN_2023.encode("utf-8"), "text/plain"))
    at.run()


def _add_button(at):
    return next(b for b in at.button if b.label == "Add this plan and rebuild the database")


def test_a_shared_server_asks_for_the_admin_token(shared_corpus):
    at = run("pages/7_Add_a_plan.py")
    no_failures(at)
    assert not at.file_uploader
    assert at.text_input[0].label == "Admin token"
    assert at.text_input[0].proto.type == at.text_input[0].proto.PASSWORD
    assert "needs the admin token: enter the admin token" in at.info[0].value

    at.text_input[0].input("not it").run()
    assert not at.file_uploader
    assert at.error[0].value == "That is not the admin token."

    at.text_input[0].input(TOKEN).run()
    no_failures(at)
    assert at.file_uploader  # the page as on a laptop
    assert "Admin token accepted" in at.caption[0].value
    _upload(at)
    no_failures(at)
    assert at.text_input[0].label == "Admin token"  # still there: the token stays typed
    _add_button(at).click().run()
    no_failures(at)
    assert "Added **plan2023\\.txt**" in at.success[0].value
    log = edits.read_changes(shared_corpus.log_dir)
    assert [(e["action"], e["plan"], e["outcome"]) for e in log] == [("add", "2023", "done")]
    for element in at.main:  # the token is never shown back
        assert TOKEN not in str(element.proto)
    assert TOKEN not in (shared_corpus.log_dir / edits.CHANGE_LOG).read_text(encoding="utf-8")


def test_a_token_changed_before_the_click_is_refused_and_logged(shared_corpus):
    from ipdash.store.db import current_db_path

    before = current_db_path(shared_corpus.db_dir)
    at = run("pages/7_Add_a_plan.py")
    at.text_input[0].input(TOKEN).run()
    _upload(at)
    at.session_state["_admin_token"] = "changed"  # as if typed just before the click
    _add_button(at).click().run()
    assert not at.success
    assert current_db_path(shared_corpus.db_dir) == before
    log = edits.read_changes(shared_corpus.log_dir)
    assert [(e["plan"], e["outcome"].split(":")[0]) for e in log] == [("2023", "refused")]


def test_a_shared_server_without_a_token_is_read_only(corpus, own_settings, tmp_path):
    raw, db_dir = corpus
    own_settings(raw_dir=raw, db_dir=db_dir, shared=True, log_dir=tmp_path)
    at = run("pages/7_Add_a_plan.py")
    no_failures(at)
    assert not at.file_uploader
    assert not at.text_input
    assert "no admin token is set" in at.info[0].value


def test_allow_edits_opens_a_shared_server(corpus, own_settings, tmp_path):
    raw, db_dir = corpus
    own_settings(raw_dir=raw, db_dir=db_dir, shared=True, allow_edits=True, log_dir=tmp_path)
    at = run("pages/7_Add_a_plan.py")
    no_failures(at)
    assert at.file_uploader
    assert not at.text_input
