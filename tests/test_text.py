import pytest

from credbot.text import Synonyms, content_words, detect_state, normalise, state_code


def test_normalise_folds_case_quotes_punctuation_and_whitespace():
    assert normalise("  What’s   an IRC?!  ") == "what an irc"
    assert normalise("“Industry–recognized” CREDENTIALS") == "industry recognized credentials"
    assert normalise("CompTIA A+") == "comptia a+"


def test_state_detection_names_one_state_or_none():
    assert detect_state("How much is it in Ohio?") == "OH"
    assert detect_state("ISBE list please") == "IL"
    assert detect_state("in Illinois") == "IL"
    assert detect_state("oh, how do students earn credentials?") is None
    assert detect_state("Ohio or Illinois?") is None
    assert detect_state("what is a credential") is None


def test_synonyms_rewrite_words_and_phrases_to_canonical_terms():
    syn = Synonyms(
        [
            {"canonical": "cost", "terms": ["fee", "price", "how much"]},
            {"canonical": "student", "terms": ["kid", "daughter"]},
        ]
    )
    assert syn.apply("how much is the fee for my kid") == "cost is the cost for my student"
    assert syn.apply("feed the daughters") == "feed the daughters"  # whole words only


def test_content_words_drop_stopwords_and_places_and_fold_plurals():
    assert content_words("how do students in ohio earn credentials") == ["how", "student", "earn", "credential"]


@pytest.mark.parametrize(
    "answer, code",
    [
        ("OH", "OH"),
        ("il", "IL"),
        ("Ohio", "OH"),
        ("we're in il", "IL"),
        ("I live in Illinois", "IL"),
        ("Texas", None),
        ("", None),
    ],
)
def test_a_short_answer_names_its_state(answer, code):
    assert state_code(answer) == code
