"""An ``Answer`` as JSON and back: what a conversation keeps of each answer (text,
citations, the passages shown) so it can be shown again after a reload, exported,
and rated. The retriever's pool and the sentence vectors are left out."""
from __future__ import annotations

from assistant.types import Answer, Citation, Passage

_PASSAGE_FIELDS = ("chunk_id", "text", "source", "title", "page", "section", "sources", "page_label",
                   "page_breaks", "date", "private")


def answer_to_dict(answer: Answer) -> dict:
    return {
        "text": answer.text, "refused": answer.refused, "mode": answer.mode, "notice": answer.notice,
        "citations": [{**c.to_json(), "chunk_id": c.chunk_id} for c in answer.citations],
        "passages": [{name: getattr(p, name) for name in _PASSAGE_FIELDS} for p in answer.passages],
        "timings_ms": {k: round(v, 1) for k, v in answer.timings.items()},
    }


def answer_from_dict(data: dict) -> Answer:
    citations = [Citation(n=c["n"], source=c["source"], title=c["title"], page=c.get("page"),
                          section=c.get("section"), quote=c.get("quote", ""), chunk_id=c.get("chunk_id", ""),
                          page_label=c.get("page_label"), date=c.get("date"), private=bool(c.get("private")))
                 for c in data.get("citations", [])]
    passages = [Passage(**{name: p[name] for name in _PASSAGE_FIELDS if name in p}) for p in data.get("passages", [])]
    return Answer(text=data.get("text", ""), refused=bool(data.get("refused")), citations=citations,
                  passages=passages, timings=dict(data.get("timings_ms", {})), mode=data.get("mode", "extractive"),
                  notice=data.get("notice"))


def cited_passages(answer: Answer) -> list[Passage]:
    """The passages the answer's citations point to, in citation order."""
    by_id = {p.chunk_id: p for p in answer.passages}
    out = []
    for c in answer.citations:
        p = by_id.get(c.chunk_id)
        if p is not None and p not in out:
            out.append(p)
    return out

