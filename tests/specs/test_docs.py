"""Generated documentation stays in step with the code: the op reference in
docs/spec-language.md, the library table and the diff and lint examples in README.md, the
guide's example specs and key table, and every relative link in README.md and docs/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import archdsl
from archdsl.cli.library import entries
from archdsl.cli.library import markdown as library_markdown
from archdsl.cli.ops import END, START, replace_section, selected
from archdsl.cli.ops import markdown as ops_markdown
from archdsl.spec.library import library_root
from archdsl.spec.schema import SpecFile

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "spec-language.md"
README = ROOT / "README.md"
DOCS = [README, *sorted((ROOT / "docs").glob("*.md"))]


def section(text: str, start: str, end: str) -> str | None:
    head, found, rest = text.partition(start)
    body, found_end, _ = rest.partition(end)
    return body if found and found_end else None


def test_op_reference_is_generated_from_the_registry() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    assert replace_section(text, ops_markdown(selected([]))) == text, (
        "docs/spec-language.md's op reference is stale: run `archdsl ops --format markdown --write docs/spec-language.md`"
    )


def test_every_op_is_in_the_reference() -> None:
    body = section(GUIDE.read_text(encoding="utf-8"), START, END) or ""
    assert all(f"#### `{op.name}`" in body for op in selected([]))


def test_readme_library_table_is_the_list_command_output() -> None:
    body = section(README.read_text(encoding="utf-8"), "<!-- library-table:start -->", "<!-- library-table:end -->")
    if body is None:
        pytest.skip("README.md has no <!-- library-table:start --> … <!-- library-table:end --> section yet")
    assert body.strip() == library_markdown(entries()).strip(), (
        "README.md's library table is stale: paste the output of `archdsl list --format markdown`"
    )


def guide_specs() -> list[str]:
    """The guide's YAML examples that are whole specs (a graph, or a variant of a library spec)."""
    blocks = re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    return [b for b in blocks if b.startswith("archdsl: 1") and ("\ngraph:" in b or "\nextends:" in b)]


@pytest.mark.parametrize("text", guide_specs(), ids=lambda t: re.search(r"name: (\S+)", t)[1])  # type: ignore[index]
def test_guide_examples_are_valid_specs(text: str, tmp_path: Path) -> None:
    root = library_root()
    text = re.sub(r"^(extends|use): (\[?)(\S)", lambda m: f"{m[1]}: {m[2]}{root}/{m[3]}", text, flags=re.M)
    path = tmp_path / "example.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = archdsl.load(path)
    library = root / f"{loaded.spec.name}.yaml"
    if library.is_file():  # the guide shows a library spec: it must analyse to the same figures
        assert loaded.analyze().totals == archdsl.load(library).analyze().totals


def test_ops_command_writes_the_section_and_names_unknown_ops(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from archdsl.cli import main

    doc = tmp_path / "guide.md"
    doc.write_text(f"# Guide\n\n{START}\nold\n{END}\n\nmore\n", encoding="utf-8")
    assert main(["ops", "conv2d", "--format", "markdown", "--write", str(doc)]) == 0
    assert doc.read_text(encoding="utf-8") == f"# Guide\n\n{START}\n\n{ops_markdown(selected(['conv2d']))}\n{END}\n\nmore\n"
    assert main(["ops", "relu"]) == 0
    assert capsys.readouterr().out.startswith("relu ")
    assert main(["ops", "conv2"]) == 2
    assert "did you mean 'conv2d'" in capsys.readouterr().err


def test_readme_diff_example_is_the_command_output(capsys: pytest.CaptureFixture[str]) -> None:
    from archdsl.cli import main

    body = section(README.read_text(encoding="utf-8"), "<!-- diff-example:start -->", "<!-- diff-example:end -->")
    assert body is not None, "README.md lost its <!-- diff-example:start --> … <!-- diff-example:end --> section"
    assert main(["diff", "resnet50", "resnext50_32x4d"]) == 0
    head, totals = capsys.readouterr().out.split("\n\n")[:2]  # the header and the totals table
    expected = f"```\n$ archdsl diff resnet50 resnext50_32x4d\n{head}\n\n{totals}\n```"
    assert body.strip() == expected, (
        "README.md's diff example is stale: paste the header and totals of `archdsl diff resnet50 resnext50_32x4d`"
    )


def test_readme_lint_example_is_the_command_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from archdsl.cli import main

    text = README.read_text(encoding="utf-8")
    spec = re.search(r"```yaml\n(# demo.yaml\n.*?)```", text, re.S)  # written as a reader would copy it
    shown = re.search(r"```\n\$ archdsl lint --strict demo.yaml\n(.*?)```", text, re.S)
    assert spec and shown, "README.md lost its lint example (demo.yaml and its output)"
    (tmp_path / "demo.yaml").write_text(spec[1], encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["lint", "--strict", "demo.yaml"]) == 1
    assert capsys.readouterr().out == shown[1]


def guide_key_table() -> str:
    body = section(GUIDE.read_text(encoding="utf-8"), "## The file\n", "\n## ")
    assert body is not None
    return "\n".join(line for line in body.splitlines() if line.startswith("| `"))


@pytest.mark.parametrize("key", [field.alias or name for name, field in SpecFile.model_fields.items()])
def test_every_top_level_key_is_in_the_guide(key: str) -> None:
    assert f"`{key}" in guide_key_table(), f"docs/spec-language.md's key table ('The file') lacks `{key}`"


def relative_links(doc: Path) -> list[str]:
    """Link targets that are paths (no URL scheme, not an in-page anchor), outside code blocks."""
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    return [t.split("#")[0] for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:|#", t)]


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_relative_links_point_at_files_that_exist(doc: Path) -> None:
    missing = [t for t in relative_links(doc) if not (doc.parent / t).exists()]
    assert not missing, f"{doc.relative_to(ROOT)} links to files that do not exist: {missing}"
