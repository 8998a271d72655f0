"""MkDocs hooks: the two reference pages are pasted in from minbuild's own declarations at
build time, and the schemas are published under schema/v1/ (the modeline's URL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from minbuild.cli.reference import cli_markdown, files_markdown, write_schemas

GENERATED = {
    "<!-- minbuild:cli-reference -->": cli_markdown,
    "<!-- minbuild:files-reference -->": files_markdown,
}


def on_page_markdown(markdown: str, **_: Any) -> str:
    for marker, generate in GENERATED.items():
        if marker in markdown:
            markdown = markdown.replace(marker, generate())
    return markdown


def on_post_build(config: Any, **_: Any) -> None:
    write_schemas(Path(config["site_dir"]) / "schema" / "v1")
