"""python -m assistant ask "VRAAG" [--store DIR] [--history FILE] [--json]
python -m assistant ask --batch FILE.jsonl --json [--store DIR]
python -m assistant chat [--store DIR]

Exit codes: 0 answered (a refusal is an answer too, also "nothing indexed yet"), 2 usage
or configuration errors (also an index of another embedder), 4 store busy: its first
ingestion has not committed within --wait, 5 store damaged or unreadable (a message says
what and how to repair it; never a traceback).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _load_history(path: Path | None) -> list[dict]:
    if path is None:
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list) or not all(
        isinstance(t, dict) and t.get("role") in ("user", "assistant") and isinstance(t.get("content"), str) for t in data
    ):
        raise ValueError("--history moet een JSON-lijst zijn van {\"role\": \"user\"|\"assistant\", \"content\": str}")
    return data


def _print_answer(answer, as_json: bool) -> None:
    if as_json:
        print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        return
    if answer.notice:
        print(f"({answer.notice})")
    print(answer.text)
    if answer.citations:
        print("\nBronnen:")
        for c in answer.citations:
            where = f"p. {c.page}" if c.page else (c.section or "")
            print(f"  [{c.n}] {c.title}{' — ' + where if where else ''} ({c.source})")
            print(f"      “{c.quote}”")
    elif answer.refused and answer.passages:
        print("\nDichtstbijzijnde passages:")
        for p in answer.passages[:3]:
            print(f"  - {p.title}{' — ' + p.location() if p.location() else ''}: {p.text[:140]}…")


def _batch(assistant, path: Path, as_json: bool) -> int:
    bad = 0
    with path.open(encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                question, history = item["question"], item.get("history") or []
            except (ValueError, KeyError, TypeError) as exc:
                print(f"regel {line_no}: ongeldige invoer (invalid line): {exc}", file=sys.stderr)
                print(json.dumps({"error": f"invalid line {line_no}"}), flush=True)
                bad += 1
                continue
            _print_answer(assistant.ask(question, history), as_json)
    return 2 if bad else 0


def _chat(assistant) -> int:
    print(f"Twente Board-assistent ({assistant.settings.answer_mode}). Lege regel of Ctrl-D om te stoppen; "
          "'nieuw' begint een nieuw gesprek.")
    history: list[dict] = []
    while True:
        try:
            question = input("\nVraag: ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not question:
            return 0
        if question.lower() in ("nieuw", "/nieuw", "reset"):
            history = []
            print("Nieuw gesprek.")
            continue
        stream = assistant.ask_stream(question, history)
        for piece in stream:
            print(piece, end="", flush=True)
        print()
        answer = stream.answer
        if answer.citations:
            for c in answer.citations:
                where = f"p. {c.page}" if c.page else (c.section or "")
                print(f"  [{c.n}] {c.title}{' — ' + where if where else ''}")
        history += [{"role": "user", "content": question}, answer.history_turn()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="Vragen stellen over de documenten.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="één vraag (of een batch) beantwoorden")
    ask.add_argument("question", nargs="?", help="de vraag, in het Nederlands")
    ask.add_argument("--store", type=Path)
    ask.add_argument("--history", type=Path, help="JSON-bestand met eerdere beurten")
    ask.add_argument("--batch", type=Path, help="JSONL met {\"question\", \"history\"} per regel")
    ask.add_argument("--json", action="store_true", help="antwoord als JSON")
    ask.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                     help="wacht zo lang op de eerste commit als de index nog wordt opgebouwd (exitcode 4)")
    chat = sub.add_parser("chat", help="interactief gesprek in de terminal")
    chat.add_argument("--store", type=Path)
    args = parser.parse_args(argv)

    if args.command == "ask" and bool(args.question) == bool(args.batch):
        parser.error("geef een VRAAG of --batch FILE (give a QUESTION or --batch FILE)")
    from common.config import ConfigError, settings_or_exit

    settings = settings_or_exit(store_dir=args.store)
    try:
        history = _load_history(getattr(args, "history", None))
    except (ValueError, OSError) as exc:
        print(f"Fout / error: {exc}", file=sys.stderr)
        return 2
    from assistant.core import Assistant
    from vectorstore.errors import StoreError, exit_code
    from vectorstore.lock import wait_for_first_commit

    try:
        wait_for_first_commit(settings.store_dir, getattr(args, "wait", 0.0),
                              lambda message: print(message, file=sys.stderr, flush=True))
        assistant = Assistant(settings)
        if args.command == "chat":
            return _chat(assistant)
        if args.batch:
            return _batch(assistant, args.batch, args.json)
        _print_answer(assistant.ask(args.question, history), args.json)
        return 0
    except StoreError as exc:  # damaged, busy, or built with another embedder: say so, no traceback
        print(f"Fout / error: {exc}", file=sys.stderr)
        return exit_code(exc)
    except ConfigError as exc:
        print(f"Fout / error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
