"""The command-line contract of DESIGN.md, run as a user would: a subprocess."""
import json
import shutil
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import truncate

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


# --- the store's error paths: damaged, read-only, busy ----------------------------------------------------

QUESTION = "Hoeveel inwoners heeft Twente?"


@pytest.fixture
def store_copy(store, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    return copy


@pytest.mark.parametrize("name", ["manifest.json", "gen-000001/chunks.json", "gen-000001/bm25/vocab.index.json",
                                  "gen-000001/units.npy", "gen-000001/vectors.npy"])
def test_damaged_store_exits_5_with_a_message_not_a_traceback(store_copy, name):
    truncate(store_copy / name)
    result = run(["ask", QUESTION, "--json"], store_copy)
    assert result.returncode == 5, result.stdout + result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    message = result.stderr.strip()
    assert message.startswith("Fout / error:") and Path(name).name in message and "python -m ingest" in message


def test_a_missing_generation_file_is_damage_too(store_copy):
    (store_copy / "gen-000001" / "bm25" / "ids.txt").unlink()
    result = run(["ask", QUESTION], store_copy)
    assert result.returncode == 5 and "ids.txt" in result.stderr and "Traceback" not in result.stderr


def test_a_damaged_chroma_does_not_stop_answering(store, store_copy):
    """Readers of an embedded store use the generation's own vectors; Chroma is the
    ingestion's to repair."""
    truncate(store_copy / "chroma" / "chroma.sqlite3")
    damaged, healthy = run(["ask", QUESTION, "--json"], store_copy), run(["ask", QUESTION, "--json"], store)
    assert damaged.returncode == 0, damaged.stderr
    assert json.loads(damaged.stdout)["citations"] == json.loads(healthy.stdout)["citations"]


def _files(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.stat().st_mode, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _probe(prefix: list[str]) -> bool:
    """Whether ``prefix`` runs a command for which a chmod a-w folder (or a read-only
    mount, for the unshare prefix) really refuses a write."""
    script = 'd=$(mktemp -d) && chmod a-w "$d" && ! touch "$d/x" 2>/dev/null; r=$?; chmod u+w "$d"; rmdir "$d"; exit $r'
    try:
        return subprocess.run([*prefix, "sh", "-c", script], capture_output=True, timeout=30).returncode == 0
    except OSError:
        return False


NO_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


def test_ask_works_on_a_read_only_store_and_writes_nothing(store, tmp_path):
    """The defect: Chroma rewrote its files on open, so a read-only store failed with
    "attempt to write a readonly database". Tests run as root, whom chmod does not stop;
    so the store is made read-only for real, every way this machine allows: a read-only
    bind mount in a private mount namespace (EROFS for everyone, root too), and a
    chmod -R a-w copy read by a process without the capabilities that let root ignore
    permission bits (or by us directly, when we are not root)."""
    import os
    import tempfile

    expected = json.loads(run(["ask", QUESTION, "--json"], store).stdout)

    # 1. writable, but nothing may be written: every byte, mode and mtime stays
    writable = tmp_path / "schrijfbaar"
    shutil.copytree(store, writable)
    before = _files(writable)
    result = run(["ask", QUESTION, "--json"], writable)
    assert result.returncode == 0 and json.loads(result.stdout)["citations"] == expected["citations"]
    assert _files(writable) == before, "ask changed the store"

    ways = []
    ask = [sys.executable, "-m", "assistant", "ask", QUESTION, "--json"]
    # 2. a read-only mount
    if os.geteuid() == 0 and _probe(["unshare", "-m", "--propagation", "private"]):
        ro = tmp_path / "alleen-lezen"
        shutil.copytree(store, ro)
        script = f'mount --bind -o ro "{ro}" "{ro}" && ! touch "{ro}/proef" 2>/dev/null && exec "$@"'
        result = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", *ask],
                                cwd=PROJECT, env={**os.environ, "ASSISTANT_STORE": str(ro)}, capture_output=True,
                                text=True, timeout=300)
        ways.append(("read-only mount", result))
    # 3. chmod -R a-w, read by a process the permission bits hold back: root without the
    # capabilities that let it ignore them, else the unprivileged user nobody
    runner = None
    if os.geteuid() != 0:
        runner = ("", [], {})
    elif _probe(NO_DAC):
        runner = (", root without DAC capabilities", NO_DAC, {})
    elif subprocess.run([sys.executable, "-c", "pass"], user=65534, capture_output=True).returncode == 0:
        runner = (", as nobody", [], {"user": 65534, "group": 65534})
    if runner is not None:
        label, prefix, user = runner
        base = Path(tempfile.mkdtemp(prefix="ro-store-"))  # reachable for nobody, unlike pytest's 0700 tmp_path
        os.chmod(base, 0o755)
        ro = base / "store"
        shutil.copytree(store, ro)
        subprocess.run(["chmod", "-R", "a-w", str(ro)], check=True)
        before = _files(ro)
        try:
            result = subprocess.run([*prefix, *ask], cwd=PROJECT, capture_output=True, text=True, timeout=300,
                                    env={**os.environ, "ASSISTANT_STORE": str(ro), "HOME": str(base)}, **user)
            ways.append(("chmod -R a-w" + label, result))
            assert _files(ro) == before
        finally:
            subprocess.run(["chmod", "-R", "u+w", str(base)], check=False)
            shutil.rmtree(base, ignore_errors=True)

    assert ways, "no way to make the store read-only on this machine"
    for way, result in ways:
        assert result.returncode == 0, f"{way}: exit {result.returncode}: {result.stderr[-2000:]}"
        data = json.loads(result.stdout)
        assert data["citations"] == expected["citations"] and data["answer"] == expected["answer"], way


def test_busy_store_exits_4(tmp_path):
    """A first ingestion holds the lock and nothing is committed yet: say so (exit 4),
    after waiting --wait seconds."""
    import time

    from filelock import FileLock

    building = tmp_path / "wordt-gebouwd"
    building.mkdir()
    with FileLock(str(building / ".ingest.lock")):
        quick = run(["ask", QUESTION], building)
        started = time.monotonic()
        patient = run(["ask", QUESTION, "--wait", "1"], building)
        waited = time.monotonic() - started
    assert quick.returncode == 4 and "store busy" in quick.stderr and "Traceback" not in quick.stderr
    assert patient.returncode == 4 and waited >= 1.0
    assert "wacht maximaal 1 s" in patient.stderr and "--wait" in patient.stderr.strip().splitlines()[-1]


def test_ask_waits_for_the_first_commit_of_a_running_ingestion(store, tmp_path):
    """Two processes: `python -m ingest` builds a new store; `ask --wait` started while it
    runs answers from its first commit."""
    import os
    import time

    from vectorstore.lock import ingestion_running

    new = tmp_path / "nieuw"
    new.mkdir()
    shutil.copy(store / "embeddings.sqlite", new / "embeddings.sqlite")  # no embedding: a quick but real run
    env = {**os.environ, "ASSISTANT_STORE": str(new)}
    ingest = subprocess.Popen([sys.executable, "-m", "ingest", str(PROJECT / "data" / "corpus")], cwd=PROJECT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not ingestion_running(new):
            assert ingest.poll() is None and time.monotonic() < deadline, "the ingestion never took its lock"
            time.sleep(0.02)
        assert not (new / "manifest.json").exists(), "test setup: asked before the first commit"
        result = run(["ask", QUESTION, "--json", "--wait", "120"], new)
    finally:
        ingest.wait(timeout=300)
    assert ingest.returncode == 0
    assert result.returncode == 0, result.stderr
    assert "634.000" in json.loads(result.stdout)["answer"] and "wordt voor het eerst opgebouwd" in result.stderr


class _Stream:
    def __init__(self, answer):
        self.answer = answer

    def __iter__(self):
        yield self.answer.text


def test_chat_keeps_the_cited_passages_for_follow_ups(monkeypatch, capsys):
    """The command-line chat gives a follow-up the previous answer's passages, as the app
    does ("en de tweede?" searches near the list just shown)."""
    from types import SimpleNamespace

    from assistant.__main__ import _chat
    from assistant.types import Answer, Citation

    cited = Answer("- Digitalisering [1]\n- Innovatie in de zorg [1]", refused=False,
                   citations=[Citation(1, "002.txt", "Plan", None, None, "…", "chunk-7")])
    seen = []

    class Bot:
        settings = SimpleNamespace(answer_mode="extractief")

        def ask_stream(self, question, history):
            seen.append([dict(t) for t in history])
            return _Stream(cited)

    questions = iter(["Welke impactportfolio's?", "En de tweede?", ""])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(questions))
    assert _chat(Bot()) == 0
    assert seen[1] == [{"role": "user", "content": "Welke impactportfolio's?"},
                       {"role": "assistant", "content": cited.text, "passages": ["chunk-7"]}]
