"""book/references.bib is the merge of book/_bib/*.bib (scripts/merge_bib.py)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("lstm_book_merge_bib", ROOT / "scripts" / "merge_bib.py")
merge_bib = importlib.util.module_from_spec(spec)
sys.modules["lstm_book_merge_bib"] = merge_bib
spec.loader.exec_module(merge_bib)

LSTM_1997 = """@article{hochreiter1997long,
  author = {Hochreiter, Sepp and Schmidhuber, J{\\"u}rgen},
  title = {Long Short-Term Memory},
  journal = {Neural Computation},
  year = {1997}
}
"""


def test_references_bib_is_up_to_date() -> None:
    expected = merge_bib.merged_text(sorted((ROOT / "book" / "_bib").glob("*.bib")))
    assert (ROOT / "book" / "references.bib").read_text(encoding="utf-8") == expected, "run `make bib`"


def test_same_entry_in_two_pieces_is_written_once(tmp_path: Path) -> None:
    first, second = tmp_path / "a.bib", tmp_path / "b.bib"
    first.write_text(LSTM_1997)
    second.write_text("% reformatted, same work\n" + LSTM_1997.replace("  ", "    "))
    merged = merge_bib.merged_text([first, second])
    assert merged.count("@article{hochreiter1997long,") == 1
    assert merged.startswith(merge_bib.HEADER)


def test_one_key_for_two_works_is_an_error(tmp_path: Path) -> None:
    first, second = tmp_path / "a.bib", tmp_path / "b.bib"
    first.write_text(LSTM_1997)
    second.write_text(LSTM_1997.replace("1997}", "1998}"))
    with pytest.raises(merge_bib.BibConflict, match="'hochreiter1997long' differs between a.bib and b.bib"):
        merge_bib.merged_text([first, second])


def test_entries_are_sorted_by_key(tmp_path: Path) -> None:
    piece = tmp_path / "a.bib"
    piece.write_text("@misc{zeta2020,\n  title = {Z},\n  year = {2020}\n}\n\n" + LSTM_1997)
    merged = merge_bib.merged_text([piece])
    assert merged.index("hochreiter1997long") < merged.index("zeta2020")
