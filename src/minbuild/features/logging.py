"""Which features compile a crate's logging out: its own switch, or `max_level_off` on the
logging crates it depends on directly."""

from __future__ import annotations

from collections import deque
from typing import Any

from minbuild.rust.cargo import Crate

LOGGERS = ("log", "tracing")  # crates whose `max_level_off` compiles every statement out
OWN_SWITCHES = ("disable-logging", "disable_logging")  # a crate's own forwarding feature


def disable_logging(crate: Crate, graph: Any) -> tuple[list[str], list[str]]:
    """The features that compile logging out, and the comment that explains them."""
    own = [f for f in OWN_SWITCHES if f in crate.features]
    if own:
        return own, [f"disable-logging adds these: {crate.name}'s own `{own[0]}` feature."]
    direct = [d for d in LOGGERS if d in crate.dependencies and _has_off_switch(graph, d)]
    chosen = [f"{d}{'?' if d in crate.optional_dependencies else ''}/max_level_off" for d in direct]
    comment = [
        "disable-logging adds these: `max_level_off` on the logging crates "
        f"{crate.name} depends on directly ({', '.join(direct) or 'none'})."
    ]
    transitive = [d for d in _reachable(graph, crate) if d in LOGGERS and d not in direct]
    for name in transitive:
        comment.append(
            f"{name} is only a dependency of a dependency: to compile its statements out, add "
            f'{name} to [dependencies] and a feature disable-logging = ["{name}/max_level_off"] '
            "to Cargo.toml (what Wasmtime's disable-logging does), then list it here."
        )
    return chosen, comment


def _has_off_switch(graph: Any, name: str) -> bool:
    return any(p["name"] == name and "max_level_off" in p["features"] for p in graph["packages"])


def _reachable(graph: Any, crate: Crate) -> set[str]:
    """Names of every package the crate's normal dependency graph reaches."""
    names = {p["id"]: p["name"] for p in graph["packages"]}
    nodes = {n["id"]: n for n in (graph.get("resolve") or {}).get("nodes", [])}
    start = next((i for i, p in names.items() if p == crate.name and i in nodes), None)
    seen: set[str] = set()
    queue = deque([start] if start else [])
    while queue:
        for dep in nodes[queue.popleft()].get("deps", []):
            kinds = {k.get("kind") for k in dep.get("dep_kinds", [{}])}
            if dep["pkg"] not in seen and None in kinds:
                seen.add(dep["pkg"])
                queue.append(dep["pkg"])
    return {names[i] for i in seen}
