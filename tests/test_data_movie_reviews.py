"""The movie-review data set: registered with its source, parsed exactly, malformed files refused clearly."""
from __future__ import annotations

import numpy as np
import pytest

import lstm_edu.data as data
from lstm_edu.data.movie_reviews import MOVIE_REVIEWS, load_movie_reviews, parse_movie_reviews


def test_registered_with_source_license_and_citation():
    data.load_registry()
    assert data.REGISTRY["movie_reviews"] is MOVIE_REVIEWS
    assert "vaderSentiment==3.3.2" in MOVIE_REVIEWS.source and "MIT" in MOVIE_REVIEWS.license
    assert "Hutto" in MOVIE_REVIEWS.citation and "Pang" in MOVIE_REVIEWS.citation


def test_parses_a_small_file(tmp_path):
    file = tmp_path / "reviews.txt"
    file.write_bytes(b"1\t2.5\tA ''great'' film.\r\n2\t-0.6\tEffective but too tepid biopic\r\n"
                     # CRLF, no newline at the end, as upstream
                     b"3\t0.0\tIt is a movie.\r\n4\t-3.875\tAwful.")
    reviews = parse_movie_reviews(file)
    assert reviews.texts == ["A ''great'' film.", "Effective but too tepid biopic", "Awful."]
    np.testing.assert_array_equal(reviews.ids, [1, 2, 4])
    np.testing.assert_array_equal(reviews.ratings, [2.5, -0.6, -3.875])
    np.testing.assert_array_equal(reviews.labels, [1, 0, 0])
    everything = parse_movie_reviews(file, drop_neutral=False)
    assert len(everything) == 4 and everything.labels[2] == 0 and everything.ratings[2] == 0.0


@pytest.mark.parametrize("line, message", [
    (b"7\t1.5", r"line 2: expected 3 tab-separated columns \(id, mean rating, sentence\), got 2"),
    (b"7\tgood\tNice.", r"line 2, column 2: expected a mean rating \(a number in \[-4, 4\]\), got 'good'"),
    (b"7\t9.0\tNice.", r"line 2, column 2: expected a mean rating in \[-4, 4\], got 9.0"),
    (b"x7\t1.0\tNice.", r"line 2, column 1: expected an integer sentence id, got 'x7'"),
    (b"7\t1.0\t  ", r"line 2, column 3: expected a sentence"),
])
def test_a_malformed_line_names_the_file_line_and_expectation(tmp_path, line, message):
    file = tmp_path / "broken.txt"
    file.write_bytes(b"1\t2.5\tFine.\r\n" + line + b"\r\n")
    with pytest.raises(ValueError, match=message) as error:
        parse_movie_reviews(file)
    assert str(file) in str(error.value)


def test_the_fetched_file_has_the_stated_counts():
    """The set-up command has fetched it (scripts/setup_env.sh); the counts are those the page states."""
    reviews = load_movie_reviews()
    everything = load_movie_reviews(drop_neutral=False)
    assert len(everything) == 10605 and (everything.ratings == 0).sum() == 37
    assert len(reviews) == 10568 and reviews.labels.sum() == 5242 and (reviews.labels == 0).sum() == 5326
    assert reviews.texts[0].startswith("The Rock is destined to be the 21st Century's new ''Conan''")
    assert -4 <= reviews.ratings.min() < -3.8 and 3.9 < reviews.ratings.max() <= 4
    np.testing.assert_array_equal(everything.ids, np.arange(1, 10606))
