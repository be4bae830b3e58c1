"""lstm_edu.data: fetching, checksums, clear errors, nothing overwritten by a failed fetch."""
from __future__ import annotations

import hashlib

import pytest

import lstm_edu.data as data
from lstm_edu.data.__main__ import main as data_main

CONTENT = b"call me Ishmael\n"


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """A registered toy data set whose fetch writes CONTENT (or whatever ``toy.payload`` holds)."""
    monkeypatch.setenv("LSTM_EDU_DATA", str(tmp_path / "data"))
    state = {"payload": CONTENT, "calls": 0}

    def fetch(folder):
        state["calls"] += 1
        (folder / "toy.txt").write_bytes(state["payload"])

    dataset = data.DataSet(name="toy", source="a test", license="none", citation="none",
                           files={"toy.txt": hashlib.sha256(CONTENT).hexdigest()}, fetch=fetch)
    data.load_registry()
    monkeypatch.setitem(data.REGISTRY, "toy", dataset)
    return state


def test_fetch_then_path_returns_the_verified_file(toy, tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m lstm_edu.data fetch toy"):
        data.path("toy")
    assert data.fetch(["toy"], log=lambda _: None) == {"toy": "fetched"}
    assert data.path("toy").read_bytes() == CONTENT
    assert data.path("toy") == tmp_path / "data" / "toy" / "toy.txt"
    assert data.fetch(["toy"], log=lambda _: None) == {"toy": "ok"} and toy["calls"] == 1  # not fetched again


def test_a_corrupt_file_is_refused_and_refetched(toy):
    data.fetch(["toy"], log=lambda _: None)
    data.path("toy").write_bytes(b"truncated")
    with pytest.raises(FileNotFoundError, match="corrupt"):
        data.path("toy")
    assert data.verify("toy")[0].endswith(f"expected {hashlib.sha256(CONTENT).hexdigest()})")
    assert data.fetch(["toy"], log=lambda _: None) == {"toy": "fetched"}
    assert data.path("toy").read_bytes() == CONTENT


def test_a_failed_fetch_leaves_the_previous_files_alone(toy):
    data.fetch(["toy"], log=lambda _: None)
    target = data.path("toy")
    target.write_bytes(b"a reader's own edit")  # corrupt, so a fetch is attempted ...
    toy["payload"] = b"a different file upstream"  # ... and delivers the wrong bytes
    outcome = data.fetch(["toy"], log=lambda _: None)
    assert outcome["toy"].startswith("failed: toy.txt has SHA-256")
    assert target.read_bytes() == b"a reader's own edit"
    assert [p.name for p in target.parent.parent.iterdir()] == ["toy"]  # no temporary folder left


def test_bad_names_and_files(toy):
    with pytest.raises(ValueError, match="name: expected one of"):
        data.path("nope")
    with pytest.raises(TypeError, match="name"):
        data.path(3)
    with pytest.raises(ValueError, match="file: expected one of"):
        data.path("toy", "other.txt")
    with pytest.raises(ValueError, match="files"):
        data.DataSet(name="x", source="", license="", citation="", files={"a": "short"}, fetch=print)
    with pytest.raises(TypeError, match="fetch"):
        data.DataSet(name="x", source="", license="", citation="", files={"a": "0" * 64}, fetch=None)


def test_command_line(toy, capsys):
    assert data_main(["verify", "toy"]) == 1
    assert data_main(["fetch", "toy"]) == 0
    assert "1 of 1 data sets present and verified" in capsys.readouterr().out
    assert data_main(["verify", "toy"]) == 0
    assert data_main(["fetch", "nope"]) == 2
    assert "NAME: expected some of" in capsys.readouterr().err


def test_every_registered_data_set_names_its_source_license_and_citation():
    data.load_registry()
    assert "moby_dick" in data.REGISTRY
    for dataset in data.REGISTRY.values():
        assert dataset.source and dataset.license and dataset.citation


def test_moby_dick_is_fetched_and_verified_by_the_set_up_command():
    """The set-up command has fetched it (scripts/setup_env.sh); the file matches its checksum."""
    from lstm_edu.data.moby_dick import load_text

    text = load_text()
    assert text.startswith("CHAPTER 1. Loomings.") and len(text) > 1_000_000
