"""Movie-review sentences with human sentiment ratings (Hutto & Gilbert's VADER ground truth).

10,605 one-sentence snippets of movie reviews from Pang & Lee's sentence-polarity data
(rottentomatoes.com), each rated by at least 20 people on a scale from -4 to +4; the file holds
the mean rating. It ships as ``hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt`` inside
``additional_resources/hutto_ICWSM_2014.tar.gz`` of the *source* archive of
``vaderSentiment==3.3.2`` on PyPI (not the wheel); MIT license.

Each line is ``id <TAB> mean rating <TAB> sentence`` (CRLF line ends). A sentence is
positive when its mean rating is above zero; :func:`load_movie_reviews` drops the 37
sentences rated exactly zero by default.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import DataSet, register
from .fetchers import pip_sdist_file

__all__ = ["MOVIE_REVIEWS", "MovieReviews", "load_movie_reviews", "parse_movie_reviews"]

FILE = "movieReviewSnippets_GroundTruth.txt"

MOVIE_REVIEWS = register(DataSet(
    name="movie_reviews",
    source=("PyPI source archive vaderSentiment==3.3.2, file vaderSentiment-3.3.2/additional_resources/"
            "hutto_ICWSM_2014.tar.gz, member hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt"),
    license="MIT (vaderSentiment, Copyright (c) 2016 C.J. Hutto)",
    citation=("Ratings: C.J. Hutto and Eric Gilbert, VADER: A Parsimonious Rule-based Model for Sentiment "
              "Analysis of Social Media Text, ICWSM 2014. Sentences: Bo Pang and Lillian Lee, Seeing stars: "
              "Exploiting class relationships for sentiment categorization with respect to rating scales, "
              "ACL 2005."),
    files={FILE: "c8293b0d942e90e223ea2c0955d969040d1a1be514a978b9af0698940bd13350"},
    fetch=lambda folder: pip_sdist_file("vaderSentiment==3.3.2",
                                        "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz",
                                        Path(folder) / FILE,
                                        nested=("hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt",)),
))


@dataclass(frozen=True)
class MovieReviews:
    """The sentences, in file order.

    Attributes
    ----------
    ids : numpy.ndarray of int, ``(N,)``
        The sentence number in the file (1-based, as written there).
    texts : list of str
        The sentences as written (quotes appear as two apostrophes, ``''``).
    ratings : numpy.ndarray of float, ``(N,)``
        Mean human rating in [-4, 4].
    labels : numpy.ndarray of int, ``(N,)``
        1 if the rating is above zero, else 0.
    """

    ids: np.ndarray
    texts: list
    ratings: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.texts)


def parse_movie_reviews(file, drop_neutral: bool = True) -> MovieReviews:
    """Read a file in the ground-truth format (``id <TAB> rating <TAB> sentence`` per line).

    Parameters
    ----------
    file : str or Path
    drop_neutral : bool, default True
        Leave out the sentences whose mean rating is exactly 0 (neither label fits).

    Raises
    ------
    ValueError
        A line without exactly three tab-separated columns, an id that is not an integer, a
        rating that is not a number in [-4, 4], or an empty sentence; the message names the
        file, the line number and what was expected.
    """
    file = Path(file)
    ids, texts, ratings = [], [], []
    with open(file, encoding="utf-8", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            columns = line.split("\t")
            where = f"{file}, line {number}"
            if len(columns) != 3:
                raise ValueError(f"{where}: expected 3 tab-separated columns (id, mean rating, sentence), "
                                 f"got {len(columns)}: {line[:80]!r}")
            ident, rating, text = columns
            try:
                ident = int(ident)
            except ValueError:
                raise ValueError(f"{where}, column 1: expected an integer sentence id, "
                                 f"got {ident[:40]!r}") from None
            try:
                rating = float(rating)
            except ValueError:
                raise ValueError(f"{where}, column 2: expected a mean rating (a number in [-4, 4]), "
                                 f"got {rating[:40]!r}") from None
            if not -4.0 <= rating <= 4.0:
                raise ValueError(f"{where}, column 2: expected a mean rating in [-4, 4], got {rating}")
            if not text.strip():
                raise ValueError(f"{where}, column 3: expected a sentence, got an empty column")
            if drop_neutral and rating == 0.0:
                continue
            ids.append(ident)
            texts.append(text.strip())
            ratings.append(rating)
    if not texts:
        raise ValueError(f"{file}: expected lines 'id<TAB>rating<TAB>sentence', found none")
    ratings = np.asarray(ratings, dtype=np.float64)
    return MovieReviews(ids=np.asarray(ids, dtype=np.int64), texts=texts, ratings=ratings,
                        labels=(ratings > 0).astype(np.int64))


def load_movie_reviews(drop_neutral: bool = True) -> MovieReviews:
    """The fetched data set (verified by checksum), parsed by :func:`parse_movie_reviews`."""
    from . import path

    return parse_movie_reviews(path("movie_reviews"), drop_neutral=drop_neutral)
