"""A state dir on a disk that fills during the run (a 1 MiB tmpfs): one line naming the path and
what is free, exit 3, the run documents written before intact, no half-written one left."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from minbuild.runs import records
from tests.conftest import REPO, run_minbuild
from tests.unit.samples import sample_run

HELLO = REPO / "tests" / "crates" / "hello" / "minbuild.yaml"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs, where this machine lets the test mount one (root, CAP_SYS_ADMIN); the
    unit tests inject the same fault at the write where it does not."""
    place = tmp_path / "tiny"
    place.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(place)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield place
    finally:
        subprocess.run(["umount", "--lazy", str(place)], check=True)


def test_a_full_disk_stops_the_run_with_one_line(cargo: None, tiny_disk: Path) -> None:
    state = tiny_disk / "state"
    earlier = records.save(sample_run(), state / "runs")
    before = earlier.read_bytes()
    result = run_minbuild(
        "min-build", "--config", str(HELLO), "--stages", "release,lto", "--state-dir", str(state)
    )
    assert result.returncode == 3, result.stdout + result.stderr
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("minbuild: error")]
    assert "no space left on its disk (" in error and " free" in error
    assert "free some space, or pass --state-dir on a larger disk" in error
    assert str(state) in error and "Traceback" not in result.stderr
    assert earlier.read_bytes() == before
    documents = sorted((state / "runs").iterdir())
    assert not [p for p in documents if p.suffix != ".json"]  # no temporary file left
    for document in documents:
        records.load(document)  # each one whole
