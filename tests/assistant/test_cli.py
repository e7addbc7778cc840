"""The command-line contract of DESIGN.md, run as a user would: a subprocess."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def run(args, store, stdin=None):
    env = {**os.environ, "ASSISTANT_STORE": str(store)}
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=PROJECT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def store(real_store_settings):
    return real_store_settings.store_dir


def test_ask_json(store):
    result = run(["ask", "Hoeveel inwoners heeft Twente?", "--json"], store)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert "634.000" in data["answer"] and data["refused"] is False
    assert data["citations"][0]["source"] == "004_5cdf79aa927f76dd.txt" and data["citations"][0]["n"] == 1
    assert data["timings_ms"]["total"] > 0


def test_ask_with_history_file(store, tmp_path):
    history = tmp_path / "h.json"
    history.write_text(json.dumps([{"role": "user", "content": "Wat is de Regio Deal Twente?"},
                                   {"role": "assistant", "content": "Een afspraak tussen Rijk en regio."}]))
    result = run(["ask", "En hoeveel draagt het Rijk daaraan bij?", "--history", str(history), "--json"], store)
    assert result.returncode == 0, result.stderr
    assert "25" in json.loads(result.stdout)["answer"]


def test_plain_output_lists_sources(store):
    result = run(["ask", "Wat zijn de vier centrale actielijnen?"], store)
    assert result.returncode == 0
    assert "Techniek als motor" in result.stdout and "Bronnen:" in result.stdout and "[1]" in result.stdout


def test_batch_answers_one_object_per_line(store, tmp_path):
    batch = tmp_path / "q.jsonl"
    batch.write_text("\n".join(json.dumps(q) for q in [
        {"question": "Wanneer is de Innovatiesprong Twente gepresenteerd?"},
        {"question": "Wat was de uitslag van FC Twente tegen Ajax?", "history": []},
    ]) + "\n", encoding="utf-8")
    result = run(["ask", "--batch", str(batch), "--json"], store)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.strip().split("\n")]
    assert len(lines) == 2 and "24 februari 2012" in lines[0]["answer"] and lines[1]["refused"] is True


@pytest.mark.parametrize("args", [[], ["ask"], ["ask", "vraag", "--batch", "x.jsonl"]])
def test_usage_errors_exit_2(store, args):
    assert run(args, store).returncode == 2


def test_bad_history_file_is_a_clear_error(store, tmp_path):
    bad = tmp_path / "h.json"
    bad.write_text('{"role": "user"}')
    result = run(["ask", "Vraag?", "--history", str(bad)], store)
    assert result.returncode == 2 and "--history" in result.stderr


def test_empty_store_says_how_to_ingest(tmp_path):
    result = run(["ask", "Hoeveel inwoners heeft Twente?", "--json"], tmp_path / "leeg")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["refused"] is True and "python -m ingest" in data["answer"]


def test_chat_reads_questions_until_an_empty_line(store):
    result = run(["chat"], store, stdin="Wat is de Regio Deal Twente?\nEn hoeveel draagt het Rijk daaraan bij?\n\n")
    assert result.returncode == 0, result.stderr
    assert "25" in result.stdout and "[1]" in result.stdout
