"""The pull-request comment (`size-report --format comment`): one sticky comment that a CI
step finds again by its hidden marker and rewrites on every push. What a reviewer reads first
comes first: builds and budgets in one line, the largest changes, the crates that moved; the
full report is folded below."""

from __future__ import annotations

from minbuild.report.anatomy import movers_markdown
from minbuild.report.formats import Report, budget_lines, markdown
from minbuild.report.table import delta_text, size_text
from minbuild.util.text import first_few, md_code, md_table, md_text

MARKER = "<!-- minbuild:size-report -->"
"""The comment's first line: a CI step looks for it among the pull request's comments and
edits that comment instead of adding another."""
GITHUB_LIMIT = 65_536
"""Characters GitHub takes in one comment."""
TOP_CHANGES = 5


def comment(report: Report, *, exact: bool = False) -> str:
    """The comment's markdown, at most GITHUB_LIMIT characters."""
    run = report.run
    lines = [
        MARKER,
        f"### minbuild: {md_text(run.crate.get('name'))} {md_text(run.crate.get('version'))}",
        "",
        _headline(report),
    ]
    if report.violations:
        budget = budget_lines(report.violations, [], "", report.allowed)[1:]
        lines += ["", *(f"- {md_text(line, 400)}" for line in budget)]
    broke = [(row, [t.name for t in row.record.tests if t.regression]) for row in report.rows]
    if any(names for _, names in broke):
        lines.append("")
        lines += [
            f"- {md_code(row.stage)} ({md_text(row.target)}): tests failed: "
            f"{md_text(first_few(names), 400)}"
            for row, names in broke
            if names
        ]
    changed = sorted(
        (c for c in report.changes if c.delta),
        key=lambda c: abs(c.delta or 0),
        reverse=True,
    )[:TOP_CHANGES]
    if changed:
        lines += ["", f"Largest changes against {report.against}:", ""]
        rows = []
        for change in changed:
            delta, percent = delta_text(change.delta, change.percent)
            then, now = size_text(change.then, exact=exact), size_text(change.now, exact=exact)
            rows.append([md_code(change.stage), md_text(change.target), then, now, delta, percent])
        lines += md_table(["stage", "target", "then", "now", "Δ", "Δ %"], rows, "llrrrr")
    if report.diffs:
        lines += ["", "What moved, by crate:", "", movers_markdown(report.diffs, exact=exact)]
    head = "\n".join(lines)
    full = markdown(report, exact=exact)
    folded = f"\n\n<details><summary>The full report</summary>\n\n{full}\n</details>\n"
    if len(head) + len(folded) > GITHUB_LIMIT:
        folded = "\n\n(The full report is longer than a comment takes: see the job summary.)\n"
    return head + folded


def _headline(report: Report) -> str:
    """Builds, tests and budgets in one line."""
    rows = report.rows
    failed = [row.stage for row in rows if row.status == "failed"]
    built = sum(row.status == "ok" for row in rows)
    parts = [f"**{built} of {len(rows)} builds ok**"]
    if failed:
        parts.append(f"**failed: {md_text(first_few(failed), 400)}**")
    passed, ran = sum(r.tests_passed for r in rows), sum(r.tests_run for r in rows)
    if ran:
        parts.append(f"tests {passed}/{ran} passed")
    if report.violations is not None:
        verdict = budget_lines(report.violations, report.warnings, "", report.allowed)[0]
        parts.append(f"**{verdict}**" if report.violations else verdict)
    sized = [row for row in rows if row.size is not None]
    if sized:
        smallest = min(sized, key=lambda row: row.size or 0)
        parts.append(f"smallest: {md_code(smallest.stage)} {size_text(smallest.size)}")
    if report.run.merged_from:
        parts.append(f"merged from {len(report.run.merged_from)} shards")
    return " · ".join(parts)
