"""The eval's outputs: a Markdown report, a JSON file with every figure, a PNG chart."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from eval.metrics import mean
from eval.runner import COMPARISON, HEADLINE, Row


def _fmt(v) -> str:
    return "–" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)


def table(summaries: dict[str, dict], keys: list[str] = HEADLINE) -> str:
    lines = ["| configuratie | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    for name, summary in summaries.items():
        lines.append(f"| {name} | " + " | ".join(_fmt(summary["overall"].get(k)) for k in keys) + " |")
    return "\n".join(lines)


def comparison(summaries: dict[str, dict]) -> str:
    """The issue's table: the product beside the tutorial pipeline."""
    return table(summaries, COMPARISON)


def _breakdown(summary: dict, by: str, keys: list[str]) -> str:
    lines = [f"| {by} | n | " + " | ".join(keys) + " |", "|---|---|" + "---|" * len(keys)]
    for value, figures in sorted(summary[f"by_{by}"].items()):
        lines.append(f"| {value} | {figures.get('n', '')} | " + " | ".join(_fmt(figures.get(k)) for k in keys) + " |")
    return "\n".join(lines)


def worst(rows: list[Row], n: int = 10) -> list[Row]:
    """Wrong refusals and answers that miss facts first, then weak retrieval."""
    def badness(r: Row) -> tuple:
        if not r.answerable:
            return (1.0 if not r.refused else 0.0, 0.0)
        return (1.0 - (r.scores.get("fact_recall") or 0.0) + (0.5 if r.refused else 0.0), 1.0 - (r.scores.get("mrr") or 0.0))
    return [r for r in sorted(rows, key=badness, reverse=True) if badness(r)[0] > 0][:n]


def follow_ups(rows: list[Row]) -> str:
    """With replayed conversations (``--history own``): how the follow-ups fared, and how
    many answers only repeat the previous one. Empty for the gold history."""
    follow = [r for r in rows if r.repeats_previous is not None]
    if not follow:
        return ""
    answerable = [r for r in follow if r.answerable]
    line = (f"Vervolgvragen met de eigen eerdere antwoorden: {len(follow)} ({len(answerable)} beantwoordbaar); "
            f"feitrecall {_fmt(mean(r.scores.get('fact_recall') for r in answerable))}, "
            f"onterecht geweigerd {sum(r.refused for r in answerable)}, "
            f"terecht geweigerd {sum(r.refused for r in follow if not r.answerable)} van "
            f"{len(follow) - len(answerable)}; ")
    return line + f"herhaalt alleen het vorige antwoord: {sum(bool(r.repeats_previous) for r in follow)}."


def markdown(summaries: dict[str, dict], rows: dict[str, list[Row]], main: str, meta: dict) -> str:
    follow = follow_ups(rows[main])
    keys_detail = ["hit@5", "mrr", "fact_recall", "citation_precision", "support", "refusal_accuracy", "false_refusal_rate"]
    parts = [
        "# Evaluatierapport Twente Board-assistent", "",
        f"Gold-set: `{meta['gold']}` ({meta.get('set', '')}, split {meta.get('split', 'all')}) — {meta['questions']} vragen ({meta['answerable']} beantwoordbaar, "
        f"{meta['unanswerable']} niet beantwoordbaar, {meta['follow_ups']} vervolgvragen). "
        f"Embedder: `{meta['embedder']}`. Datum: {meta['date']}."
        + (" Vervolgvragen met de eigen eerdere antwoorden van het product (`--history own`)."
           if meta.get("history") == "own" else ""), "",
        "## Vergelijking met de tutorial-pijplijn", "", comparison(summaries), "",
        "Feitrecall: gemiddeld aandeel kernfeiten in het antwoord; alle feiten: aandeel antwoorden met élk kernfeit; "
        "citatie-hit: de eerste bron bevat een kernfeit (of is de gold-sectie); mediaan woorden over beantwoorde "
        "vragen; p95 in ms (vraag → antwoord). De tutorial-pijplijn toont de bovenste 1 of 3 chunks "
        "(SentenceSplitter 512) en weigert nooit.", "",
        *([follow, ""] if follow else []),
        "## Overzicht", "", table(summaries), "",
        "Retrieval (hit@k, MRR, nDCG@5) telt een passage als relevant als ze uit een gold-brondocument komt. "
        "Feitrecall: aandeel sleutelfeiten (genormaliseerd) in het antwoord. Citatieprecisie: geciteerde passages "
        "uit een gold-bron. Dekking: antwoordzinnen met een [n]. Support: zinnen waarvan ≥ 80 % van de inhoudswoorden "
        "in de geciteerde passage staat. Weigering: aandeel onbeantwoordbare vragen geweigerd; vals-weigeren: aandeel "
        "beantwoordbare vragen geweigerd.", "",
        f"## Per gebruikersgroep ({main})", "", _breakdown(summaries[main], "group", keys_detail), "",
        f"## Per vraagtype ({main})", "", _breakdown(summaries[main], "type", keys_detail), "",
        f"## De tien zwakste antwoorden ({main})", "",
    ]
    for r in worst(rows[main]):
        verdict = ("onterecht geweigerd" if r.refused else "feiten ontbreken") if r.answerable else "had geweigerd moeten worden"
        parts += [f"**{r.id}** ({r.group}, {r.type}) — {verdict}", "", f"> Vraag: {r.question}", ">",
                  "> " + r.answer.replace("\n", "\n> "), ""]
        if r.missing_facts:
            parts += ["Ontbrekende feiten: " + ", ".join(f"`{f}`" for f in r.missing_facts), ""]
    return "\n".join(parts)


def chart(summaries: dict[str, dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = ["fact_recall", "all_facts", "cite_hit", "psg_hit@5", "mrr", "support", "refusal_accuracy",
            "false_refusal_rate"]
    fig, ax = plt.subplots(figsize=(11, 5), dpi=110)
    width = 0.8 / max(len(summaries), 1)
    for i, (name, summary) in enumerate(summaries.items()):
        values = [summary["overall"].get(k) or 0.0 for k in keys]
        ax.bar([x + i * width for x in range(len(keys))], values, width, label=name)
    ax.set_xticks([x + width * (len(summaries) - 1) / 2 for x in range(len(keys))], keys, rotation=20)
    ax.set_ylim(0, 1.05)
    ax.set_title("Twente Board-assistent — kernmetrieken per configuratie")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=len(summaries), frameon=False)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write(out: Path, summaries: dict[str, dict], rows: dict[str, list[Row]], main: str, meta: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text(markdown(summaries, rows, main, meta), encoding="utf-8")
    data = {"meta": meta, "summaries": summaries, "rows": {k: [asdict(r) for r in v] for k, v in rows.items()}}
    (out / "results.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    chart(summaries, out / "metrics.png")
