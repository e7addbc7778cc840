"""The page every visitor gets, run by Streamlit for each visit and each click
(app.py mounts it; ``streamlit run app.py`` starts it).

Order of one run: settings and the shared services; who the visitor is and which
conversation the URL names; the questions the box has sent (saved before anything is
drawn, so a click that interrupts this run loses none); the sidebar; the
conversation or the administrator's panel; finally, while answers or uploads are
under way, a wait loop that shows their progress and redraws when one is done.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import streamlit as st

from common.config import ConfigError, Settings
from webapp import admin, session, sidebar
from webapp.browser import ask_box, page_bridge
from webapp.dutch import zone
from webapp.escape import md_escape
from webapp.render import TurnView, busy_html, render_turn
from webapp.server import TITLE
from webapp.services import Services, services
from webapp.session import active_filter, conversation_id, submit
from webapp.visitor import Visitor, current

FAVICON = Path(__file__).resolve().parent / "static" / "favicon.png"
INTRO = ("Stel een vraag over de Twente Board. De antwoorden komen alleen uit de documenten van de Twente Board "
         "(en uit documenten die je zelf toevoegt; die ziet alleen jij), met de bronnen erbij.")
EXAMPLES = [  # one per user group the assistant is for
    ("Ondernemer", "Waar kan ik als ondernemer terecht voor financiering?"),
    ("Nieuwe collega", "Wat doet Twente Board Development?"),
    ("Journalist", "Hoeveel investeert het Rijk in de Regio Deal Twente?"),
]
PLACEHOLDER = "Stel een vraag over de documenten…"
POLL = 0.1  # s between looks at answers and uploads under way


class Watch:
    """Work under way that this run shows: each step updates its part of the page and
    says whether to keep waiting ("wait") or to draw the page again ("rerun"), which it
    does once the work is done. The page stays interactive meanwhile: a click or a new
    question interrupts the wait and starts a new run, which waits again."""

    def __init__(self):
        self.steps: list[Callable[[], str]] = []

    def add(self, step: Callable[[], str]) -> None:
        self.steps.append(step)

    def run(self) -> None:
        while self.steps:
            if any(step() == "rerun" for step in self.steps):
                st.rerun()
            time.sleep(POLL)


# --------------------------------------------------------------------------- page


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        st.error(f"**De configuratie klopt niet.**  \n{md_escape(str(exc))}  \n"
                 "Controleer de `ASSISTANT_…`-omgevingsvariabelen (zie de README).", icon=":material/settings:")
        st.stop()


def main() -> None:
    st.set_page_config(page_title=TITLE, page_icon=str(FAVICON), layout="centered",
                       initial_sidebar_state="expanded")
    settings = load_settings()
    app = services(settings)
    visitor = current()
    session.init()
    session.sync_url(app, visitor)
    talking = st.session_state.tb_view != "beheer" or not st.session_state.get("tb_admin")
    with st.bottom:
        page_bridge()
        if talking:
            typed = ask_box(st.session_state.tb_seq, settings.max_question_chars, PLACEHOLDER)
            session.take_questions(app, visitor, typed)

    watch = Watch()
    view = TurnView(conversation_id() or "", app.links, zone(st.context.timezone), _titles(app),
                    rate=lambda turn, *rating: session.rate(app, visitor, turn, *rating),
                    ask_everywhere=lambda question: session.ask_everywhere(app, visitor, question))
    sidebar.render(app, visitor, view, watch)

    st.title(TITLE, anchor=False)
    st.caption(INTRO)
    message = st.session_state.pop("tb_message", None)
    if message:
        st.warning(md_escape(message), icon=":material/info:")
    if app.load_error:
        st.error(f"**De assistent kon niet starten.**  \n{md_escape(app.load_error)}  \n"
                 f"Index: `{settings.store_dir}`. Herbouw de index zo nodig met "
                 "`python -m ingest data/corpus --reset`.", icon=":material/error:")
    if talking:
        render_conversation(app, visitor, view, watch)
    else:
        admin.render_panel(app, visitor, view, watch)
    watch.run()


def _titles(app: Services) -> dict[str, str]:
    return {d.source: d.title for d in app.corpus.documents()}


def render_conversation(app: Services, visitor: Visitor, view: TurnView, watch: Watch) -> None:
    sources = active_filter()
    if sources:
        st.info("**Filter aan:** je zoekt alleen in " + md_escape("; ".join(view.titles.get(s, s) for s in sources)) +
                ". Vink de documenten in de zijbalk uit (of begin een nieuw gesprek) om weer overal te zoeken.",
                icon=":material/filter_alt:")
    conversation = conversation_id()
    turns = app.conversations.turns(conversation, visitor.owner) if conversation else []
    waiting = {}
    for turn in turns:
        placeholder = render_turn(turn, view)
        if placeholder is not None:
            waiting[turn.id] = placeholder
    if not turns:
        if not view.titles and not app.private.documents(conversation or ""):
            render_empty_index(app.settings)
        else:
            render_examples(app, visitor)
    if not app.loaded.is_set():
        st.caption(":material/hourglass_top: De assistent wordt geladen; je kunt je vraag al stellen.")
        watch.add(lambda: "rerun" if app.loaded.is_set() else "wait")
    if waiting:
        app.answers.kick(conversation)  # e.g. questions left from before a restart
        watch.add(_answer_progress(app, conversation, waiting))


def _answer_progress(app: Services, conversation: str, waiting: dict) -> Callable[[], str]:
    before = len(waiting)
    shown: dict[str, str] = {}  # what each placeholder shows: send only changes to the browser

    def step() -> str:
        if app.conversations.pending(conversation) < before:
            return "rerun"  # an answer is ready: draw it properly
        current = app.answers.partial(conversation)
        if current and current[0] in waiting:
            turn, text = current
            loading = not app.loaded.is_set()
            # an LLM's answer as it is written; the sources follow when it is done
            html = (md_escape(text) + " " + busy_html("") if text else
                    busy_html("De assistent wordt geladen…" if loading else "Zoeken in de documenten…"))
            if shown.get(turn) != html:
                waiting[turn].markdown(html, unsafe_allow_html=True)
                shown[turn] = html
        elif not app.answers.busy(conversation):
            app.answers.kick(conversation)
        return "wait"

    return step


def render_examples(app: Services, visitor: Visitor) -> None:
    st.markdown("**Probeer bijvoorbeeld:**")
    for column, (group, question) in zip(st.columns(len(EXAMPLES)), EXAMPLES):
        with column:
            st.caption(group)
            st.button(question, key=f"example-{group}", on_click=submit, args=(app, visitor, question),
                      width="stretch", wrap=True)


def render_empty_index(settings: Settings) -> None:
    st.info(
        "**Er zijn nog geen documenten geïndexeerd.**\n\n"
        "`make run` indexeert de meegeleverde documenten automatisch voordat de app start. "
        "Zelf indexeren kan ook:\n\n```\npython -m ingest data/corpus\n```\n\n"
        f"De index staat in `{settings.store_dir}`. Daarna is de app direct bruikbaar (herlaad de pagina); "
        "je kunt links ook eigen documenten toevoegen.", icon=":material/folder_open:")


if __name__ == "__main__":  # Streamlit runs this file as the page script (see app.py)
    main()
