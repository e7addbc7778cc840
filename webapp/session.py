"""One visitor's session: which conversation is open (and the URL that names it),
the document filter, and what the visitor does that changes their own data —
asking, rating, uploading. Everything is scoped to the visitor's owner key.

Streamlit session-state keys used here: ``tb_conv`` (open conversation), ``tb_seq``
(last question taken from the box), ``tb_view`` ("gesprek" / "beheer"),
``tb_round`` (renews the uploader after an upload), ``tb_message`` (a notice for the
next run), ``filter-<file name>`` (the filter's checkboxes).
"""
from __future__ import annotations

import logging

import streamlit as st

from webapp.dutch import number
from webapp.feedback import feedback_record, record_feedback
from webapp.services import Services
from webapp.visitor import Visitor

log = logging.getLogger("twente_board.app")


def init() -> None:
    for name, value in (("tb_conv", None), ("tb_seq", 0), ("tb_view", "gesprek"), ("tb_round", 0)):
        st.session_state.setdefault(name, value)


def conversation_id() -> str | None:
    return st.session_state.get("tb_conv")


def notify(message: str) -> None:
    st.session_state.tb_message = message


# --------------------------------------------------------------------------- conversation and URL


def clear_filter() -> None:
    for key in [k for k in st.session_state if str(k).startswith("filter-")]:
        st.session_state[key] = False


def active_filter() -> list[str]:
    return sorted(str(k)[len("filter-"):] for k, v in st.session_state.items() if str(k).startswith("filter-") and v)


def open_conversation(conversation: str | None) -> None:
    """Switch to a conversation (None: a new, empty one). The document filter belongs
    to one conversation: it starts empty."""
    st.session_state.tb_conv = conversation
    st.session_state.tb_view = "gesprek"
    st.session_state.pop("tb_message", None)
    clear_filter()
    if conversation:
        st.query_params["gesprek"] = conversation
    else:
        st.query_params.pop("gesprek", None)


def sync_url(app: Services, visitor: Visitor) -> None:
    """The conversation named in the URL (?gesprek=…) is opened when it is this
    visitor's; the URL always names the open conversation, so a reload returns to it."""
    wanted = st.query_params.get("gesprek")
    current = conversation_id()
    if wanted and wanted != current:
        if app.conversations.get(wanted, visitor.owner) is not None:
            open_conversation(wanted)
        else:
            st.query_params.pop("gesprek", None)
            st.session_state.tb_conv = None
            notify("Dit gesprek is niet gevonden: het is verwijderd, of het is in een andere browser gevoerd. "
                   "Je begint een nieuw gesprek.")
    elif current:
        if app.conversations.get(current, visitor.owner) is None:  # deleted in another tab
            open_conversation(None)
        elif not wanted:
            st.query_params["gesprek"] = current


def ensure_conversation(app: Services, visitor: Visitor) -> str:
    if conversation_id() is None:
        st.session_state.tb_conv = app.conversations.create(visitor.owner).id
        st.query_params["gesprek"] = st.session_state.tb_conv
    return st.session_state.tb_conv


def delete_conversation(app: Services, visitor: Visitor, conversation: str) -> None:
    deleted = app.conversations.delete(conversation, visitor.owner)
    if deleted is not None:
        app.private.remove_folder(deleted.private_dir)
    if conversation == conversation_id():
        open_conversation(None)


def rename_conversation(app: Services, visitor: Visitor, conversation: str, key: str) -> None:
    if not app.conversations.rename(conversation, visitor.owner, st.session_state.get(key, "")):
        notify("Een gesprek heeft een naam nodig; de naam is niet gewijzigd.")


# --------------------------------------------------------------------------- asking


def submit(app: Services, visitor: Visitor, question: str) -> None:
    """Queue a question (saved at once) and make sure it gets answered."""
    question = (question or "").strip()
    if not question:
        return  # empty or only spaces: nothing was asked
    limit = app.settings.max_question_chars
    if len(question) > limit:
        notify(f"Je vraag is te lang ({number(len(question))} tekens; maximaal {number(limit)}). "
               "Stel een kortere vraag.")
        return
    conversation = ensure_conversation(app, visitor)
    app.conversations.ask(conversation, visitor.owner, question, active_filter())
    app.answers.kick(conversation)


def ask_everywhere(app: Services, visitor: Visitor, question: str) -> None:
    """After a refusal with the filter on: the filter off, the same question again."""
    clear_filter()
    submit(app, visitor, question)


def take_questions(app: Services, visitor: Visitor, items: list[dict]) -> None:
    """Questions from the box that this session has not taken yet, in typing order."""
    for item in sorted(items, key=lambda i: int(i.get("seq", 0))):
        seq = int(item.get("seq", 0))
        if seq > st.session_state.tb_seq:
            st.session_state.tb_seq = seq
            submit(app, visitor, str(item.get("text", "")))


def rate(app: Services, visitor: Visitor, turn, rating: int | None, reason: str | None, comment: str | None) -> None:
    """Store (or change, or take back) a rating, and append it to the feedback log."""
    if app.conversations.rate(turn.id, visitor.owner, rating, reason, comment) is None or turn.answer is None:
        return
    try:
        record_feedback(app.settings.feedback_path,
                        feedback_record(turn.id, turn.question, turn.answer, rating, reason, comment, turn.sources))
    except OSError as exc:
        log.exception("feedback could not be written")
        notify(f"Je beoordeling kon niet worden opgeslagen: {exc}")


# --------------------------------------------------------------------------- own documents


def upload_key(conversation: str) -> str:
    return f"eigen:{conversation}"


def start_upload(app: Services, visitor: Visitor, files: list) -> None:
    """Add files to the open conversation's own documents, in a background job."""
    if not files:
        return
    conversation = ensure_conversation(app, visitor)
    data = [(f.name, f.getvalue()) for f in files]
    started = app.jobs.start(upload_key(conversation), "eigen documenten toevoegen",
                             lambda job: app.private.add(conversation, visitor.owner, data,
                                                         app.assistant().embedder, job.progress))
    if started is None:
        notify("Er worden al documenten toegevoegd; wacht tot dat klaar is.")
    st.session_state.tb_round += 1  # a fresh, empty uploader


def remove_own_document(app: Services, visitor: Visitor, name: str) -> None:
    conversation = conversation_id()
    if conversation is None:
        return
    try:
        removed = app.private.remove(conversation, visitor.owner, name, app.assistant().embedder)
    except Exception as exc:  # say so; the document stays
        log.exception("removing an own document failed")
        removed, name = False, f"{name} ({exc})"
    if not removed:
        notify(f"Het document {name} kon niet worden verwijderd.")
