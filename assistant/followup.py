"""Follow-up questions made standalone, without a language model.

Three kinds, recognised by Dutch grammar rather than by topic:
- ellipsis: "En de regio?" after "Hoeveel investeert het Rijk in de Regio Deal Twente?"
  replaces the matching phrase of the previous question: a phrase with the same
  preposition ("En in 2019?" → "in 2019"), otherwise the first bare noun phrase
  ("het Rijk" → "de regio"), otherwise the last name ("Twente" → "Zwolle");
- ordinal: "En de tweede?", "die laatste" point at an item of the previous answer's list;
- pronoun: "Wanneer is die gepresenteerd?", "En wie zit daarachter?" lean on the previous
  turn as a whole: its question becomes context for searching and scoring, and the
  sentences already given are known, so they are not simply repeated.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.lexicon import ORDINALS
from common.terms import content_terms

_CONJUNCTION = re.compile(r"^\s*(en|maar|of|ook|dus)\b[\s,]*", re.I)
_QUESTION_WORD = re.compile(r"\b(wat|wie|waar\w*|wanneer|hoeveel|hoe|welke?|waarom|kan|kun|moet|is|zijn|heeft|"
                            r"hebben|wordt|worden|doet|doen)\b", re.I)
_ANAPHOR = re.compile(r"\b(die|deze|dit|dat|daar\w*|hier\w*|ervan|erin|eraan|erover|hun|hij|zij|ze|hem|haar|"
                      r"het\s+ook|hetzelfde|diezelfde|zo'?n|zulke)\b", re.I)
PREPOSITIONS = {"in", "van", "voor", "bij", "met", "op", "aan", "uit", "naar", "over", "tot", "door", "tussen",
                "onder", "tegen", "zonder", "rond", "na", "vanaf", "sinds", "binnen", "buiten", "per", "via"}
DETERMINERS = {"de", "het", "een", "die", "deze", "dat", "dit", "onze", "ons", "zijn", "haar", "hun", "mijn",
               "uw", "je", "jouw", "elke", "ieder", "alle", "welke"}
_ORDINAL = re.compile(r"\b(?:(?:de|het|die|dat)\s+)?(" + "|".join(ORDINALS) + r"|\d{1,2}e)\b(?:\s+(?:daarvan|ervan|"
                      r"optie|punt|item|stap))?", re.I)
# "de eerste keer", "in de eerste plaats", "in eerste instantie": an ordinal counting occasions
# or places in an argument, never an item of an earlier answer
_OCCASIONS = {"keer", "maal", "plaats", "instantie", "helft", "poging", "ronde", "dag", "week", "maand", "jaar"}
_MARKERS = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_TOKEN = re.compile(r"[\w'’-]+|[^\w\s]")


@dataclass(frozen=True)
class Resolution:
    text: str  # the question to answer, standalone where it could be rewritten
    search: str  # what to search with
    kind: str | None = None  # None | "ellipsis" | "ordinal" | "pronoun"
    context: str = ""  # earlier text the question leans on (pronoun follow-ups)
    previous_answer: tuple[str, ...] = ()  # the previous answer's sentences, citation markers removed
    previous_passages: tuple[str, ...] = field(default_factory=tuple)  # chunk ids the previous answer cited


def last_turns(history: list[dict] | None) -> tuple[str | None, dict | None]:
    """The previous user question and the assistant turn that answered it."""
    question, answer = None, None
    for turn in reversed(history or []):
        content = str(turn.get("content", "")).strip()
        if turn.get("role") == "assistant" and answer is None and question is None and content:
            answer = turn
        elif turn.get("role") == "user" and content:
            question = content
            break
    return question, answer


def answer_items(text: str) -> list[str]:
    """The items of an answer: its list lines, or else the parts of an enumeration
    ("A, B, C en D"). A "Naam: uitleg" item is named by the part before the colon."""
    text = _MARKERS.sub("", text or "")
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    items = [re.sub(r"^[-•*]\s+|^\d{1,2}[.)]\s+", "", ln) for ln in lines if re.match(r"^([-•*]|\d{1,2}[.)])\s+", ln)]
    if not items and lines:
        body = lines[-1].split(":", 1)[-1] if ":" in lines[-1] else lines[-1]
        parts = re.split(r",\s*|\s+en\s+|\s+of\s+", body.strip().rstrip("."))
        items = [p for p in parts if p] if len(parts) >= 2 else []
    return [item.split(":", 1)[0].strip().rstrip(".;,") if ":" in item else item.strip().rstrip(".;,")
            for item in items]


def _sentences(text: str) -> tuple[str, ...]:
    from common.text import split_sentences

    clean = _MARKERS.sub("", text or "")
    return tuple(re.sub(r"^[-•*]\s+", "", s) for s in split_sentences(clean))


def says_nothing_new(answer_text: str, history: list[dict] | None) -> bool:
    """Every sentence of an answer is one the previous answer already holds (citation
    markers and list dashes aside): a follow-up that found nothing beyond it. Measured in
    replayed conversations (`python -m eval --history own`), 12 of 41 follow-ups on the
    second gold set: the assistant says so beside the answer."""
    _, answer_turn = last_turns(history)
    said = set(_sentences(str((answer_turn or {}).get("content", ""))))
    mine = _sentences(answer_text)
    return bool(said) and bool(mine) and all(s in said for s in mine)


def _fragment(question: str) -> str | None:
    """The phrase of an elliptic question ("En de regio?" → "de regio"), or None."""
    m = _CONJUNCTION.match(question)
    if not m:
        return None
    rest = question[m.end():].strip().rstrip("?").strip()
    if not rest or len(rest.split()) > 6 or _QUESTION_WORD.search(rest):
        return None
    return rest


def _spans(tokens: list[str]) -> list[tuple[int, int]]:
    """Phrases opened by a preposition or determiner, up to the next one (or the end)."""
    opens = [i for i, t in enumerate(tokens) if t.lower() in PREPOSITIONS | DETERMINERS]
    spans = []
    for n, i in enumerate(opens):
        if n > 0 and opens[n - 1] == i - 1 and tokens[i - 1].lower() in PREPOSITIONS:
            continue  # "in de Regio Deal": the determiner belongs to the preposition's phrase
        end = i + 1
        if tokens[i].lower() in PREPOSITIONS and end < len(tokens) and tokens[end].lower() in DETERMINERS:
            end += 1  # "in de …"
        while end < len(tokens) and tokens[end].lower() not in PREPOSITIONS | DETERMINERS | {"en", "of"} \
                and re.match(r"[\w'’-]", tokens[end]):
            end += 1
        spans.append((i, end))
    return spans


def substitute(previous: str, fragment: str) -> str:
    """The previous question with the fragment in place of the phrase it contrasts with."""
    tokens = _TOKEN.findall(previous)
    head = fragment.split()[0].lower()
    spans = _spans(tokens)
    target = None
    if re.search(r"\b(19|20)\d{2}\b", fragment):
        # a year replaces the year asked about before, with its preposition; or is added
        years = [i for i, t in enumerate(tokens) if re.fullmatch(r"(19|20)\d{2}", t)]
        if years:
            start = years[-1] - 1 if years[-1] > 0 and tokens[years[-1] - 1].lower() in PREPOSITIONS else years[-1]
            target = (start, years[-1] + 1) if head in PREPOSITIONS else (years[-1], years[-1] + 1)
    elif head in PREPOSITIONS:
        same = [s for s in spans if tokens[s[0]].lower() == head]
        target = same[-1] if same else None
    elif head in DETERMINERS:
        bare = [s for s in spans if tokens[s[0]].lower() in DETERMINERS
                and not (s[0] > 0 and tokens[s[0] - 1].lower() in PREPOSITIONS)]
        target = bare[0] if bare else None
    elif fragment[:1].isupper():
        capitals = [i for i, t in enumerate(tokens) if i > 0 and t[:1].isupper()]
        if capitals:
            end = capitals[-1] + 1
            start = capitals[-1]
            while start - 1 > 0 and tokens[start - 1][:1].isupper():
                start -= 1
            target = (start, end)
    if target is None:
        body = previous.rstrip().rstrip("?").rstrip()
        return f"{body} {fragment}?"
    out = tokens[: target[0]] + fragment.split() + tokens[target[1]:]
    return re.sub(r"\s+([?.,!])", r"\1", " ".join(out))


def _reference_end(question: str, end: int, earlier: str) -> int | None:
    """Where the phrase of an ordinal that points at an item of the previous answer ends,
    or None when it points elsewhere. Alone ("En de tweede?") or before a word that is no
    noun of its own ("de tweede ook") it points back; before a noun ("de eerste kolom",
    "de eerste keer") only when that noun names what the previous turn listed ("Welke
    modi …?" / "de tweede modus", the noun then part of the phrase); otherwise the phrase
    stands on its own."""
    m = re.match(r"\s+([\w'’-]+)", question[end:])
    if not m:
        return end
    word = m.group(1).lower()
    if word in _OCCASIONS:
        return None
    if not content_terms(word):  # a stop word ("de tweede ook")
        return end
    # the noun anywhere in the previous turn, also inside a compound or plural there
    # ("type" in "thin-clienttypes", "niveau" in "foutcorrectieniveaus")
    forms = [word] + [word[: -len(s)] for s in ("s", "en") if word.endswith(s)]
    return end + m.end() if any(len(x) >= 3 and x in earlier.lower() for x in forms) else None


def resolve(question: str, history: list[dict] | None) -> Resolution:
    question = question.strip()
    previous, answer_turn = last_turns(history)
    if not previous:
        return Resolution(question, question)
    answer_text = str((answer_turn or {}).get("content", ""))
    before = dict(previous_answer=_sentences(answer_text),
                  previous_passages=tuple(str(p) for p in (answer_turn or {}).get("passages") or []))

    ordinal = _ORDINAL.search(question)
    end = _reference_end(question, ordinal.end(), f"{previous} {answer_text}") if ordinal else None
    if end is None:
        ordinal = None
    items = answer_items(answer_text) if ordinal else []
    if ordinal and items:
        word = ordinal.group(1).lower()
        k = ORDINALS.get(word, int(word[:-1]) if word[:-1].isdigit() else 0)
        if k == -1 or 1 <= k <= len(items):
            item = items[k - 1] if k > 0 else items[-1]
            text = question[: ordinal.start()] + item + question[end:]
            if _fragment(text) is not None:  # "En de tweede?": what do the documents say about it
                text = f"Wat is {item}?"
            text = _CONJUNCTION.sub("", text).strip()
            text = text[:1].upper() + text[1:]
            return Resolution(text, f"{item} {previous}", "ordinal", previous, **before)

    fragment = _fragment(question) if not ordinal else None  # an unresolved ordinal still points back
    if fragment is not None:
        text = substitute(previous, fragment)
        return Resolution(text, text, "ellipsis", "", **before)

    if ordinal or _ANAPHOR.search(question) or _CONJUNCTION.match(question) or not content_terms(question):
        return Resolution(question, f"{previous} {question}", "pronoun", previous, **before)
    return Resolution(question, question)
