"""One turn of a conversation on the page: the question, the filter it was asked
with, and the answer with citations a reader can check — "[n]" links to its source;
each source shows the document's title, page or section, date, the passage with the
quoted sentence highlighted, and links to open the original at that page or
download it. Refusals look different and say when a filter was on.

Every piece of document or visitor text is escaped (webapp.escape) before it reaches
Markdown or HTML.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import tzinfo
from typing import Callable

import streamlit as st

from assistant.types import Answer, Citation, Passage
from webapp.conversations import Turn
from webapp.dutch import document_date, when
from webapp.escape import link_markers, location, md_escape, passage_html, quote_spans
from webapp.feedback import REASONS_DOWN, REASONS_UP
from webapp.files import PRIVATE, SHARED, FileLinks, FileRef

CONTEXT_CHARS = 280  # of the passage shown around the quote, each side
USER_AVATAR, ASSISTANT_AVATAR = ":material/person:", ":material/forum:"


@dataclass
class TurnView:
    """What rendering a turn needs besides the turn."""
    conversation_id: str
    links: FileLinks
    tz: tzinfo
    titles: dict[str, str]  # shared documents: file name -> title
    rate: Callable[[Turn, int | None, str | None, str | None], None]
    ask_everywhere: Callable[[str], None]  # ask again without the document filter


def busy_html(text: str) -> str:
    return f'<span class="tb-busy">{html.escape(text)}</span>'


def filter_note(sources: list[str], titles: dict[str, str]) -> str:
    return "Gezocht in: " + "; ".join(titles.get(s, s) for s in sources)


def render_question(turn: Turn, view: TurnView) -> None:
    with st.chat_message("user", avatar=USER_AVATAR):
        st.markdown(md_escape(turn.question))
        meta = when(turn.asked, view.tz)
        if turn.sources:
            meta += " · " + filter_note(turn.sources, view.titles)
        st.caption(md_escape(meta))


def render_turn(turn: Turn, view: TurnView):
    """The question and its answer; for a question still waiting, returns the
    placeholder that shows its progress (filled by the page's wait loop)."""
    render_question(turn, view)
    with st.chat_message("assistant", avatar=ASSISTANT_AVATAR):
        if turn.pending:
            placeholder = st.empty()
            placeholder.markdown(busy_html("In de wachtrij…"), unsafe_allow_html=True)
            return placeholder
        if turn.error:
            st.error(f"**Er ging iets mis bij het beantwoorden.**  \n{md_escape(turn.error)}", icon=":material/error:")
        else:
            render_answer(turn, turn.answer, view)
    return None


def render_answer(turn: Turn, answer: Answer, view: TurnView) -> None:
    if answer.notice:
        st.info(md_escape(answer.notice), icon=":material/info:")
    anchor = f"bron-{turn.id}"
    if answer.refused:
        note = ""
        if turn.sources:
            note = ("  \nJe zocht alleen in de geselecteerde documenten (" +
                    md_escape("; ".join(view.titles.get(s, s) for s in turn.sources)) +
                    "). Zet het filter uit om in alle documenten te zoeken.")
        st.warning(f"**Niet gevonden in de documenten**  \n{md_escape(answer.text)}{note}",
                   icon=":material/search_off:")
        if turn.sources:
            st.button("Opnieuw vragen in alle documenten", key=f"retry-{turn.id}", icon=":material/travel_explore:",
                      on_click=view.ask_everywhere, args=(turn.question,))
        if answer.passages:
            with st.expander("Dichtstbijzijnde passages", expanded=True):
                st.markdown(sources_html(None, answer.passages[:3], view), unsafe_allow_html=True)
    else:
        known = {c.n for c in answer.citations}
        st.markdown(link_markers(md_escape(answer.text), anchor, known), unsafe_allow_html=True)
        if answer.citations:
            st.markdown("**Bronnen**")
            st.markdown(sources_html(anchor, answer.citations, view, answer.passages), unsafe_allow_html=True)
    render_actions(turn, answer, view)


def _passage_for(c: Citation, passages: list[Passage]) -> Passage | None:
    for p in passages:
        if p.chunk_id and p.chunk_id == c.chunk_id:
            return p
    for p in passages:  # a citation without its chunk id: the passage holding the quote
        if p.source == c.source and quote_spans(p.text, c.quote):
            return p
    return None


def around_quote(text: str, quote: str, chars: int = CONTEXT_CHARS) -> str:
    """The passage cut to the quote and some context either side, at word boundaries."""
    spans = quote_spans(text, quote)
    if not spans or len(text) <= 2 * chars + (spans[-1][1] - spans[0][0]):
        return text
    start = max(0, spans[0][0] - chars)
    end = min(len(text), spans[-1][1] + chars)
    if start > 0:
        start = text.find(" ", start) + 1 or start
    if end < len(text):
        end = text.rfind(" ", 0, end) if text.rfind(" ", 0, end) > spans[-1][1] else end
    return ("… " if start > 0 else "") + text[start:end].strip() + (" …" if end < len(text) else "")


def sources_html(anchor: str | None, items: list, view: TurnView, passages: list[Passage] | None = None) -> str:
    """Source cards, one line of HTML (see webapp.escape.passage_html). ``items`` are
    citations (numbered, with an anchor each) or, for a refusal, plain passages."""
    cards = []
    for item in items:
        if isinstance(item, Citation):
            p = _passage_for(item, passages or [])
            text, quote, n = (p.text if p else item.quote), item.quote, item.n
        else:
            text, quote, n = item.text, "", None
        title, page, label = item.title, item.page, item.page_label
        section = None if item.section == title else item.section
        ref = FileRef(PRIVATE, view.conversation_id, item.source) if item.private else FileRef(SHARED, "", item.source)
        meta = " · ".join(x for x in (location(page, section, label), document_date(item.date)) if x)
        head = (f'<span class="tb-n">[{n}]</span> ' if n is not None else "") + f"<b>{html.escape(title)}</b>"
        if meta:
            head += f' <span class="tb-meta">· {html.escape(meta)}</span>'
        if item.private:
            head += '<span class="tb-own">eigen document</span>'
        opening = f"Openen op p. {html.escape(str(label or page))}" if page else "Document openen"
        links = (f'<a href="{html.escape(view.links.url(ref, page=page, quote=quote))}" target="_blank" '
                 f'rel="noopener noreferrer">{opening}</a>'
                 f'<a href="{html.escape(view.links.url(ref, download=True))}" download>Downloaden</a>'
                 f'<span class="tb-meta">{html.escape(item.source)}</span>')
        ident = f' id="{anchor}-{n}"' if anchor and n is not None else ""
        cards.append(f'<div class="tb-source"{ident}><div class="tb-head">{head}</div>'
                     f'{passage_html(around_quote(text, quote), quote)}<div class="tb-links">{links}</div></div>')
    return '<div class="tb-sources">' + "".join(cards) + "</div>"


def copy_text(answer: Answer) -> str:
    lines = [answer.text.strip()]
    if answer.citations:
        lines += ["", "Bronnen:"]
        for c in answer.citations:
            loc = location(c.page, None if c.section == c.title else c.section, c.page_label)
            lines.append(f"[{c.n}] {c.title}" + (f" — {loc}" if loc else ""))
    return "\n".join(lines)


def _attribute(text: str) -> str:
    # one line: a raw newline would end the HTML block inside Markdown
    return html.escape(text).replace("\n", "&#10;")


def render_actions(turn: Turn, answer: Answer, view: TurnView) -> None:
    """Copy, and a rating that can be changed or taken back, with an optional reason."""
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.markdown(f'<button type="button" class="tb-copy" data-tb-copy="{_attribute(copy_text(answer))}">'
                    "Kopiëren</button>", unsafe_allow_html=True, width="content")
        for value, label, icon in ((1, "Nuttig", ":material/thumb_up:"), (0, "Niet nuttig", ":material/thumb_down:")):
            chosen = turn.rating == value
            st.button(label, icon=icon, key=f"rate-{value}-{turn.id}", type="primary" if chosen else "secondary",
                      help="Klik nog eens om je beoordeling in te trekken" if chosen else None,
                      on_click=view.rate, args=(turn, None if chosen else value, turn.reason, turn.comment))
        if turn.rating is not None:
            with st.popover("Toelichting", icon=":material/edit_note:"):
                reasons = REASONS_UP if turn.rating == 1 else REASONS_DOWN
                st.pills("Waarom?", reasons, key=f"reason-{turn.id}",
                         default=turn.reason if turn.reason in reasons else None)
                st.text_area("Opmerking (niet verplicht)", key=f"comment-{turn.id}", value=turn.comment or "",
                             max_chars=500, height=80)
                st.button("Opslaan", key=f"save-{turn.id}", on_click=_save_reason, args=(turn, view))
            if turn.reason or turn.comment:
                st.caption("Bedankt voor je toelichting.")
            else:
                st.caption("Bedankt voor je beoordeling.")


def _save_reason(turn: Turn, view: TurnView) -> None:
    view.rate(turn, turn.rating, st.session_state.get(f"reason-{turn.id}"),
              st.session_state.get(f"comment-{turn.id}"))
