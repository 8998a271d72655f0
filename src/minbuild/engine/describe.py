"""A plan as a person reads it: every build's command line, ready to paste into a shell."""

from __future__ import annotations

from minbuild.engine.planner import Plan
from minbuild.rust import choice


def describe_plan(plan: Plan) -> str:
    """Per build, the line a person can paste into a shell to make it (or why it is skipped)."""
    toolchain = plan.toolchain
    lines = [
        f"# toolchain: {toolchain.label}, commit {toolchain.commit[:12]}; "
        f"run from {plan.project.crate_dir}",
        *(f"#   {line}" for line in choice.lines(plan.resolution.choice)),
    ]
    if plan.pending_check is not None:
        lines.append(
            f"#   not yet confirmed that {toolchain.label} builds the crate: a run's first build "
            "checks it (a dry run builds nothing)"
        )
    if plan.shard:
        share = ", ".join(b.label for b in plan.builds) or "nothing"
        lines.append(f"# shard {plan.shard.label()}: {share}")
    if plan.prelude:
        makers = ", ".join(b.label for b in plan.prelude)
        lines.append(f"# first, for the fixtures the tests use: {makers}")
    if plan.parallel > 1:
        lines.append(f"# {plan.parallel} lanes at once, each building whole target dirs:")
        for lane in plan.lanes():
            dirs = ", ".join(dict.fromkeys(b.invocation.target_dir.name for b in lane))
            lines.append(f"#   {', '.join(b.label for b in lane)} (in {dirs})")
    lines.append("")
    for build in (*plan.prelude, *plan.builds):
        lines.append(f"# {build.stage.index} {build.label}: {build.stage.description}")
        lines.append(f"# skipped: {build.skip}" if build.skip else build.invocation.shell())
        target = build.target
        if target and target.link and not build.skip:
            lines.append(
                f"# then its staticlib is linked into a .so by {target.link_program} -shared "
                "-Wl,--gc-sections, exporting only crate.staticlib.exports"
            )
        if target and build.platform_library and not build.skip:
            sources = " ".join(str(source) for source in target.platform)
            lines.append(f"# the platform's host library: {build.platform_library} from {sources}")
        if build.runner and not build.skip:
            lines.append(f"# its tests run under: {' '.join(build.runner)}")
        lines.append("")
    return "\n".join(lines)
