"""Where the bytes are, asked of cargo-bloat, llvm-size, twiggy and cargo size, and of
minbuild, on the same binaries: by crate, by symbol, by section, and between two stages."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import peer_tables as tables
from elftools.elf.elffile import ELFFile
from peer_common import (
    BEFORE,
    STAGE,
    Page,
    Subject,
    as_peer_command,
    first_error,
    installed,
    minbuild,
    stage_of,
    timed,
)
from peer_tables import Function

from minbuild.measure.binaries import Origins, read_composition
from minbuild.measure.symbols import cleaned
from minbuild.runs.records import RunRecord, StageRecord, latest, load

NO_ORIGINS = Origins(frozenset(), frozenset())


def text_digest(path: Path) -> str:
    with path.open("rb") as handle:
        text = ELFFile(handle).get_section_by_name(".text")
        return hashlib.sha256(text.data() if text is not None else b"").hexdigest()[:12]


def bloat(
    stage: StageRecord, target_dir: Path
) -> tuple[dict[str, object], dict[str, object], Path, float, float]:
    """cargo-bloat's crates and functions (std split into its crates) for the stage's build,
    the binary it analyzed, and its times: with the build, then the analysis alone."""
    args, env, cwd = as_peer_command(stage, target_dir)
    common = ["cargo", "bloat", *args, "--split-std", "-n", "0", "--message-format", "json"]
    crates, with_build = timed([*common, "--crates"], env=env, cwd=cwd)
    functions, alone = timed(common, env=env, cwd=cwd)
    analyzed = next(
        Path(line.split("Analyzing", 1)[1].strip())
        for line in crates.stderr.splitlines()
        if "Analyzing" in line
    )
    return json.loads(crates.stdout), json.loads(functions.stdout), analyzed, with_build, alone


def ours(artifact: Path) -> tuple[list[Function], dict[str, int], int, float]:
    started = time.monotonic()
    composition = read_composition(artifact, NO_ORIGINS, top=None)
    seconds = time.monotonic() - started
    functions = [Function(s.name, s.size, s.crate) for s in composition.symbols]
    crates = {c.name: c.size for c in composition.crates}
    return functions, crates, composition.code_size, seconds


def theirs(functions: dict[str, object]) -> list[Function]:
    listed = functions["functions"]
    assert isinstance(listed, list)
    return [Function(f["name"], f["size"], f.get("crate") or "[Unknown]") for f in listed]


def attribution(subject: Subject, run: RunRecord, page: Page) -> None:
    stage = stage_of(run, STAGE)
    artifact = Path(stage.artifact or "")
    page.add(f"### Attribution: the {STAGE} stage's binary ({stage.size_bytes:,} B)", "")
    if not installed("cargo-bloat", page):
        return
    crates_json, functions_json, analyzed, with_build, alone = bloat(
        stage, subject.scratch / f"bloat-{STAGE}"
    )
    # minbuild reads the binary cargo-bloat analyzed: the same bytes, symbols kept even where
    # the crate's own profile strips them from the stage's artifact
    our_functions, our_crates, code, reading = ours(analyzed)
    their_functions = theirs(functions_json)
    same = text_digest(analyzed) == text_digest(artifact)
    kept = stage.composition is not None and stage.composition.symbol_source != "none"
    page.add(
        f"cargo-bloat rebuilt the stage with strip=false ({analyzed.stat().st_size:,} B, symbols "
        f"and std's debug info kept); its .text is "
        + (
            f"byte for byte the stage's (sha256 {text_digest(artifact)})"
            if same
            else "the stage's size, not its bytes (where code lands moved: the build's paths "
            "differ)"
        )
        + ". Both tools read that binary. "
        + (
            ""
            if kept
            else "The stage's own artifact has no symbol table (the crate's release profile "
            "says strip = true), so minbuild's run document has its sections and no crates: "
            "read unstripped, as here, its code is counted as for the other crates. "
        )
        + f"cargo-bloat took {with_build:.1f} s with its build, {alone:.1f} s to analyze a "
        f"built binary; minbuild reads a composition in {reading:.2f} s, as part of every stage.",
        "",
    )
    listed = crates_json["crates"]
    assert isinstance(listed, list)
    their_crates = {c["name"]: c["size"] for c in listed}
    rows = tables.crate_rows(their_crates, our_crates, code)
    page.table(
        ["crate", "cargo-bloat", "minbuild", "Δ pts of .text"],
        [
            [
                r.crate,
                f"{r.theirs:,}",
                f"{r.ours:,}",
                f"{r.points:+.1f}" + (" **⚑**" if r.flagged else ""),
            ]
            for r in rows
            if r.theirs or r.ours
        ],
    )
    listed_bytes = sum(f.size for f in their_functions)
    page.add(
        f"`[unattributed]` is .text no symbol covers (the padding that aligns functions): "
        f"cargo-bloat's functions sum to {listed_bytes:,} of the {code:,} B, and it does not "
        f"list the other {code - listed_bytes:,} B; minbuild names them.",
        "",
    )
    join = tables.join_symbols(our_functions, their_functions)
    page.add(
        f"Functions: {join.matched} of {len(our_functions)} (minbuild) and {len(their_functions)} "
        f"(cargo-bloat) have the same name and size; {len(join.only_ours)} only minbuild's, "
        f"{len(join.only_theirs)} only cargo-bloat's. Counted under different crates:",
        "",
    )
    page.table(
        ["bytes", "pts", "functions", "minbuild", "cargo-bloat", "why", "largest"],
        [
            [
                f"{d.size:,}",
                tables.points(d.size, code),
                d.count,
                d.ours,
                d.theirs,
                tables.REASONS[d.reason].format(ours=d.ours, theirs=d.theirs),
                f"`{d.example[:90]}`",
            ]
            for d in join.disagreements
        ],
    )
    top_theirs = sorted(their_functions, key=lambda f: -f.size)[:10]
    named = {(f.name, f.size) for f in our_functions}
    page.add(
        f"cargo-bloat's ten largest functions: {sum((f.name, f.size) in named for f in top_theirs)}"
        " of 10 are in minbuild's list with the same name and size.",
        "",
    )
    sections(artifact, stage, page)


def sections(artifact: Path, stage: StageRecord, page: Page) -> None:
    """llvm-size -A beside minbuild's sections, both summed up to the file."""
    if not installed("llvm-size", page) or stage.composition is None:
        return
    done, seconds = timed(["llvm-size", "-A", str(artifact)])
    theirs = tables.llvm_sections(done.stdout)
    with artifact.open("rb") as handle:
        every = {s.name: s for s in ELFFile(handle).iter_sections() if s.name}
        left_out = {n: s["sh_size"] for n, s in every.items() if n not in theirs}
        zero_filled = {n for n, s in every.items() if s["sh_type"] == "SHT_NOBITS"}
    ours = {s.name: s.size for s in stage.composition.sections}
    named = [n for n in ours if n in theirs]
    differ = [f"{n} {theirs[n]:,} against {ours[n]:,}" for n in named if ours[n] != theirs[n]]
    in_file = sum(size for n, size in theirs.items() if n not in zero_filled)
    file_size = artifact.stat().st_size
    headers = file_size - in_file - sum(left_out.values())
    page.add(
        f"Sections: llvm-size -A ({seconds:.2f} s) lists {len(theirs)}; of the {len(named)} "
        f"minbuild names on their own, {len(named) - len(differ)} have the same size"
        + (f" ({'; '.join(differ)})" if differ else "")
        + f". llvm-size leaves out {', '.join(sorted(left_out))} ({sum(left_out.values()):,} B), "
        f"and its total counts {', '.join(sorted(zero_filled))}, which take no room in the file. "
        f"Its sections in the file, {in_file:,} B, plus those it leaves out, plus headers and "
        f"padding ({headers:,} B) make the file's {file_size:,} B; minbuild's sections in the "
        f"file sum to {sum(s.size for s in stage.composition.sections if s.in_file):,} B, with "
        f"[headers, padding] {ours.get('[headers, padding]', 0):,} B.",
        "",
    )


def stage_diff(subject: Subject, run: RunRecord, page: Page) -> None:
    page.add(f"### Stage diff: {BEFORE} → {STAGE}", "")
    if not installed("cargo-bloat", page):
        return
    kept = [stage_of(run, name).composition for name in (BEFORE, STAGE)]
    if not all(c is not None and c.symbol_source != "none" for c in kept):
        page.add(
            "The two stages' artifacts have no symbol table (the crate's profile strips them): "
            "size-report --diff compares their sections only, and no crate or symbol; "
            "cargo-bloat builds copies of its own to read.",
            "",
        )
        return
    sides = []
    for name in (BEFORE, STAGE):
        _, functions, *_ = bloat(stage_of(run, name), subject.scratch / f"bloat-{name}")
        sides.append(theirs(functions))
    their_crates = tables.moved(tables.by_crate(sides[0]), tables.by_crate(sides[1]))
    their_symbols = tables.moved(tables.by_name(sides[0]), tables.by_name(sides[1]))
    done, _ = minbuild(
        [
            "size-report",
            "--state-dir",
            str(subject.state),
            "--diff",
            f"{BEFORE},{STAGE}",
            "--format",
            "json",
            "--bytes",
        ],
        subject.crate_dir,
    )
    diff = json.loads(done.stdout)["diffs"][0]
    ours_crates = {c["name"]: c["delta"] for c in diff["crates"]}
    rows = [
        [n, f"{their_crates.get(n, 0):+,}", f"{ours_crates.get(n, 0):+,}"]
        for n in sorted(
            set(their_crates) | set(ours_crates),
            key=lambda n: -abs(ours_crates.get(n, their_crates.get(n, 0))),
        )[:12]
    ]
    page.add(f".text {diff['code_delta_bytes']:+,} B in both (the same binaries). By crate:", "")
    page.table(["crate", "cargo-bloat by hand", "size-report --diff"], rows)
    same_crates = sum(their_crates.get(n, 0) == d for n, d in ours_crates.items())
    page.add(
        f"{same_crates} of {len(ours_crates)} crates move by the same bytes in both; the others "
        "differ by the attribution rules above, each tool consistent with its own table.",
        "",
    )
    movers = diff["symbols"][:15]
    agree = sum(their_symbols.get(m["name"], 0) == m["delta"] for m in movers)
    page.add(
        f"The {len(movers)} largest symbol moves size-report names: {agree} move by the same "
        "bytes in cargo-bloat's diff.",
        "",
    )
    page.table(
        ["symbol", "cargo-bloat by hand", "size-report --diff"],
        [
            [f"`{m['name'][:80]}`", f"{their_symbols.get(m['name'], 0):+,}", f"{m['delta']:+,}"]
            for m in movers
        ],
    )


def wasm(subject: Subject, page: Page) -> None:
    """twiggy beside minbuild's breakdown of the demo's wasm32 module (the lto stage)."""
    page.add("### wasm: twiggy on the wasm32-unknown-unknown module", "")
    if not installed("twiggy", page):
        return
    minbuild(
        [
            "cross-build",
            "--config",
            str(subject.config),
            "--state-dir",
            str(subject.state),
            "--targets",
            "wasm32-unknown-unknown",
            "--stage",
            STAGE,
        ],
        subject.crate_dir,
        check=False,
    )
    run = load(latest(subject.state / "runs"))
    stage = next(s for s in run.stages if s.name == STAGE and s.target == "wasm32-unknown-unknown")
    if stage.artifact is None:
        page.add(f"(the wasm32 {STAGE} stage failed: {stage.reason}; see `minbuild doctor`)", "")
        return
    module = Path(stage.artifact)
    composition = read_composition(module, NO_ORIGINS, top=None)
    top, seconds = timed(["twiggy", "top", "--format", "json", str(module)])
    # twiggy prints v0 names with their crate disambiguators (tvm_wasm[6f02f1da3b841d32]),
    # which minbuild drops: compared without them
    items = [{**i, "name": cleaned(i["name"])} for i in json.loads(top.stdout)]
    ours = {s.name: s.size for s in composition.symbols}
    named = [i for i in items if i["name"] in ours]
    explained = sum(tables.twiggy_overhead(i["shallow_size"], ours[i["name"]]) == 0 for i in named)
    page.add(
        f"The module: {module.stat().st_size:,} B, code section {composition.code_size:,} B. "
        f"twiggy top ({seconds:.2f} s) lists {len(items)} items (functions, data segments, "
        f"tables, the name section). minbuild's breakdown names {len(ours)} functions; twiggy "
        f"lists {len(named)} items under those names (its v0 crate hashes dropped: a name can "
        f"be two functions), and for {explained} of them its size is minbuild's plus the "
        "body's LEB128 length prefix and the function section's one-byte type index: twiggy "
        "counts what a function costs the module, minbuild its code body.",
        "",
    )
    rows = []
    for item in sorted(items, key=lambda i: -i["shallow_size"])[:8]:
        rows.append(
            [
                f"`{item['name'][:70]}`",
                f"{item['shallow_size']:,}",
                f"{ours[item['name']]:,}" if item["name"] in ours else "—",
            ]
        )
    page.table(["item (twiggy top)", "twiggy shallow B", "minbuild B"], rows)
    dominators, seconds = timed(
        ["twiggy", "dominators", "-d", "2", "--format", "json", str(module)]
    )
    root = json.loads(dominators.stdout)["items"][0]
    functions = [c for c in root.get("children", []) if cleaned(c["name"]) in ours]
    biggest = max(functions, key=lambda c: c["retained_size"])
    page.add(
        f"twiggy dominators ({seconds:.2f} s) answers what minbuild does not: what removing a "
        f"function would free. Of the functions under its root, `{cleaned(biggest['name'])}` "
        f"retains the most: {biggest['shallow_size']:,} B of its own, "
        f"{biggest['retained_size']:,} B with what only it reaches. "
        "minbuild reads no call graph; `minbuild feature-cost` measures a removal by building "
        "without it.",
        "",
    )


def cargo_size(run: RunRecord, scratch: Path, page: Page) -> None:
    page.add("### cargo size", "")
    if not installed("cargo-size", page):
        return
    stage = stage_of(run, STAGE)
    args, env, cwd = as_peer_command(stage, scratch / "size-target")
    at = args.index("--target-dir")  # cargo size takes none: cargo reads it from the environment
    env["CARGO_TARGET_DIR"] = args[at + 1]
    size = ["cargo", "size", *args[:at], *args[at + 2 :], "--", "-A"]
    done, seconds = timed(size, env=env, cwd=cwd, check=False)
    if done.returncode != 0:
        page.add(
            f"cargo size on the {STAGE} stage failed in {seconds:.1f} s: “{first_error(done)}”", ""
        )
        return
    printed = tables.llvm_sections(done.stdout)
    ours = {s.name: s.size for s in stage.composition.sections} if stage.composition else {}
    same = sum(ours.get(n) == size for n, size in printed.items() if n in ours)
    page.add(
        f"cargo size ({seconds:.1f} s, its build included) printed {len(printed)} sections; "
        f"{same} of the {sum(n in ours for n in printed)} minbuild names agree.",
        "",
    )
