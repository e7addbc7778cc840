"""Answer every gold question through ``Assistant.ask`` and score it.

Configurations compared in one run: BM25 only, dense only and hybrid retrieval with the
extractive answerer, and the LLM answerer on hybrid retrieval when an endpoint is
configured. Everything is deterministic: no LLM judges.
"""
from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from assistant.followup import says_nothing_new
from eval import metrics as m

GOLD_FILE = Path(__file__).resolve().parent / "gold.jsonl"

# the figures the report, the chart and the gate talk about, in display order
HEADLINE = ["retr_hit@5", "retr_mrr", "psg_hit@1", "psg_hit@5", "hit@1", "hit@3", "hit@5", "mrr", "ndcg@5",
            "fact_recall", "all_facts", "figure_exact", "cite_hit", "citation_precision", "citation_coverage", "support",
            "refusal_accuracy", "false_refusal_rate", "median_words", "p95_ms"]
# the figures the comparison table is about, in its order
COMPARISON = ["fact_recall", "all_facts", "cite_hit", "false_refusal_rate", "refusal_accuracy", "median_words", "p95_ms"]
SUMMARY_ONLY = ("refusal_accuracy", "false_refusal_rate", "median_words", "p95_ms")


@dataclass(frozen=True)
class GoldItem:
    id: str
    question: str
    history: list[dict]
    answerable: bool
    answer: str
    facts: list[list[str]]
    sources: list[str]
    group: str
    type: str
    section: str = ""  # the heading the answer stands under, where the set gives it

    @classmethod
    def from_dict(cls, d: dict) -> "GoldItem":
        return cls(id=d["id"], question=d["question"], history=list(d.get("history") or []),
                   answerable=bool(d["answerable"]), answer=d.get("answer", ""), facts=list(d.get("facts") or []),
                   sources=list(d.get("sources") or []), group=d.get("group", ""), type=d.get("type", ""),
                   section=d.get("section", "") or "")


def load_gold(path: Path = GOLD_FILE) -> list[GoldItem]:
    items = []
    with path.open(encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            if line.strip():
                try:
                    items.append(GoldItem.from_dict(json.loads(line)))
                except (ValueError, KeyError) as exc:
                    raise ValueError(f"{path}:{line_no}: ongeldig gold-record (invalid record): {exc}") from exc
    return items


@dataclass
class Row:
    """One question answered by one configuration, with its scores."""

    id: str
    question: str
    group: str
    type: str
    answerable: bool
    refused: bool
    answer: str
    missing_facts: list[str]
    scores: dict[str, float | None] = field(default_factory=dict)
    retrieve_ms: float = 0.0
    answer_ms: float = 0.0
    words: int = 0  # words of the answer (citation markers not counted)
    total_ms: float = 0.0
    mode: str = "extractive"  # who wrote the answer ("llm", or "extractive" also when the LLM fell back)
    repeats_previous: bool | None = None  # a follow-up answered with nothing beyond the previous answer (own history)
    supported_sentences: int | None = None  # LLM answers: the model's sentences the passages support …
    checked_sentences: int | None = None  # … of those that claim something


def score(item: GoldItem, answer) -> Row:
    gold = set(item.sources)
    ranked = [p.sources or [p.source] for p in answer.passages]
    s: dict[str, float | None] = {}
    if item.answerable:
        raw = [p.sources or [p.source] for p in answer.retrieved[:5]]
        s["retr_hit@5"] = m.hit_at_k(raw, gold, 5)  # the retriever alone, before re-ranking
        s["retr_mrr"] = m.reciprocal_rank(raw, gold)
        if item.facts:
            # passage level: a passage is relevant when it holds one of the key facts
            found = [["*"] if any(m.contains_fact(p.text, v) for v in item.facts) else [] for p in answer.passages]
            s["psg_hit@1"] = m.hit_at_k(found, {"*"}, 1)
            s["psg_hit@5"] = m.hit_at_k(found, {"*"}, 5)
        s["hit@1"] = m.hit_at_k(ranked, gold, 1)
        s["hit@3"] = m.hit_at_k(ranked, gold, 3)
        s["hit@5"] = m.hit_at_k(ranked, gold, 5)
        s["mrr"] = m.reciprocal_rank(ranked, gold)
        s["ndcg@5"] = m.ndcg_at_k(ranked, gold, 5)
        text = "" if answer.refused else answer.text
        s["fact_recall"] = m.fact_recall(text, item.facts) if item.facts else None
        s["all_facts"] = None if s["fact_recall"] is None else float(s["fact_recall"] == 1.0)
        s["cite_hit"] = _cite_hit(item, answer) if not answer.refused else 0.0
        s["figure_exact"] = m.figure_exact_match(text, item.facts)
        if not answer.refused:
            s["citation_precision"] = m.citation_precision([c.sources or [c.source] for c in answer.citations], gold)
            s["citation_coverage"] = m.citation_coverage(answer.text)
            by_id = {p.chunk_id: p.text for p in answer.passages}
            s["support"] = m.support_score(answer.text, {c.n: by_id.get(c.chunk_id, c.quote) for c in answer.citations})
    missing = [variants[0] for variants in item.facts if not m.contains_fact("" if answer.refused else answer.text, variants)]
    return Row(id=item.id, question=item.question, group=item.group, type=item.type, answerable=item.answerable,
               refused=answer.refused, answer=answer.text, missing_facts=missing if item.answerable else [],
               scores=s, retrieve_ms=answer.timings.get("retrieve", 0.0), answer_ms=answer.timings.get("answer", 0.0),
               words=len(re.sub(r"\[\d+(?:,\s*\d+)*\]", " ", answer.text).split()),
               total_ms=answer.timings.get("total", 0.0), mode=getattr(answer, "mode", "extractive"),
               supported_sentences=getattr(answer, "supported_sentences", None),
               checked_sentences=getattr(answer, "checked_sentences", None))


def _cite_hit(item: GoldItem, answer) -> float:
    """Does the first citation land right: its passage holds a key fact, or it is the
    gold document's gold section?"""
    if not answer.citations:
        return 0.0
    first = answer.citations[0]
    passage = next((p for p in answer.passages if p.chunk_id == first.chunk_id), None)
    text = passage.text if passage is not None else first.quote
    if any(m.contains_fact(text, variants) for variants in item.facts):
        return 1.0
    section = passage.section if passage is not None else first.section
    return float(bool(item.section) and first.source in item.sources and (section or "").strip() == item.section.strip())


def summarise(rows: list[Row]) -> dict:
    """Overall, per user group and per question type figures for one configuration."""
    pairs = [(r.answerable, r.refused) for r in rows]
    flat = [{**r.scores, "group": r.group, "type": r.type} for r in rows]
    keys = [k for k in HEADLINE if k not in SUMMARY_ONLY]
    overall = {k: m.mean(r.scores.get(k) for r in rows) for k in keys}
    overall["refusal_accuracy"] = m.refusal_accuracy(pairs)
    overall["false_refusal_rate"] = m.false_refusal_rate(pairs)
    words = [r.words for r in rows if r.answerable and not r.refused]
    overall["median_words"] = float(statistics.median(words)) if words else None
    times = sorted(r.total_ms for r in rows)
    overall["p95_ms"] = times[min(len(times) - 1, int(0.95 * len(times)))] if times else None
    overall["n"] = len(rows)
    by_group = m.group_means(flat, "group", keys)
    by_type = m.group_means(flat, "type", keys)
    for grouping, field_name in ((by_group, "group"), (by_type, "type")):
        for value, figures in grouping.items():
            sub = [(r.answerable, r.refused) for r in rows if getattr(r, field_name) == value]
            figures["refusal_accuracy"] = m.refusal_accuracy(sub)
            figures["false_refusal_rate"] = m.false_refusal_rate(sub)
    return {"overall": overall, "by_group": by_group, "by_type": by_type}


def replay(assistant, history: list[dict], use_llm: bool = False) -> list[dict]:
    """The conversation as a user would have had it: each earlier question of a gold
    history asked again, in order, with the product's own answers (and the passages they
    cite) in place of the answers the gold set's author wrote. A follow-up then builds on
    what the product really said, wrong or right, instead of on a perfect previous answer."""
    own: list[dict] = []
    for turn in history:
        if turn.get("role") == "user":
            answer = assistant.ask(turn["content"], list(own), use_llm=use_llm)
            own += [{"role": "user", "content": turn["content"]}, answer.history_turn()]
    return own


def run_config(assistant, items: list[GoldItem], use_llm: bool = False,
               tick: Callable[[], None] | None = None, own_history: bool = False) -> list[Row]:
    """``own_history``: follow-ups get the product's own earlier answers (``replay``)
    instead of the gold set's, and each row records whether its answer only repeats the
    previous one."""
    rows = []
    for item in items:
        history = replay(assistant, item.history, use_llm) if own_history and item.history else item.history
        answer = assistant.ask(item.question, history, use_llm=use_llm)
        rows.append(score(item, answer))
        if own_history and item.history:
            rows[-1].repeats_previous = says_nothing_new("" if answer.refused else answer.text, history)
        if tick:
            tick()
    return rows
