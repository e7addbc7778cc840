"""The administrator: the only one who changes the shared corpus from the app.

Signing in needs ``ASSISTANT_ADMIN_PASSWORD``; without it the app shows no admin
functions at all. A wrong password is refused after a delay, and after five wrong
tries a session is locked out for five minutes; failed attempts go to the server log.
Signed in, the administrator can add documents to the shared corpus, publish a
visitor's upload, and remove documents. Each change is logged (webapp.corpus) with
the name given at sign-in.
"""
from __future__ import annotations

import hashlib
import hmac
import html
import logging
import time

import streamlit as st

from webapp import session
from webapp.dutch import when
from webapp.escape import md_escape
from webapp.files import PRIVATE, SHARED, FileRef
from webapp.services import Services
from webapp.uploads import UploadResult, kinds_label, upload_types
from webapp.visitor import Visitor

log = logging.getLogger("twente_board.app.admin")

JOB = "beheer"  # one change of the shared corpus at a time
MAX_FAILURES, LOCKOUT, FAIL_DELAY = 5, 300.0, 1.0


def enabled(settings) -> bool:
    return bool(settings.admin_password)


def password_ok(settings, attempt: str) -> bool:
    if not enabled(settings):
        return False
    # compare digests of equal length in constant time: no timing hint about the secret
    return hmac.compare_digest(hashlib.sha256((attempt or "").encode()).digest(),
                               hashlib.sha256(settings.admin_password.encode()).digest())


def signed_in() -> str | None:
    return st.session_state.get("tb_admin")


def sign_in(app: Services, visitor: Visitor) -> None:
    state = st.session_state
    now = time.monotonic()
    recent = [t for t in state.get("tb_admin_failures", []) if now - t < LOCKOUT]
    if len(recent) >= MAX_FAILURES:
        state.tb_admin_error = "Te veel mislukte pogingen. Probeer het over vijf minuten opnieuw."
        return
    if password_ok(app.settings, state.get("tb-admin-password", "")):
        state.tb_admin = " ".join(str(state.get("tb-admin-name", "")).split())[:40] or "beheerder"
        state.tb_admin_failures = []
        state.pop("tb_admin_error", None)
        state.tb_view = "beheer"
        log.warning("beheerder aangemeld: %s (browser %s…)", state.tb_admin, visitor.owner[:8])
        return
    time.sleep(FAIL_DELAY)  # slows down guessing
    state.tb_admin_failures = recent + [now]
    state.tb_admin_error = "Onjuist wachtwoord."
    log.warning("mislukte aanmelding als beheerder (browser %s…, adres %s)", visitor.owner[:8],
                st.context.ip_address or "onbekend")


def sign_out() -> None:
    st.session_state.pop("tb_admin", None)
    st.session_state.tb_view = "gesprek"


def set_view(view: str) -> None:
    st.session_state.tb_view = view


def render_sign_in(app: Services, visitor: Visitor) -> None:
    if not enabled(app.settings):
        return
    st.divider()
    name = signed_in()
    if name:
        st.caption(f"Aangemeld als beheerder: **{md_escape(name)}**")
        if st.session_state.tb_view == "beheer":
            st.button("Terug naar het gesprek", icon=":material/forum:", width="stretch", on_click=set_view,
                      args=("gesprek",))
        else:
            st.button("Beheer openen", icon=":material/admin_panel_settings:", width="stretch", on_click=set_view,
                      args=("beheer",))
        st.button("Afmelden", icon=":material/logout:", width="stretch", on_click=sign_out)
        return
    error = st.session_state.get("tb_admin_error")
    with st.expander("Beheer", icon=":material/admin_panel_settings:", expanded=bool(error)):
        with st.form("tb-aanmelden", clear_on_submit=True, border=False):
            st.text_input("Je naam (voor het logboek)", key="tb-admin-name", max_chars=40)
            st.text_input("Wachtwoord", type="password", key="tb-admin-password")
            st.form_submit_button("Aanmelden", on_click=sign_in, args=(app, visitor))
        if error:
            st.error(error)


# --------------------------------------------------------------------------- the panel


def _who(visitor: Visitor) -> str:
    return f"{signed_in()} (beheerder, browser {visitor.owner[:8]})"


def _start(app: Services, label: str, work) -> None:
    if app.jobs.start(JOB, label, work) is None:
        session.notify("Er loopt al een wijziging van de gedeelde documenten; wacht tot die klaar is.")


def _remove(app: Services, visitor: Visitor, name: str) -> None:
    who = _who(visitor)

    def work(job):
        error = app.corpus.remove(name, who, app.assistant())
        return UploadResult(rows=[(name, "verwijderd", "")]) if error is None else UploadResult(error=error)

    _start(app, f"{name} verwijderen", work)


def _publish(app: Services, visitor: Visitor, conversation: str, name: str) -> None:
    who = _who(visitor)

    def work(job):
        path = app.private.file_path(conversation, name)
        if path is None:
            return UploadResult(error=f"{name} is niet meer beschikbaar (verwijderd door de bezoeker of verlopen).")
        return app.corpus.publish(path, who, f"eigen document uit gesprek {conversation[:6]}…", app.assistant(),
                                  job.progress)

    _start(app, f"{name} publiceren", work)


def _add(app: Services, visitor: Visitor, files: list) -> None:
    who = _who(visitor)
    data = [(f.name, f.getvalue()) for f in files or []]
    if data:
        _start(app, "documenten toevoegen", lambda job: app.corpus.add(data, who, app.assistant(), job.progress))
    st.session_state.tb_round += 1


def render_panel(app: Services, visitor: Visitor, view, watch) -> None:
    from webapp.sidebar import job_progress, render_upload_result

    st.header("Beheer van de gedeelde documenten", anchor=False)
    st.caption("Wat je hier verandert, geldt voor alle bezoekers en komt in het logboek.")
    job = app.jobs.get(JOB)
    running = job is not None and not job.done
    if running:
        watch.add(job_progress(job, prefix=f"{job.label}: "))
    finished = app.jobs.take(JOB)
    if finished is not None:
        st.session_state.tb_admin_result = finished
    shown = st.session_state.get("tb_admin_result")
    if shown is not None:
        render_upload_result(shown.result if shown.error is None else UploadResult(error=shown.error))

    documents, uploads, add, history = st.tabs(["Documenten", "Uploads van bezoekers", "Toevoegen", "Logboek"])
    with documents:
        for d in app.corpus.documents():
            with st.container(horizontal=True, vertical_alignment="center"):
                url = app.links.url(FileRef(SHARED, "", d.source))
                st.markdown(f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">'
                            f"{html.escape(d.title)}</a><br><small>{html.escape(d.source)} · {d.chunks} fragmenten"
                            "</small>", unsafe_allow_html=True)
                with st.popover("Verwijderen", icon=":material/delete:", disabled=running):
                    st.markdown(f"**{md_escape(d.title)}** uit de gedeelde index halen? Het origineel wordt bewaard.")
                    st.button("Ja, verwijderen", key=f"admin-del-{d.source}", type="primary",
                              on_click=_remove, args=(app, visitor, d.source))
    with uploads:
        found = False
        for conversation in app.conversations.with_private():
            for d in app.private.documents(conversation.id):
                found = True
                with st.container(horizontal=True, vertical_alignment="center"):
                    url = app.links.url(FileRef(PRIVATE, conversation.id, d.source))
                    st.markdown(f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">'
                                f"{html.escape(d.title)}</a><br><small>{html.escape(d.source)} · gesprek "
                                f"{html.escape(conversation.id[:6])}… · {html.escape(when(d.ingested_at, view.tz))}"
                                "</small>", unsafe_allow_html=True)
                    st.button("Publiceren", key=f"publish-{conversation.id}-{d.source}", icon=":material/public:",
                              disabled=running, on_click=_publish, args=(app, visitor, conversation.id, d.source))
        if not found:
            st.caption("Er zijn nu geen uploads van bezoekers.")
    with add:
        files = st.file_uploader(kinds_label(), type=upload_types(), accept_multiple_files=True,
                                 key=f"admin-uploader-{st.session_state.tb_round}",
                                 max_upload_size=app.settings.max_upload_mb)
        st.button("Toevoegen aan de gedeelde index", disabled=not files or running, type="primary",
                  on_click=_add, args=(app, visitor, files))
    with history:
        entries = app.corpus.history()
        if not entries:
            st.caption("Nog geen wijzigingen.")
        rows = ["| tijd | wie | wat | document |", "|---|---|---|---|"]
        rows += [f"| {when(e.get('tijd'), view.tz)} | {md_escape(e.get('wie', ''))} | "
                 f"{md_escape(e.get('actie', ''))} | {md_escape(e.get('titel') or e.get('document', ''))} |"
                 for e in entries]
        if entries:
            st.markdown("\n".join(rows))
