"""General features of every candidate answer unit (sentence, list item, heading).

Each feature says one thing that holds for any document: how much of the question a
sentence covers (by its words, its heading, its list's lead-in, by meaning), whether it
has the kind of answer asked for, where it stands, how its passage was retrieved. A
fitted model (``assistant.scorer``) weighs them; nothing here is tuned to a question.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant.lexicon import EMAIL, PHONE, WEB, dates, figures, has_date, has_figure, match, names, term_set
from assistant.query import DATE, DEFINITION, EMAIL as ASK_EMAIL, FIGURE, LIST, PERSON, PHONE as ASK_PHONE, PLACE, \
    PROCEDURE, Query
from assistant.types import Passage
from common.units import Unit, split_units

FEATURES = (
    "lex",  # share of the question's weight found in the unit itself
    "lex_context",  # … in the unit, its section heading or its list's lead-in
    "lex_passage",  # … anywhere in the passage, its heading or its document title
    "lex_prev",  # share of the question's weight in the unit before it (answers follow their lead sentence)
    "lex_next",  # … in the unit after it
    "follow_context",  # share of a follow-up's earlier-question weight found around the unit
    "dense",  # cosine of question and unit (sentence vectors)
    "dense_gap",  # that cosine minus the best one among all candidates
    "dense_prev",  # cosine of question and the unit before it
    "dense_next",  # … the unit after it
    "dense_passage",  # cosine of question and the whole passage
    "bm25",  # the passage's BM25 score relative to the best retrieved one
    "rank",  # 1 / (1 + the passage's rank after retrieval)
    "form_fit",  # the unit holds the kind of answer asked for (figure, date, name, list, contact, …)
    "form_missing",  # a specific kind is asked for and the unit does not hold it
    "count_asked",  # the question asks for a number of items ("welke vier …")
    "count_fit",  # as many items as asked, when a count is asked
    "names_missing",  # share of the question's names (by weight) absent from the passage, heading and title
    "focus_missing",  # share of the wh-phrase's head ("welke sneltoets") absent from the unit, heading and lead-in
    "focus_missing_passage",  # … absent from the whole passage
    "unknown",  # share of the question's weight from words no indexed chunk uses
    "new_figures",  # the unit brings a figure the question does not already state
    "heading",
    "bullet",
    "lead_in",  # the unit ends in ":" and introduces a list
    "position",  # 1 / (1 + place in the passage)
    "length",  # words, capped at 60, over 60
    "fragment",  # under five words, no figure: a label, link line or caption
    "previous",  # the unit was already said in the previous answer
    "anaphoric",  # opens with "Dit", "Daarmee", …: needs its antecedent
    "lex_x_dense",  # interaction: covering the words and the meaning at once
    "lex_x_form",  # interaction: covering the words with the right kind of answer
    "item_x_list",  # a list item (or a list's lead-in) for a question asking for a list
    "item_x_procedure",  # a step (list item or lead-in) for a question asking how to do something
    # standing among the other candidates of the same question: raw similarities differ from
    # question to question, their order does not
    "dense_rank",  # 1 / (1 + place by dense among all candidates)
    "lex_rank",  # 1 / (1 + place by lex_context)
    "joint_rank",  # 1 / (1 + place by dense + lex_context)
    "rank_in_passage",  # 1 / (1 + place by dense + lex_context within its passage)
    "passage_dense_gap",  # the best dense of the unit's passage minus the best of all
    "passage_lex",  # the best lex_context of the unit's passage
)
INDEX = {name: i for i, name in enumerate(FEATURES)}

_ANAPHORIC = re.compile(r"^(Hiermee|Hierdoor|Hiervoor|Hierbij|Daarmee|Daardoor|Daarbij|Daarvoor|Daarnaast|Dit|"
                        r"Deze|Dat|Die|Dergelijke|Zij|Ze|Hij|Het)\b")


@dataclass
class Candidate:
    unit: Unit
    passage: int  # index into the passages
    terms: frozenset[str]
    score: float = 0.0  # the scorer's probability that this unit answers the question


@lru_cache(maxsize=65536)
def _terms(text: str) -> frozenset[str]:
    return term_set(text)


def coverage(weights: dict[str, float], terms: frozenset[str], total: float | None = None) -> float:
    total = total if total is not None else (sum(weights.values()) or 1.0)
    return sum(w * match(t, terms) for t, w in weights.items()) / total


def fits_form(query: Query, text: str, items: int) -> bool | None:
    """Does the text hold the kind of answer asked for? None when nothing specific is asked."""
    if query.contact == ASK_PHONE:
        return bool(PHONE.search(text))
    if query.contact == ASK_EMAIL:
        return bool(EMAIL.search(text))
    if query.contact is not None:
        return bool(WEB.search(text))
    if query.form == FIGURE:
        return has_figure(text) and bool(figures(text) - query.numbers)
    if query.form == DATE:
        return has_date(text) and bool(dates(text) - query.numbers)
    if query.form in (PERSON, PLACE):
        return bool(new_names(query, text))
    if query.form == LIST:
        return items >= 2
    if query.form == DEFINITION:
        # "Noaberschap is een authentiek Twents begrip …": the asked term, then a copula
        return True if _defines(query, text) else None
    return None


_COPULA = re.compile(r"\s+(?:is|zijn|was|betekent|betekenen|staat voor|staan voor|houdt|omvat|heet|wordt)\b", re.I)


def _defines(query: Query, text: str) -> bool:
    for m in _COPULA.finditer(text):
        before = text[: m.start()].split()[-3:]
        if any(match(t, _terms(" ".join(before))) for t in query.terms):
            return True
    return False


def new_names(query: Query, text: str) -> set[str]:
    """Names in the text that the question does not already say: the answer to "wie"
    is somebody the question did not name."""
    asked = set(query.names) | set(query.terms)
    return {n for n in names(text) if not _terms(n) <= asked}


def list_items(units: list[Unit], unit: Unit) -> int:
    """How many things a unit enumerates: its list's items, or its commas and "en"."""
    if unit.bullet or unit.text.rstrip().endswith(":"):
        lead = unit.position if unit.text.rstrip().endswith(":") else unit.lead_in
        return sum(1 for u in units if u.bullet and u.lead_in == lead)
    return unit.text.count(", ") + len(re.findall(r"\s(?:en|of)\s", unit.text)) + (1 if ", " in unit.text else 0)


def candidates_of(passages: list[Passage]) -> list[Candidate]:
    return [Candidate(u, i, _terms(u.text)) for i, p in enumerate(passages) for u in split_units(p.text, p.section)]


def featurize(query: Query, passages: list[Passage], candidates: list[Candidate]) -> np.ndarray:
    """One row of FEATURES per candidate."""
    X = np.zeros((len(candidates), len(FEATURES)), dtype=np.float64)
    if not candidates:
        return X
    units_by_passage: dict[int, list[Unit]] = {}
    for c in candidates:
        units_by_passage.setdefault(c.passage, []).append(c.unit)
    heading = [_terms(p.section or "") for p in passages]
    around = [heading[i] | _terms(p.title or "") | frozenset().union(*(c.terms for c in candidates if c.passage == i))
              for i, p in enumerate(passages)]
    dense = _unit_dense(query, passages, candidates)
    best_dense = max(dense) if len(dense) else 0.0
    best_bm25 = max((p.bm25 or 0.0 for p in passages), default=0.0) or 1.0
    total = query.total
    name_total = sum(query.names.values())
    previous = set(query.follow_up.previous_answer) if query.follow_up else set()
    own = np.array([coverage(query.terms, c.terms, total) if query.terms else 0.0 for c in candidates])
    # what only depends on the passage, once per passage
    passage_cover = [coverage(query.terms, a, total) if query.terms else 0.0 for a in around]
    follow_cover = [coverage(query.context, a) if query.context else 0.0 for a in around]
    names_gone = [sum(w for t, w in query.names.items() if not match(t, a)) / name_total if name_total else 0.0
                  for a in around]
    focus_gone = [1.0 - coverage(query.focus, a) if query.focus else 0.0 for a in around]
    for row, c in enumerate(candidates):
        p, u = passages[c.passage], c.unit
        before = row - 1 if row > 0 and candidates[row - 1].passage == c.passage else None
        after = row + 1 if row + 1 < len(candidates) and candidates[row + 1].passage == c.passage else None
        units = units_by_passage[c.passage]
        lead_terms = _terms(units[u.lead_in].text) if u.lead_in is not None and u.lead_in < len(units) else frozenset()
        context = frozenset(c.terms | heading[c.passage] | lead_terms)
        items = list_items(units, u)
        fit = fits_form(query, u.text, items)
        words = len(u.text.split())
        x = X[row]
        x[INDEX["lex"]] = own[row]
        x[INDEX["lex_prev"]] = own[before] if before is not None else 0.0
        x[INDEX["lex_next"]] = own[after] if after is not None else 0.0
        x[INDEX["dense_prev"]] = dense[before] if before is not None else 0.0
        x[INDEX["dense_next"]] = dense[after] if after is not None else 0.0
        x[INDEX["lex_context"]] = coverage(query.terms, context, total) if query.terms else 0.0
        x[INDEX["lex_passage"]] = passage_cover[c.passage]
        x[INDEX["follow_context"]] = follow_cover[c.passage]
        x[INDEX["dense"]] = dense[row]
        x[INDEX["dense_gap"]] = dense[row] - best_dense
        x[INDEX["dense_passage"]] = p.dense if p.dense is not None else 0.0
        x[INDEX["bm25"]] = (p.bm25 or 0.0) / best_bm25
        x[INDEX["rank"]] = 1.0 / (1 + c.passage)
        x[INDEX["form_fit"]] = 1.0 if fit else 0.0
        x[INDEX["form_missing"]] = 1.0 if fit is False else 0.0
        if query.count:
            x[INDEX["count_asked"]] = 1.0
            x[INDEX["count_fit"]] = 1.0 if items >= query.count - 1 else 0.0
        x[INDEX["names_missing"]] = names_gone[c.passage]
        if query.focus:
            x[INDEX["focus_missing"]] = 1.0 - coverage(query.focus, context)
            x[INDEX["focus_missing_passage"]] = focus_gone[c.passage]
        x[INDEX["unknown"]] = query.unknown
        x[INDEX["new_figures"]] = 1.0 if figures(u.text) - query.numbers else 0.0
        x[INDEX["heading"]] = 1.0 if u.heading else 0.0
        x[INDEX["bullet"]] = 1.0 if u.bullet else 0.0
        x[INDEX["lead_in"]] = 1.0 if u.text.rstrip().endswith(":") and items else 0.0
        x[INDEX["position"]] = 1.0 / (1 + u.position)
        x[INDEX["length"]] = min(words, 60) / 60
        x[INDEX["fragment"]] = 1.0 if words < 5 and not re.search(r"\d", u.text) else 0.0
        x[INDEX["previous"]] = 1.0 if u.text in previous else 0.0
        x[INDEX["anaphoric"]] = 1.0 if _ANAPHORIC.match(u.text) else 0.0
        x[INDEX["lex_x_dense"]] = x[INDEX["lex"]] * max(dense[row], 0.0)
        x[INDEX["lex_x_form"]] = x[INDEX["lex_context"]] * x[INDEX["form_fit"]]
        in_list = 1.0 if u.bullet or x[INDEX["lead_in"]] else 0.0
        x[INDEX["item_x_list"]] = in_list if query.form == LIST else 0.0
        x[INDEX["item_x_procedure"]] = in_list if query.form == PROCEDURE else 0.0
    _standing(X, candidates)
    return X


def _standing(X: np.ndarray, candidates: list[Candidate]) -> None:
    """Fill the rank features: each unit's place among the question's units (headings,
    which are never quoted on their own, count last)."""
    heading = np.array([c.unit.heading for c in candidates])
    passage = np.array([c.passage for c in candidates])
    dense = np.where(heading, -1.0, X[:, INDEX["dense"]])
    lex = np.where(heading, -1.0, X[:, INDEX["lex_context"]])
    joint = dense + lex
    X[:, INDEX["dense_rank"]] = _inverse_rank(dense)
    X[:, INDEX["lex_rank"]] = _inverse_rank(lex)
    X[:, INDEX["joint_rank"]] = _inverse_rank(joint)
    for p in np.unique(passage):
        mine = passage == p
        X[mine, INDEX["rank_in_passage"]] = _inverse_rank(joint[mine])
        X[mine, INDEX["passage_dense_gap"]] = dense[mine].max() - dense.max()
        X[mine, INDEX["passage_lex"]] = lex[mine].max()


def _inverse_rank(values: np.ndarray) -> np.ndarray:
    order = np.argsort(-values, kind="stable")
    rank = np.empty(len(values))
    rank[order] = np.arange(len(values))
    return 1.0 / (1.0 + rank)


def _unit_dense(query: Query, passages: list[Passage], candidates: list[Candidate]) -> np.ndarray:
    """Cosine of the question with each unit; where a passage has no sentence vectors
    (an index from before they were stored), the passage's own cosine stands in."""
    out = np.zeros(len(candidates))
    if query.vector is None:
        return out
    q = np.asarray(query.vector, dtype=np.float32)
    start = 0
    for i, p in enumerate(passages):
        n = sum(1 for c in candidates[start:] if c.passage == i)
        vectors = p.unit_vectors
        if vectors is not None and len(vectors) == n:
            out[start:start + n] = vectors @ q
        else:
            out[start:start + n] = p.dense if p.dense is not None else 0.0
        start += n
    return out

