"""The pull-request comment treats every string of a run document as untrusted: a pull request
wrote the document. Names that are HTML, @mentions, #references, backticks, fences and a name
of a megabyte come out escaped, bounded, and unable to break out of their place."""

from __future__ import annotations

import dataclasses
import re

from minbuild.report.comment import GITHUB_LIMIT, MARKER, comment
from minbuild.report.formats import Report
from minbuild.runs.records import TestResult
from minbuild.runs.rows import compare, reference_from_run, rows
from tests.unit.samples import later_run, sample_run

IMG = "<img src=x onerror=alert(1)>"
HUGE = "x" * 1_000_000
FENCE_BREAK = "done\n```\n<script>alert(1)</script>\n```"
OUR_TAGS = {"!-- minbuild:size-report --", "details", "/details", "summary", "/summary"}


def hostile_report() -> Report:
    run = later_run()
    failing = TestResult("@everyone `` ``` ping", "failed", 0.1, FENCE_BREAK)
    stages = [
        dataclasses.replace(  # noqa: S604 - `shell` is the record's field, not a subprocess
            stage,
            name=f"{stage.name} @octocat #1 {IMG}" if stage.name == "release" else stage.name,
            reason=f"{IMG} {FENCE_BREAK} {HUGE}" if stage.reason else stage.reason,
            first_error=HUGE if stage.first_error else None,
            shell=f"{stage.shell}\n```\n@octocat {IMG}",
            tests=(*stage.tests, failing),
        )
        for stage in run.stages
    ]
    crate = {"name": IMG, "version": f"@octocat {HUGE}", "git_commit": "`` ```"}
    hostile = dataclasses.replace(run, crate=crate, stages=tuple(stages), host=f"{IMG}\n#2")
    reference = reference_from_run(sample_run())
    return Report(hostile, f"run {IMG}", compare(rows(hostile), reference), [], [])


def outside_code(markdown: str) -> str:
    """`markdown` without its fenced blocks and code spans (where GitHub renders no HTML and
    pings no one)."""
    unfenced = re.sub(r"^(`{3,})[^\n]*\n.*?^\1$", "", markdown, flags=re.M | re.S)
    return re.sub(r"(`+)(?!`).+?(?<!`)\1(?!`)", "", unfenced)


def test_no_string_from_the_document_becomes_html_a_mention_or_a_link() -> None:
    text = comment(hostile_report())
    assert text.startswith(MARKER) and len(text) <= GITHUB_LIMIT
    prose = outside_code(text)
    tags = set(re.findall(r"<([^<>]*)>", prose))
    assert tags <= OUR_TAGS, tags - OUR_TAGS
    assert "@octocat" not in prose and "@everyone" not in prose
    assert not re.search(r"(?<![&\w])#\d", prose)  # no #1 that would link an issue
    assert "<script>" not in text


def test_every_fence_a_document_string_opens_is_closed_by_its_own_fence() -> None:
    text = comment(hostile_report())
    open_fence: str | None = None
    for line in text.splitlines():
        found = re.match(r"^(`{3,})", line)
        if found and open_fence is None:
            open_fence = found.group(1)
        elif found and found.group(1) == open_fence and line == open_fence:
            open_fence = None
    assert open_fence is None


def test_a_name_of_a_megabyte_is_cut() -> None:
    text = comment(hostile_report())
    assert "x" * 1000 not in text
    assert "more characters)" in text
