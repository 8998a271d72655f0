"""The docs site's generated reference pages: every command, option and key is there with its
meaning, and the schemas' published address is the docs site's."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from minbuild.cli import reference
from minbuild.commands.option import declared
from minbuild.commands.registry import COMMANDS
from minbuild.util import schemas
from tests.conftest import REPO


def _section(markdown: str, heading: str) -> str:
    markdown = f"\n{markdown}"
    start = markdown.index(f"\n## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end != -1 else None]


def test_every_command_has_a_section_with_each_of_its_options() -> None:
    page = reference.cli_markdown()
    for command in COMMANDS:
        section = _section(page, command.name)
        for name, option, _ in declared(command.options):
            if name in command.leave_out or name == "state_dir":
                continue
            assert f"`{option.flag}" in section, f"{command.name}: {option.flag}"
            assert option.help.split("(")[0].strip()[:30] in section.replace("\\|", "|")


def test_every_exit_code_is_listed_once_with_its_meaning() -> None:
    exits = _section(reference.cli_markdown(), "Exit codes")
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", exits, re.M)
    assert sorted(int(code) for code, _ in rows) == [0, 1, 2, 3, 4, 130]
    assert all(meaning.strip() for _, meaning in rows)


def test_every_key_of_every_file_a_person_writes_says_what_it_means() -> None:
    page = reference.files_markdown()
    rows = re.findall(r"^\| `([^`]+)` \| .* \| (.*) \|$", page, re.M)
    assert len(rows) > 60
    unexplained = [key for key, meaning in rows if not meaning.strip()]
    assert not unexplained
    for key in schemas.schema("project")["properties"]:
        assert f"| `{key}` |" in _section(page, "project")


def test_a_required_key_says_so_and_a_default_is_the_schemas() -> None:
    project = _section(reference.files_markdown(), "project")
    assert re.search(r"^\| `crate\.manifest` \| string \| required \|", project, re.M)
    assert re.search(r"^\| `test_timeout` \| number \| `30\.0` \|", project, re.M)
    assert re.search(r"^\| `feature_sets\.<name>` \| list of string \|  \|", project, re.M)


def test_the_schemas_are_published_where_the_docs_site_is() -> None:
    site = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    assert site["site_url"] == schemas.DOCS_URL
    assert schemas.published_url("project") == f"{site['site_url']}schema/v1/project.schema.json"


def test_the_published_schemas_are_the_ones_minbuild_reads(tmp_path: Path) -> None:
    written = reference.write_schemas(tmp_path / "v1")
    assert {p.name for p in written} == {f"{k}.schema.json" for k in reference.FILE_KINDS}
    for path in written:
        kind = path.name.removesuffix(".schema.json")
        assert yaml.safe_load(path.read_text(encoding="utf-8")) == schemas.schema(kind)


def test_the_cli_reference_is_the_same_on_every_machine() -> None:
    page = reference.cli_markdown()
    assert str(Path.home()) not in page and "/root/" not in page
    assert "(default: one per core)" in page
