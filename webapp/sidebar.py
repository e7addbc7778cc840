"""The sidebar: new conversation, the visitor's own conversations (open, rename,
export, delete), the document filter, their own documents ("Mijn documenten",
private to the conversation) and the shared corpus, and the administrator's sign-in.
"""
from __future__ import annotations

import html

import streamlit as st

from webapp import admin, session
from webapp.dutch import count, when
from webapp.escape import label_escape, md_escape
from webapp.export import file_stem, to_json, to_markdown
from webapp.files import PRIVATE, SHARED, FileRef
from webapp.render import TurnView
from webapp.services import Services
from webapp.uploads import STATUS_ICONS, UploadResult, kinds_label, upload_types
from webapp.visitor import Visitor

MAX_LISTED = 30


def render(app: Services, visitor: Visitor, view: TurnView, watch) -> None:
    with st.sidebar:
        st.button("Nieuw gesprek", icon=":material/add_comment:", type="primary", width="stretch",
                  on_click=session.open_conversation, args=(None,))
        render_conversations(app, visitor, view)
        render_filter(app, view)
        render_own_documents(app, visitor, view, watch)
        render_shared_documents(app, view)
        admin.render_sign_in(app, visitor)


def render_conversations(app: Services, visitor: Visitor, view: TurnView) -> None:
    st.subheader("Mijn gesprekken", anchor=False)
    current = session.conversation_id()
    conversations = app.conversations.list(visitor.owner, MAX_LISTED)
    if not conversations:
        st.caption("Nog geen gesprekken. Je gesprekken blijven bewaard in deze browser.")
    for c in conversations:
        st.button(label_escape(c.title or "Nieuw gesprek"), key=f"conv-{c.id}", width="stretch",
                  type="secondary" if c.id == current else "tertiary",
                  help=f"Laatst bijgewerkt {when(c.updated, view.tz)}",
                  on_click=session.open_conversation, args=(c.id,))
    if not visitor.remembered:
        st.caption("Je browser bewaart geen cookie van deze site: je gesprekken blijven alleen in dit tabblad.")
    conversation = app.conversations.get(current, visitor.owner) if current else None
    if conversation is not None:
        with st.popover("Dit gesprek", icon=":material/more_horiz:", width="stretch"):
            key = f"title-{conversation.id}"
            st.text_input("Naam", value=conversation.title, key=key, max_chars=60)
            st.button("Naam opslaan", key=f"rename-{conversation.id}",
                      on_click=session.rename_conversation, args=(app, visitor, conversation.id, key))
            turns = app.conversations.turns(conversation.id, visitor.owner)
            stem = file_stem(conversation)
            st.download_button("Exporteren als Markdown", to_markdown(conversation, turns, view.tz, view.titles),
                               file_name=f"{stem}.md", mime="text/markdown", on_click="ignore",
                               icon=":material/description:", width="stretch")
            st.download_button("Exporteren als JSON", to_json(conversation, turns), file_name=f"{stem}.json",
                               mime="application/json", on_click="ignore", icon=":material/data_object:",
                               width="stretch")
            sure = st.checkbox("Ja, verwijder dit gesprek (en de documenten die ik erin heb gezet)",
                               key=f"sure-{conversation.id}")
            st.button("Gesprek verwijderen", key=f"delete-{conversation.id}", icon=":material/delete:",
                      disabled=not sure, on_click=session.delete_conversation, args=(app, visitor, conversation.id))


def render_filter(app: Services, view: TurnView) -> None:
    for key in [k for k in st.session_state if str(k).startswith("filter-")]:
        if str(key)[len("filter-"):] not in view.titles:  # a document that left the index
            del st.session_state[key]
    active = session.active_filter()
    label = f"Zoek alleen in ({len(active)} gekozen)" if active else "Zoek alleen in…"
    with st.expander(label, expanded=bool(active), icon=":material/filter_alt:"):
        for source, title in sorted(view.titles.items(), key=lambda item: item[1].lower()):
            st.checkbox(label_escape(title), key=f"filter-{source}")
        st.caption("Niets aangevinkt: alle documenten. Je eigen documenten worden altijd doorzocht. "
                   "Een nieuw gesprek begint zonder filter.")


def _retention(hours: float) -> str:
    if hours >= 24 and hours % 24 == 0:
        return count(round(hours / 24), "dag", "dagen")
    return count(round(hours), "uur", "uur")


def render_own_documents(app: Services, visitor: Visitor, view: TurnView, watch) -> None:
    st.subheader("Mijn documenten", anchor=False)
    conversation = session.conversation_id()
    retention = _retention(app.settings.private_retention_hours)
    st.caption(f"Alleen voor jou en alleen in dit gesprek; ze worden {retention} "
               "na je laatste upload verwijderd. Ze worden niet toegevoegd aan de documenten van de Twente Board.")
    documents = app.private.documents(conversation) if conversation else []
    for d in documents:
        ref = FileRef(PRIVATE, conversation, d.source)
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown(f'<a href="{html.escape(app.links.url(ref))}" target="_blank" rel="noopener noreferrer">'
                        f"{html.escape(d.title)}</a>", unsafe_allow_html=True)
            st.button("Verwijderen", key=f"own-del-{d.source}", icon=":material/delete:", type="tertiary",
                      on_click=session.remove_own_document, args=(app, visitor, d.source))
    key = session.upload_key(conversation) if conversation else None
    job = app.jobs.get(key) if key else None
    running = job is not None and not job.done
    if running:
        watch.add(job_progress(job))
    finished = app.jobs.take(key) if key else None
    if finished is not None:
        st.session_state.tb_upload = (key, finished)
    shown_key, shown = st.session_state.get("tb_upload", (None, None))
    if shown is not None and shown_key == key:
        render_upload_result(shown.result if shown.error is None else
                             UploadResult(error=f"Toevoegen is mislukt: {shown.error}"))
    files = st.file_uploader(kinds_label(), type=upload_types(), accept_multiple_files=True,
                             key=f"uploader-{st.session_state.tb_round}", max_upload_size=app.settings.max_upload_mb,
                             disabled=running)
    st.button("Toevoegen aan mijn documenten", disabled=not files or running, width="stretch",
              icon=":material/upload_file:", on_click=session.start_upload, args=(app, visitor, files))


def job_progress(job, prefix: str = ""):
    """A progress bar for a running job and the wait-loop step that moves it."""
    bar = st.progress(job.fraction, text=prefix + job.stage)
    shown = [(job.fraction, job.stage)]

    def step() -> str:
        if job.done:
            return "rerun"
        if (job.fraction, job.stage) != shown[0]:  # send only changes to the browser
            shown[0] = (job.fraction, job.stage)
            bar.progress(job.fraction, text=prefix + job.stage)
        return "wait"

    return step


def render_upload_result(result: UploadResult | None) -> None:
    if result is None:
        return
    if result.error:
        st.error(md_escape(result.error))
    lines = [f"{STATUS_ICONS.get(status, '')} **{md_escape(name)}** — {status}"
             + (f": {md_escape(reason)}" if reason else "") for name, status, reason in result.rows]
    if lines:
        (st.success if result.ok else st.warning)("  \n".join(lines))


def render_shared_documents(app: Services, view: TurnView) -> None:
    st.subheader("Documenten van de Twente Board", anchor=False)
    documents = app.corpus.documents()
    if not documents:
        st.caption("Nog geen documenten.")
        return
    st.caption(f"{count(len(documents), 'document', 'documenten')} · "
               f"{count(sum(d.chunks for d in documents), 'fragment', 'fragmenten')} · "
               f"bijgewerkt {when(app.corpus.updated_at(), view.tz)}")
    items = "".join(f'<li><a href="{html.escape(app.links.url(FileRef(SHARED, "", d.source)))}" target="_blank" '
                    f'rel="noopener noreferrer">{html.escape(d.title)}</a></li>' for d in documents)
    st.markdown(f'<ul class="tb-docs">{items}</ul>', unsafe_allow_html=True)
    st.caption(f"Antwoordmodus: {md_escape(app.settings.answer_mode)}")
