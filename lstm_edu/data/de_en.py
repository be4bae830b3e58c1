"""German-English example sentences of the Ding dictionary (Frank Richter, TU Chemnitz).

The file ``/usr/share/trans/de-en`` of the Debian package ``trans-de-en`` version 1.9-6
(GPL-2+). Each line is ``German :: English``; comment lines start with ``#``. A line holds
one or more *entries* separated by `` | `` on both sides (entry k of the German side
translates entry k of the English side), and an entry holds *alternatives* separated by
``; ``.

The rule that turns lines into sentence pairs (:func:`parse_de_en`):

1. split each line on `` :: `` (exactly once) and each side on `` | ``;
2. take the first alternative of each entry (text before the first ``; ``);
3. remove the annotations in braces and brackets (``{m}``, ``[coll.]``) and collapse spaces;
4. keep the pair when the English side has 3 to 12 words (split on spaces), both sides
   start with an upper-case letter and end with ``.``, ``!`` or ``?``, and neither holds
   ``/``, ``(`` or ``)`` (the dictionary writes optional or alternative words that way, so
   such an entry is not one sentence);
5. drop repeated pairs, keeping the first in file order.

Besides the pairs, :func:`parse_de_en` collects the dictionary's single-word entries (the
first alternative on both sides is one word, after step 3) into a lexicon, which the
word-by-word baseline of the Translation page uses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import DataSet, register
from .fetchers import debian_file

__all__ = ["DE_EN", "DeEnPairs", "load_de_en", "parse_de_en", "MIN_WORDS", "MAX_WORDS"]

FILE = "de-en.txt"
MIN_WORDS, MAX_WORDS = 3, 12

DE_EN = register(DataSet(
    name="de_en",
    source="Debian package trans-de-en version 1.9-6, file /usr/share/trans/de-en",
    license="GPL-2+ (GNU General Public License, version 2 or later)",
    citation=("Frank Richter, Ding: German-English dictionary (TU Chemnitz, 1995-2023), "
              "https://dict.tu-chemnitz.de/"),
    files={FILE: "34052c6021d09eadfee7a893a789204265954df70fe9c36d38fa00058d79d326"},
    fetch=lambda folder: debian_file("trans-de-en", "1.9-6", "/usr/share/trans/de-en", Path(folder) / FILE),
))

_ANNOTATION = re.compile(r"\s*(\{[^{}]*\}|\[[^\[\]]*\])")
_ENDS = (".", "!", "?")


@dataclass(frozen=True)
class DeEnPairs:
    """Sentence pairs in file order, and the single-word lexicon.

    Attributes
    ----------
    german, english : list of str
        ``german[k]`` translates to ``english[k]``; every pair is unique.
    lexicon : dict of str to str
        Lower-case German word -> English word, from the single-word entries (the first
        entry seen wins).
    """

    german: list
    english: list
    lexicon: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.german)


def _clean(entry: str) -> str:
    return " ".join(_ANNOTATION.sub("", entry.split("; ")[0]).split())


def _is_sentence(text: str) -> bool:
    return text[:1].isupper() and text.endswith(_ENDS) and not any(c in text for c in "/()")


def parse_de_en(file) -> DeEnPairs:
    """Read a file in the Ding format and apply the module's rule (see the module docstring).

    Raises
    ------
    ValueError
        A non-comment line without exactly one `` :: ``, or whose two sides have different
        numbers of `` | ``-separated entries; or a file with no sentence pair. The message
        names the file, the line number and what was expected.
    """
    file = Path(file)
    german, english, seen, lexicon = [], [], set(), {}
    with open(file, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            where = f"{file}, line {number}"
            sides = line.split(" :: ")
            if len(sides) != 2:
                raise ValueError(f"{where}: expected 'German :: English' (one ' :: '), got {line[:80]!r}")
            de_entries, en_entries = sides[0].split(" | "), sides[1].split(" | ")
            if len(de_entries) != len(en_entries):
                raise ValueError(f"{where}: expected as many ' | '-separated entries on both sides, got "
                                 f"{len(de_entries)} German and {len(en_entries)} English: {line[:80]!r}")
            for de, en in zip(de_entries, en_entries):
                de, en = _clean(de), _clean(en)
                if " " not in de and " " not in en and de and en:
                    lexicon.setdefault(de.lower(), en)
                if (MIN_WORDS <= len(en.split()) <= MAX_WORDS and _is_sentence(de) and _is_sentence(en)
                        and (de, en) not in seen):
                    seen.add((de, en))
                    german.append(de)
                    english.append(en)
    if not german:
        raise ValueError(f"{file}: expected lines 'German :: English' with example sentences, found none")
    return DeEnPairs(german=german, english=english, lexicon=lexicon)


def load_de_en() -> DeEnPairs:
    """The fetched data set (verified by checksum), parsed by :func:`parse_de_en`."""
    from . import path

    return parse_de_en(path("de_en"))
