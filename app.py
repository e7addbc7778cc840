"""Streamlit chat UI of the Twente Board-assistent.

Run with ``make run`` (indexes the bundled corpus, then starts this app) or::

    .venv/bin/python -m streamlit run app.py --server.address 127.0.0.1 --server.port 8501 \
        --server.headless true --browser.gatherUsageStats false

The page is built by ``main()``; the helpers above it render one piece each. Importing
this module (the tests do, for ``add_uploads`` and the escaping helpers) builds nothing:
Streamlit runs the script as ``__main__``.

Everything shown that comes from a document (answer text, titles, passages, file
names) goes through ``md_escape`` or ``html.escape`` first: a document must not be able
to inject Markdown, links or HTML into the page.
"""
from __future__ import annotations

import html
import logging
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import streamlit as st

from common.config import ConfigError, Settings
from assistant.types import Answer, Citation, Passage
from ingest.loaders import SUPPORTED

log = logging.getLogger("twente_board.app")

TITLE = "Twente Board-assistent"
INTRO = ("Stel een vraag over de Twente Board. De antwoorden komen alleen uit de documenten van de "
         "Twente Board, met de bronnen erbij.")
EXAMPLES = [  # one per user group the assistant is for
    ("Ondernemer", "Waar kan ik als ondernemer terecht voor financiering?"),
    ("Nieuwe collega", "Wat doet Twente Board Development?"),
    ("Journalist", "Hoeveel investeert het Rijk in de Regio Deal Twente?"),
]
UPLOAD_TYPES = sorted(ext.lstrip(".") for ext in SUPPORTED)  # the ingester decides what it can read
STAGES = {"lezen": ("Bestanden lezen", 0.0, 0.3), "embedden": ("Fragmenten inbedden", 0.3, 0.9),
          "opslaan": ("Index opslaan", 0.9, 1.0)}  # label, start and end of the stage on the bar
# Material icons, not emoji: Streamlit ships their font, so they render on every machine
STATUS = {"toegevoegd": ":material/check_circle:", "bijgewerkt": ":material/sync:",
          "ongewijzigd": ":material/remove:", "mislukt": ":material/error:"}


# --------------------------------------------------------------------------- escaping

# Characters that start Markdown syntax anywhere in a line (emphasis, code, links,
# tables, strikethrough, LaTeX). "<", ">" and "&" are handled by html.escape first.
_MD_INLINE = re.compile(r"([\\`*_{}\[\]()#+|~$!])")
# Syntax that only counts at the start of a line: lists, setext headings, "1." lists.
_MD_LINE_START = re.compile(r"^([-=])")
_MD_ORDERED = re.compile(r"^(\d+)\.")
# Streamlit directives and icons (":red[…]", ":material/…:") start with ":" + a letter.
_MD_DIRECTIVE = re.compile(r":(?=[A-Za-z])")
# "[3]" / "[1, 2]" citation markers, escaped by the above; restored so they read as
# "[3]". Safe: a bare "[3]" is no link once every "(" and "]:" definition is escaped.
_ESCAPED_MARKER = re.compile(r"(?<![A-Za-z0-9\\])\\\[(\d{1,3}(?:,\s?\d{1,3})*)\\\](?!:)")
_BULLET = re.compile(r"^[-•*]\s+")


def _escape_line(line: str) -> str:
    line = html.escape(line.strip(), quote=False)  # also drops indentation: no code blocks
    line = _MD_INLINE.sub(r"\\\1", line)
    line = _MD_DIRECTIVE.sub(r"\\:", line)
    line = _MD_ORDERED.sub(r"\1\\.", _MD_LINE_START.sub(r"\\\1", line))
    return _ESCAPED_MARKER.sub(r"[\1]", line)


def md_escape(text: str) -> str:
    """Document text as Markdown that renders literally. Line breaks are kept, and
    lines starting with "- " or "• " (the answerers' lists) stay a list."""
    out, was_bullet = "", False
    for i, line in enumerate((text or "").strip().splitlines()):
        line = line.strip()
        bullet = _BULLET.match(line)
        # two spaces: a hard line break, as in the document; a blank line ends a list
        out += "" if i == 0 else ("\n\n" if was_bullet and line and not bullet else "  \n")
        out += "- " + _escape_line(line[bullet.end():]) if bullet else _escape_line(line)
        was_bullet = bool(bullet)
    return out


def _quote_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Where the cited sentence(s) sit in the passage. A quote may join pieces with
    "…"; each piece is looked up, whitespace-insensitively as a fallback."""
    spans = []
    for piece in re.split(r"\s*(?:…|\.\.\.)\s*", quote or ""):
        piece = piece.strip()
        if len(piece) < 3:
            continue
        start = text.find(piece)
        if start >= 0:
            spans.append((start, start + len(piece)))
            continue
        pattern = r"\s+".join(re.escape(w) for w in piece.split())
        m = re.search(pattern, text, re.IGNORECASE)
        if m:
            spans.append(m.span())
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def passage_html(text: str, quote: str = "") -> str:
    """The passage as one line of HTML, every piece html.escape'd, the quote in <mark>.
    One line on purpose: Markdown treats it as a single raw HTML block and parses none
    of the (escaped) document text inside it as Markdown."""
    parts, pos = [], 0
    for s, e in _quote_spans(text, quote):
        parts += [html.escape(text[pos:s]), '<mark style="background:#ffe98a;padding:0 .1em;border-radius:.2em">',
                  html.escape(text[s:e]), "</mark>"]
        pos = e
    parts.append(html.escape(text[pos:]))
    body = "".join(parts).strip().replace("\r", "").replace("\n", "<br>")
    return f'<div style="line-height:1.55;font-size:0.95rem">{body}</div>'


def location(page: int | None, section: str | None) -> str:
    return " / ".join(p for p in (f"p. {page}" if page else "", section or "") if p)


def source_label(n: int | None, title: str, page: int | None, section: str | None) -> str:
    loc = location(page, None if section == title else section)  # a one-section file repeats its title
    label = (f"[{n}] " if n is not None else "") + title + (f" — {loc}" if loc else "")
    return md_escape(label)  # expander labels are Markdown too


# --------------------------------------------------------------------------- uploads


@dataclass
class UploadResult:
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (file name, status, reason)
    error: str | None = None  # the whole run could not happen (index busy)

    @property
    def ok(self) -> bool:
        return self.error is None and all(status != "mislukt" for _, status, _ in self.rows)


def uploads_dir(settings: Settings) -> Path:
    """Uploaded files are kept next to the store (data/uploads for data/store): the
    index refers to the files by path, and `make run` must not remove them."""
    return settings.store_dir.parent / "uploads"


def _safe_name(name: str) -> str:
    name = Path(str(name).replace("\\", "/")).name  # no folders from the browser's file name
    name = re.sub(r"[^\w.\- ()]+", "_", name).strip(" .")
    return name[:150]


def add_uploads(files: list[tuple[str, bytes]], settings: Settings, assistant,
                progress: Callable[[str, int, int], None] | None = None) -> UploadResult:
    """Save uploaded files under ``uploads_dir`` and ingest them into the index.

    Returns one row per file (toegevoegd / bijgewerkt / ongewijzigd / mislukt with the
    reason). A broken file fails alone; the rest still goes in. The assistant is
    reloaded so the next question searches the new documents.
    """
    from ingest.pipeline import IngestBusy, ingest
    from vectorstore.manifest import Manifest

    folder = uploads_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    indexed = Manifest.load(settings.store_dir).files
    result = UploadResult()
    saved: dict[str, tuple[Path, bytes | None]] = {}  # name -> (path, previous content)
    order: list[str] = []
    for raw_name, data in files:
        name = _safe_name(raw_name)
        order.append(name or str(raw_name))
        suffix = Path(name).suffix.lower()
        if not name or not Path(name).stem:
            result.rows.append((str(raw_name), "mislukt", "ongeldige bestandsnaam"))
        elif suffix not in SUPPORTED:
            result.rows.append((name, "mislukt", f"bestandstype '{suffix or '(geen)'}' wordt niet ondersteund; "
                                                 "kies PDF, TXT, Markdown of HTML"))
        elif name in saved:
            result.rows.append((name, "mislukt", "staat twee keer in deze upload"))
        elif name in indexed and Path(indexed[name].path).resolve() != (folder / name).resolve():
            # the index knows documents by file name; this one would replace another document
            result.rows.append((name, "mislukt", "er staat al een ander document met deze naam in de index; "
                                                 "geef het bestand een andere naam"))
        else:
            path = folder / name
            saved[name] = (path, path.read_bytes() if path.exists() else None)
            path.write_bytes(data)
    if saved:
        try:
            report = ingest([p for p, _ in saved.values()], settings, assistant.embedder, progress=progress)
        except IngestBusy as exc:
            _restore(saved, set(saved))
            result.error = ("De index wordt op dit moment bijgewerkt door een ander proces; probeer het zo "
                            f"opnieuw. ({exc})")
            return result
        failed = {Path(name).name: reason for name, reason in report.failed}
        for status, names in (("toegevoegd", report.added), ("bijgewerkt", report.updated),
                              ("ongewijzigd", report.unchanged)):
            result.rows += [(n, status, "") for n in names if n in saved]
        for name in saved:
            if name in failed:
                kept = " De vorige versie blijft in de index." if name in indexed else ""
                result.rows.append((name, "mislukt", failed[name] + kept))
        _restore(saved, set(failed) & set(saved))
        assistant.reload()
    rank = {n: i for i, n in enumerate(order)}
    result.rows.sort(key=lambda row: rank.get(row[0], len(rank)))
    return result


def _restore(saved: dict[str, tuple[Path, bytes | None]], names: set[str]) -> None:
    """Undo the save of files that did not make it into the index: the uploads folder
    holds exactly the uploaded documents the index refers to."""
    for name in names:
        path, previous = saved[name]
        if previous is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(previous)


# --------------------------------------------------------------------------- loading


class Loaded:
    """The process-wide assistant plus what is needed to notice a re-index made by
    another process (e.g. `python -m ingest` while the app runs)."""

    def __init__(self, assistant):
        self.assistant = assistant
        self.lock = threading.Lock()
        self.stamp = self.manifest_stamp()

    def manifest_stamp(self) -> int:
        try:
            return (self.assistant.settings.store_dir / "manifest.json").stat().st_mtime_ns
        except OSError:
            return 0

    def sync(self) -> None:
        stamp = self.manifest_stamp()
        if stamp != self.stamp:
            with self.lock:
                if stamp != self.stamp:
                    self.assistant.reload()
                    self.stamp = stamp


@st.cache_resource(show_spinner="De assistent wordt geladen…")
def _load(settings_key: str, _settings: Settings) -> Loaded:
    # keyed by the settings, so a changed environment (tests) gets its own assistant
    from assistant.core import Assistant

    return Loaded(Assistant(_settings))


def load_assistant():
    """Settings and the shared Assistant, or a Dutch error message and a stop."""
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        st.error(f"**De configuratie klopt niet.**  \n{md_escape(str(exc))}  \n"
                 "Controleer de `ASSISTANT_…`-omgevingsvariabelen (zie de README).", icon=":material/settings:")
        st.stop()
    try:
        loaded = _load(repr(settings), settings)
        loaded.sync()
    except Exception as exc:  # a broken or foreign index, a missing model: explain, no traceback
        log.exception("assistant could not be loaded")
        st.error(f"**De assistent kon niet starten.**  \n{md_escape(str(exc) or type(exc).__name__)}  \n"
                 f"Index: `{settings.store_dir}`. Herbouw de index zo nodig met "
                 "`python -m ingest data/corpus --reset`.", icon=":material/error:")
        st.stop()
    return settings, loaded


# --------------------------------------------------------------------------- rendering


def render_sources(answer: Answer, key: str) -> None:
    st.markdown("**Bronnen**")
    by_chunk = {p.chunk_id: p for p in answer.passages}
    for c in answer.citations:
        with st.expander(source_label(c.n, c.title, c.page, c.section), key=f"{key}-src-{c.n}"):
            passage = by_chunk.get(c.chunk_id) or _passage_with(answer.passages, c)
            st.markdown(passage_html(passage.text if passage else c.quote, c.quote), unsafe_allow_html=True)
            st.caption(f"Bestand: {md_escape(c.source)}")


def _passage_with(passages: list[Passage], c: Citation) -> Passage | None:
    # a citation normally names its chunk; otherwise take the passage that contains the quote
    for p in passages:
        if p.source == c.source and _quote_spans(p.text, c.quote):
            return p
    return None


def render_refusal(answer: Answer, key: str) -> None:
    st.warning(f"**Niet gevonden in de documenten**  \n{md_escape(answer.text)}", icon=":material/search_off:")
    if answer.passages:
        st.markdown("**Dichtstbijzijnde passages**")
        for i, p in enumerate(answer.passages[:3]):
            with st.expander(source_label(None, p.title, p.page, p.section), key=f"{key}-near-{i}"):
                st.markdown(passage_html(p.text), unsafe_allow_html=True)
                st.caption(f"Bestand: {md_escape(p.source)}")


def render_answer(message: dict, feedback_file: Path) -> None:
    answer: Answer = message["answer"]
    if answer.notice:
        st.info(md_escape(answer.notice), icon=":material/info:")
    if answer.refused:
        render_refusal(answer, message["id"])
    else:
        st.markdown(md_escape(answer.text))
        if answer.citations:
            render_sources(answer, message["id"])
    render_feedback(message, feedback_file)


def render_feedback(message: dict, feedback_file: Path) -> None:
    message_id = message["id"]
    rated = st.session_state.rated
    if message_id in rated:
        # the thumbs are replaced by a thank-you once the rating is written: each answer
        # is rated once (a disabled st.feedback would also forget its value)
        icon = ":material/thumb_up:" if rated[message_id] else ":material/thumb_down:"
        st.caption(f"{icon} Bedankt voor je beoordeling.")
        return
    key = f"feedback-{message_id}"
    st.feedback("thumbs", key=key, on_change=_on_feedback, args=(message_id, key, feedback_file))
    if message_id in st.session_state.feedback_errors:
        error = st.session_state.feedback_errors[message_id]
        st.caption(f"Je beoordeling kon niet worden opgeslagen: {md_escape(error)}")


def _on_feedback(message_id: str, key: str, feedback_file: Path) -> None:
    from assistant.feedback import record_feedback

    rating = st.session_state.get(key)
    if rating is None or message_id in st.session_state.rated:
        return
    messages = st.session_state.messages
    i = next((i for i, m in enumerate(messages) if m["id"] == message_id), None)
    if i is None:  # the conversation was cleared meanwhile
        return
    question = messages[i - 1]["content"] if i and messages[i - 1]["role"] == "user" else ""
    history = [{"role": m["role"], "content": m["content"]} for m in messages[: max(i - 1, 0)]]
    try:
        record_feedback(feedback_file, question, messages[i]["answer"], int(rating), history)
    except OSError as exc:
        log.exception("feedback could not be written")
        st.session_state.feedback_errors[message_id] = str(exc)
        return
    st.session_state.rated[message_id] = int(rating)
    st.session_state.feedback_errors.pop(message_id, None)


def render_history(feedback_file: Path) -> None:
    for message in st.session_state.messages:
        with st.chat_message(message["role"]):
            if message["role"] == "user":
                st.markdown(md_escape(message["content"]))
            else:
                render_answer(message, feedback_file)


def render_examples() -> None:
    st.markdown("**Probeer bijvoorbeeld:**")
    for column, (group, question) in zip(st.columns(len(EXAMPLES)), EXAMPLES):
        with column:
            st.caption(group)
            st.button(question, key=f"example-{group}", on_click=_ask_later, args=(question,),
                      width="stretch", wrap=True)


def _ask_later(question: str) -> None:
    st.session_state.pending_question = question


def render_empty_index(settings: Settings) -> None:
    st.info(
        "**Er zijn nog geen documenten geïndexeerd.**\n\n"
        "`make run` indexeert de meegeleverde documenten automatisch voordat de app start. "
        "Zelf indexeren kan ook:\n\n```\npython -m ingest data/corpus\n```\n\n"
        f"De index staat in `{settings.store_dir}`. Daarna is de app direct bruikbaar (herlaad de pagina); "
        "je kunt ook links documenten uploaden.", icon=":material/folder_open:")


# --------------------------------------------------------------------------- sidebar


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _format_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%d-%m-%Y %H:%M %Z").strip()
    except (TypeError, ValueError):
        return iso or "onbekend"


def render_sidebar(settings: Settings, loaded: Loaded) -> list[str]:
    """The sidebar; returns the documents to search (empty list: all)."""
    assistant = loaded.assistant
    documents = assistant.store.documents()
    titles = {d.source: d.title for d in documents}
    with st.sidebar:
        st.button("Nieuw gesprek", icon=":material/add_comment:", on_click=_new_conversation, width="stretch")
        st.caption(f"Antwoordmodus: {md_escape(settings.answer_mode)}")

        # a filter left over from before a re-index may name documents that are gone
        chosen = st.session_state.get("source_filter", [])
        if any(s not in titles for s in chosen):
            st.session_state.source_filter = [s for s in chosen if s in titles]
        sources = st.multiselect("Zoek alleen in", list(titles), format_func=lambda s: titles.get(s, s),
                                 key="source_filter", placeholder="Alle documenten")

        st.subheader("Documenten in de index")
        if documents:
            st.caption(f"{_count(len(documents), 'document', 'documenten')} · "
                       f"{_count(len(assistant.store.chunks), 'fragment', 'fragmenten')} · "
                       f"laatst geïndexeerd {_format_time(assistant.store.manifest.updated_at)}")
            st.markdown("\n".join(f"- {md_escape(d.title)} :gray[· {_count(d.chunks, 'fragment', 'fragmenten')}]"
                                   for d in documents))
        else:
            st.caption("Nog geen documenten.")

        render_upload(settings, loaded)
    return sources


def render_upload(settings: Settings, loaded: Loaded) -> None:
    st.subheader("Documenten toevoegen")
    # a new key after each ingestion empties the uploader
    files = st.file_uploader("PDF, TXT, Markdown of HTML", type=UPLOAD_TYPES, accept_multiple_files=True,
                             key=f"uploader-{st.session_state.upload_round}")
    if st.button("Toevoegen aan de index", disabled=not files, width="stretch"):
        bar = st.progress(0.0, text="Bestanden opslaan…")

        def progress(stage: str, done: int, total: int) -> None:
            label, start, end = STAGES.get(stage, (stage, 0.0, 1.0))
            bar.progress(min(1.0, start + (end - start) * (done / total if total else 1.0)), text=f"{label}…")

        try:
            result = add_uploads([(f.name, f.getvalue()) for f in files], settings, loaded.assistant, progress)
        except Exception as exc:  # report, never a traceback in the sidebar
            log.exception("upload failed")
            result = UploadResult(error=f"Toevoegen is mislukt: {exc}")
        bar.empty()
        loaded.stamp = loaded.manifest_stamp()  # this process reloaded already
        st.session_state.upload_result = result
        st.session_state.upload_round += 1
        st.rerun()  # so the document list and the filter show the new documents
    result: UploadResult | None = st.session_state.get("upload_result")
    if result is not None:
        render_upload_result(result)


def render_upload_result(result: UploadResult) -> None:
    if result.error:
        st.error(md_escape(result.error))
    lines = [f"{STATUS[status]} **{md_escape(name)}** — {status}" + (f": {md_escape(reason)}" if reason else "")
             for name, status, reason in result.rows]
    if lines:
        (st.success if result.ok else st.warning)("  \n".join(lines))


def _new_conversation() -> None:
    st.session_state.messages = []
    st.session_state.rated = {}
    st.session_state.feedback_errors = {}
    st.session_state.pop("pending_question", None)


# --------------------------------------------------------------------------- chat


def ask(question: str, loaded: Loaded, sources: list[str], feedback_file: Path) -> None:
    """Answer one question below the conversation and add both turns to it."""
    assistant = loaded.assistant
    history = [{"role": m["role"], "content": m["content"]} for m in st.session_state.messages]
    with st.chat_message("user"):
        st.markdown(md_escape(question))
    with st.chat_message("assistant"):
        try:
            answer = _stream_answer(assistant, question, history, sources)
        except Exception as exc:  # e.g. the vector store went away: say so, keep the conversation
            log.exception("answering failed")
            st.error(f"Er ging iets mis bij het beantwoorden: {md_escape(str(exc) or type(exc).__name__)}")
            return
        message = {"id": uuid.uuid4().hex, "role": "assistant", "content": answer.text, "answer": answer}
        st.session_state.messages += [{"id": uuid.uuid4().hex, "role": "user", "content": question}, message]
        render_answer(message, feedback_file)


def _stream_answer(assistant, question: str, history: list[dict], sources: list[str]) -> Answer:
    stream = assistant.ask_stream(question, history, sources or None)
    if assistant.mode == "llm":
        # token by token while the model writes; replaced by the finished answer (with
        # its sources) once it is done, since the final text may differ (a fallback)
        placeholder = st.empty()
        pieces = iter(stream)
        with st.spinner("Zoeken in de documenten…"):
            text = next(pieces, "")  # retrieval happens before the first token
        placeholder.markdown(md_escape(text) + " ▌")
        for piece in pieces:
            text += piece
            placeholder.markdown(md_escape(text) + " ▌")
        placeholder.empty()
    else:
        with st.spinner("Zoeken in de documenten…"):
            for _ in stream:  # extractive: one piece, the whole answer at once
                pass
    return stream.answer


def _init_session() -> None:
    defaults = {"messages": [], "rated": {}, "feedback_errors": {}, "upload_round": 0}
    for name, value in defaults.items():
        st.session_state.setdefault(name, value)


def main() -> None:
    st.set_page_config(page_title=TITLE, page_icon=":material/forum:", layout="centered")
    st.title(TITLE)
    st.caption(INTRO)
    settings, loaded = load_assistant()
    _init_session()
    sources = render_sidebar(settings, loaded)
    empty = loaded.assistant.store.empty
    if sources:
        titles = {d.source: d.title for d in loaded.assistant.store.documents()}
        st.caption("Zoekt alleen in: " + md_escape("; ".join(titles.get(s, s) for s in sources)))

    render_history(settings.feedback_file)
    typed = st.chat_input("Stel een vraag over de documenten…", disabled=empty)
    question = typed or st.session_state.pop("pending_question", None)
    if empty:
        render_empty_index(settings)
    elif question:
        ask(question, loaded, sources, settings.feedback_file)
    elif not st.session_state.messages:
        render_examples()


if __name__ == "__main__":  # Streamlit runs the script as __main__; `import app` builds nothing
    main()
