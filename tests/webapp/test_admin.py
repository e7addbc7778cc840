"""The administrator's secret: absent → no admin functions; wrong → refused (and,
after five tries, locked out); right → the panel, where every change of the shared
corpus is one log line."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from common.config import ConfigError, Settings
from webapp.admin import MAX_FAILURES, password_ok

pytestmark = pytest.mark.slow

PAGE = str(Path(__file__).resolve().parents[2] / "webapp" / "page.py")
SECRET = "een-lang-beheerderswachtwoord"
KADE = (b"Zeppelinhaven Hengelo\n\nDe Zeppelinhaven in Hengelo krijgt een nieuwe kade van 300 meter. "
        b"De gemeente Hengelo opent de nieuwe kade in het voorjaar van 2031.\n")


def test_password_check():
    assert not password_ok(Settings(), "")  # no secret configured: nobody is an administrator
    assert not password_ok(Settings(), "iets")
    configured = Settings(admin_password=SECRET)
    assert not password_ok(configured, "fout") and not password_ok(configured, SECRET + " ")
    assert password_ok(configured, SECRET)
    with pytest.raises(ConfigError, match="te kort"):
        Settings.from_env({"ASSISTANT_ADMIN_PASSWORD": "kort"})


@pytest.fixture
def admin_env(monkeypatch, tmp_path, real_store_settings):
    for name in list(os.environ):
        if name.startswith("ASSISTANT_"):
            monkeypatch.delenv(name)
    store = tmp_path / "data" / "store"
    shutil.copytree(real_store_settings.store_dir, store, ignore=shutil.ignore_patterns(".ingest.lock"))
    monkeypatch.setenv("ASSISTANT_STORE", str(store))
    monkeypatch.setenv("ASSISTANT_ADMIN_PASSWORD", SECRET)
    return tmp_path / "data"


def _page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _sign_in(at: AppTest, password: str, name: str = "Anna") -> AppTest:
    at.sidebar.text_input(key="tb-admin-name").input(name)
    at.sidebar.text_input(key="tb-admin-password").input(password)
    next(b for b in at.sidebar.button if b.label == "Aanmelden").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_wrong_password_is_refused_and_repeated_tries_are_locked_out(admin_env):
    at = _page()
    assert "Beheer" in [e.label for e in at.sidebar.expander]
    _sign_in(at, "geraden-wachtwoord")
    assert [e.value for e in at.sidebar.error] == ["Onjuist wachtwoord."]
    assert "tb_admin" not in at.session_state and not any("Beheer van" in h.value for h in at.header)
    for _ in range(MAX_FAILURES - 1):
        _sign_in(at, "nog-een-gok")
    _sign_in(at, SECRET)  # even the right one, for now
    assert "Te veel mislukte pogingen" in at.sidebar.error[0].value and "tb_admin" not in at.session_state


def test_signed_in_administrator_adds_a_document_and_it_is_logged(admin_env):
    at = _sign_in(_page(), SECRET, name="Anna")
    assert any(h.value == "Beheer van de gedeelde documenten" for h in at.header)
    uploader = at.file_uploader(key="admin-uploader-0")
    uploader.set_value([("zeppelinhaven.txt", KADE, "text/plain")]).run()
    next(b for b in at.button if b.label == "Toevoegen aan de gedeelde index").click().run()  # waits for the job
    assert not at.exception, [e.value for e in at.exception]
    assert any("zeppelinhaven.txt** — toegevoegd" in s.value for s in at.success)
    log = [json.loads(line) for line in (admin_env / "app" / "corpus-wijzigingen.jsonl").read_text().splitlines()]
    assert [(e["actie"], e["document"]) for e in log] == [("toegevoegd", "zeppelinhaven.txt")]
    assert log[0]["wie"].startswith("Anna (beheerder")
    assert (admin_env / "uploads" / "zeppelinhaven.txt").read_bytes() == KADE
    # every visitor now sees it among the board's documents
    assert "Zeppelinhaven" in " ".join(m.value for m in _page().sidebar.markdown)
