"""The two pieces of the page that run in the visitor's browser (Streamlit
components v2: plain HTML, CSS and JavaScript, no build step, nothing fetched):

- ``ask_box``: the question box. It keeps every question typed until the server has
  taken it: each submit sends the whole list of unacknowledged questions, so quick
  questions can never overwrite each other (Streamlit merges rapid widget updates
  into one rerun; with a plain chat input only the last would arrive). Empty input is
  ignored; a too-long question gets a Dutch message and stays in the box.
- ``page_bridge``: page-wide styles, ``lang="nl"``, Dutch for the few English strings
  of Streamlit's own chrome (aria labels, the uploader's "Upload" and size hint),
  and the "Kopiëren" buttons under answers.
"""
from __future__ import annotations

import streamlit as st

ASK_KEY = "tb-vraag"

ASK_HTML = """
<form class="ask" autocomplete="off">
  <label class="sr" for="vraag">Je vraag</label>
  <textarea id="vraag" rows="1"></textarea>
  <button type="submit" title="Vraag versturen (Enter)" aria-label="Vraag versturen">
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="currentColor"
      d="M3.4 20.4 20.85 12.92a1 1 0 0 0 0-1.84L3.4 3.6a1 1 0 0 0-1.39 1.17L4 11l9 1-9 1-1.99 6.23a1 1 0 0 0 1.39 1.17z"/></svg>
  </button>
</form>
<div class="note" role="status" aria-live="polite"></div>
"""

ASK_CSS = """
.ask { display: flex; align-items: flex-end; gap: .5rem; border: 1px solid rgba(49, 51, 63, .2);
       border-radius: 1.25rem; padding: .35rem .4rem .35rem 1rem;
       background: var(--st-secondary-background-color, #f0f2f6); }
.ask:focus-within { border-color: var(--st-primary-color, #b22234); }
textarea { flex: 1; border: 0; outline: 0; resize: none; background: transparent; font: inherit;
           font-size: 1rem; line-height: 1.5; padding: .35rem 0; color: var(--st-text-color, #31333f);
           max-height: 12.5rem; }
button { border: 0; border-radius: 50%; width: 2.4rem; height: 2.4rem; cursor: pointer; color: #fff;
         background: var(--st-primary-color, #b22234); display: grid; place-items: center; }
button:focus-visible { outline: 2px solid var(--st-text-color, #31333f); outline-offset: 2px; }
.note { min-height: 1.2rem; font-size: .85rem; padding: .2rem 1rem 0; color: rgba(49, 51, 63, .7); }
.note.warn { color: #9c2a00; font-weight: 600; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
"""

ASK_JS = """
const STATE = new WeakMap();
const fmt = (n) => n.toLocaleString("nl-NL");

export default function (component) {
  const { data, setStateValue, parentElement } = component;
  const box = parentElement.querySelector("textarea");
  const note = parentElement.querySelector(".note");
  let s = STATE.get(parentElement);
  if (!s) {
    s = { pending: [], n: 0, max: 1000 };
    STATE.set(parentElement, s);
    const grow = () => { box.style.height = "auto"; box.style.height = Math.min(box.scrollHeight, 200) + "px"; };
    const check = () => {
      const len = box.value.trim().length;
      if (len > s.max) {
        note.textContent = `Je vraag is te lang: ${fmt(len)} tekens, maximaal ${fmt(s.max)}. ` +
          "Maak hem korter; je tekst blijft staan.";
        note.className = "note warn";
        return false;
      }
      note.textContent = len > s.max * 0.8 ? `${fmt(len)} van maximaal ${fmt(s.max)} tekens` : "";
      note.className = "note";
      return true;
    };
    const send = () => {
      const text = box.value.trim();
      if (!text) { box.value = ""; grow(); return; }  // empty or only spaces: nothing to ask
      if (!check()) return;
      s.n += 1;
      s.pending.push({ seq: Date.now() * 1000 + (s.n % 1000), text });
      box.value = ""; grow(); check();
      setStateValue("vragen", { items: s.pending.slice() });
    };
    box.addEventListener("input", () => { grow(); check(); });
    box.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
    });
    parentElement.querySelector("form").addEventListener("submit", (e) => { e.preventDefault(); send(); });
  }
  s.max = data.max || s.max;
  s.pending = s.pending.filter((q) => q.seq > (data.ack || 0));  // the server has these
  box.placeholder = data.placeholder || "";
  box.disabled = !!data.disabled;
}
"""

BRIDGE_CSS = """
[data-testid="stStatusWidget"] { display: none !important; }  /* "Running… Stop": the answers show their own state */
.tb-cite { text-decoration: none; font-weight: 600; padding: 0 .1em; }
.tb-sources { display: flex; flex-direction: column; gap: .6rem; margin: .4rem 0 .2rem; }
.tb-source { border: 1px solid rgba(49, 51, 63, .15); border-radius: .6rem; padding: .6rem .8rem;
             scroll-margin-top: 4rem; }
.tb-source:target { border-color: var(--st-primary-color, #b22234); box-shadow: 0 0 0 2px rgba(178, 34, 52, .2); }
.tb-head { font-size: .92rem; margin-bottom: .3rem; }
.tb-meta { color: rgba(49, 51, 63, .7); }
.tb-own { display: inline-block; font-size: .75rem; font-weight: 600; padding: 0 .45em; border-radius: .6em;
          background: #e8f0fe; color: #1a4d8f; margin-left: .3em; }
.tb-passage { line-height: 1.55; font-size: .93rem; }
.tb-passage mark { background: #ffe98a; padding: 0 .1em; border-radius: .2em; }
.tb-links { font-size: .85rem; margin-top: .35rem; display: flex; gap: 1rem; flex-wrap: wrap; }
.tb-copy { border: 1px solid rgba(49, 51, 63, .25); background: transparent; border-radius: .5rem;
           padding: .15rem .6rem; font: inherit; font-size: .85rem; cursor: pointer; }
.tb-busy::before { content: ""; display: inline-block; width: .85em; height: .85em; margin-right: .45em;
                   border: 2px solid rgba(49, 51, 63, .25); border-top-color: var(--st-primary-color, #b22234);
                   border-radius: 50%; animation: tb-spin 1s linear infinite; vertical-align: -.1em; }
@keyframes tb-spin { to { transform: rotate(360deg); } }
"""

BRIDGE_JS = """
const WORDS = new Map([
  ["Skip to main content", "Naar de inhoud"], ["Collapse sidebar", "Zijbalk inklappen"],
  ["Expand sidebar", "Zijbalk uitklappen"], ["Sidebar", "Zijbalk"], ["Upload", "Kies bestanden"],
  ["Browse files", "Kies bestanden"], ["Drag and drop files here", "Sleep bestanden hierheen"],
  ["file upload", "bestanden kiezen"], ["Show password", "Wachtwoord tonen"],
  ["Hide password", "Wachtwoord verbergen"], ["Running...", "Bezig…"], ["Stop", "Stoppen"],
  ["Main menu", "Menu"], ["Chat message from user", "Jouw vraag"],
  ["Chat message from assistant", "Antwoord van de assistent"], ["Press Enter to apply", "Enter: toepassen"],
  ["Press Enter to submit form", "Enter: versturen"], ["Close", "Sluiten"], ["Clear all", "Alles wissen"],
  ["Remove file", "Bestand verwijderen"], ["Delete", "Verwijderen"], ["Open", "Openen"],
  ["Add files", "Bestanden toevoegen"], ["add icon", "toevoegen"], ["Link to heading", "Link naar deze kop"],
]);
const PATTERNS = [
  [/^(\\d+(?:\\.\\d+)?)\\s*([KMG]B) per file(?: • (.*))?$/,
   (m, n, unit, types) => `max. ${n} ${unit} per bestand${types ? " · " + types : ""}`],
  [/^Delete (.+)$/, (m, what) => `${what} verwijderen`],
  [/^Remove (.+)$/, (m, what) => `${what} verwijderen`],
];
// our own content (answers, titles, labels) is Dutch already and may contain any word;
// Streamlit's chrome inside Markdown is only the uploader's button
function skipped(el) {
  const md = el.closest("[data-testid='stMarkdownContainer']");
  if (md && !md.closest("[data-testid='stFileUploaderDropzone']")) return true;
  return !!el.closest("[data-testid='stBidiComponent']");
}

function dutch(text) {
  const t = text.trim();
  if (!t) return null;
  if (WORDS.has(t)) return text.replace(t, WORDS.get(t));
  for (const [re, fn] of PATTERNS) { const m = t.match(re); if (m) return text.replace(t, fn(...m)); }
  return null;
}

function translate(root) {
  if (!root || root.nodeType !== 1 && root.nodeType !== 3) return;
  if (root.nodeType === 3) {
    if (root.parentElement && !skipped(root.parentElement)) {
      const nl = dutch(root.data); if (nl !== null && nl !== root.data) root.data = nl;
    }
    return;
  }
  if (skipped(root)) return;
  for (const el of [root, ...root.querySelectorAll("[aria-label], [title], [placeholder]")]) {
    if (el !== root && skipped(el)) continue;
    for (const a of ["aria-label", "title", "placeholder"]) {
      const v = el.getAttribute && el.getAttribute(a);
      const nl = v && dutch(v);
      if (nl && nl !== v) el.setAttribute(a, nl);
    }
  }
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) translate(n);
}

async function copy(button) {
  const text = button.getAttribute("data-tb-copy") || "";
  let ok = false;
  try { await navigator.clipboard.writeText(text); ok = true; } catch (e) {
    const area = document.createElement("textarea");  // http on another host: no Clipboard API
    area.value = text; area.style.position = "fixed"; area.style.opacity = "0";
    document.body.appendChild(area); area.select();
    try { ok = document.execCommand("copy"); } catch (e2) { ok = false; }
    area.remove();
  }
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  button.textContent = ok ? "Gekopieerd" : "Kopiëren lukte niet";
  setTimeout(() => { button.textContent = label; }, 2000);
}

export default function () {
  document.documentElement.lang = "nl";
  if (window.__tbBridge) return;
  window.__tbBridge = true;
  translate(document.body);
  new MutationObserver((changes) => {
    for (const c of changes) {
      if (c.type === "childList") c.addedNodes.forEach(translate);
      else translate(c.target);
    }
  }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true,
                              attributeFilter: ["aria-label", "title", "placeholder"] });
  document.addEventListener("click", (e) => {
    const button = e.target.closest && e.target.closest("button.tb-copy");
    if (button) { e.preventDefault(); copy(button); }
  });
}
"""

_ask = st.components.v2.component("tb_vraag", html=ASK_HTML, css=ASK_CSS, js=ASK_JS)
_bridge = st.components.v2.component("tb_pagina", html="", css=BRIDGE_CSS, js=BRIDGE_JS, isolate_styles=False)


def page_bridge() -> None:
    _bridge(key="tb-pagina", height=0)


def ask_box(ack: int, max_chars: int, placeholder: str, disabled: bool = False) -> list[dict]:
    """The questions typed so far that the server has not acknowledged: [{seq, text}]."""
    result = _ask(key=ASK_KEY, data={"ack": ack, "max": max_chars, "placeholder": placeholder,
                                     "disabled": disabled}, on_vragen_change=lambda: None)
    value = getattr(result, "vragen", None) or {}
    items = value.get("items") if isinstance(value, dict) else None
    return [i for i in items or [] if isinstance(i, dict)]
