"""lstm_edu.data.de_en: the Ding parser on small files, and the fetched file's count."""
from __future__ import annotations

import pytest

from lstm_edu.data import verify
from lstm_edu.data.de_en import load_de_en, parse_de_en

GOOD = """# Version :: devel 2023-01-30
# License :: GPL Version 2 or later; GNU General Public License
Aal {m} | Aale {pl} :: eel | eels
Er kam spät. [ugs.]; Er kam zu spät. | Wir gehen. :: He came late. [coll.]; He was late. | We go.
Das ist gut so. | Sie kam (nicht). :: That is good. | She came (not) at all.
Das ist gut so. :: That is good.
Ich gehe nach Hause. :: I go home

Haus {n} :: house
"""


def write(tmp_path, text):
    file = tmp_path / "de-en"
    file.write_text(text, encoding="utf-8")
    return file


def test_the_rule_keeps_first_alternatives_of_sentence_entries(tmp_path):
    pairs = parse_de_en(write(tmp_path, GOOD))
    # "We go." has 2 words; parentheses, a missing final mark and repeats are dropped
    assert pairs.german == ["Er kam spät.", "Das ist gut so."]
    assert pairs.english == ["He came late.", "That is good."]
    assert len(pairs) == 2
    assert pairs.lexicon == {"aal": "eel", "aale": "eels", "haus": "house"}


def test_parsing_is_deterministic(tmp_path):
    file = write(tmp_path, GOOD)
    assert parse_de_en(file) == parse_de_en(file)


@pytest.mark.parametrize("line, expected", [
    ("Er kam spät. He came late.", "expected 'German :: English'"),
    ("a :: b :: c", "expected 'German :: English'"),
    ("Er kam. | Sie kam. :: He came.", "1 English"),
])
def test_malformed_lines_name_the_file_and_line(tmp_path, line, expected):
    file = write(tmp_path, "# comment\n" + line + "\n")
    with pytest.raises(ValueError, match=expected) as error:
        parse_de_en(file)
    assert f"{file}, line 2" in str(error.value)


def test_a_file_without_sentences_is_refused(tmp_path):
    with pytest.raises(ValueError, match="found none"):
        parse_de_en(write(tmp_path, "Haus {n} :: house\n"))


@pytest.mark.skipif(bool(verify("de_en")), reason="de_en not fetched (python -m lstm_edu.data fetch de_en)")
def test_the_fetched_file_gives_the_stated_count():
    pairs = load_de_en()
    assert len(pairs) == 14963
    assert pairs.german[0] == "Ich habe am ursprünglichen Entwurf ein paar Änderungen vorgenommen."
    assert all(3 <= len(e.split()) <= 12 for e in pairs.english)
    assert len(set(zip(pairs.german, pairs.english))) == len(pairs)
