"""The malformed-spec corpus: each fixture states, in trailing comments, what the CLI must say.

Helpers live here (not in an importable module) because tests run with
`--import-mode=importlib`; `pytest_generate_tests` feeds every fixture to tests
that take a `corpus_fixture` argument.

A fixture is `corpus/<category>/<name>.yaml` (helper files sit in subfolders and
are not fixtures themselves). Its comment lines give the expectations:

    # expect: 7: unknown op 'conv2'        error at line 7 of this file
    # expect: 7:12: ...                    ... and column 12
    # expect: parent.yaml:3: ...           an error located in another file
    # expect: -: ...                       an error with no source position (CLI arguments)
    # hint: did you mean 'conv2d'?         a hint line that must be printed
    # command: analyze --format json       the subcommand (default `validate`); {out} is a scratch folder,
                                           {dir} this fixture's folder, {spec} the fixture (default: last)
    # args: -p depth=3                     more arguments; the spec path goes last
    # absent: model.onnx                   a file the failed command must not leave in {out}
    # spec: none                           the command takes no spec (e.g. `run {dir}/junk.onnx`)

Several `expect` lines must all be reported, in the order given (sorted by position).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "corpus"
_COMMENT = re.compile(rb"^#\s*(expect|hint|command|args|absent|spec)\s*:\s?(.*?)\s*$")
_WHERE = re.compile(r"^(?:(?P<file>[^:\s]+\.ya?ml):)?(?P<line>\d+|-)(?::(?P<col>\d+))?:\s*(?P<text>.*)$")


@dataclass(frozen=True)
class Expected:
    """One error the CLI must report: where (None: no position) and a fragment of its text."""

    file: str
    line: int | None
    col: int | None
    text: str

    def pattern(self) -> re.Pattern[str]:
        if self.line is None:
            return re.compile(re.escape(self.text))
        where = f"{self.file}:{self.line}:" + (f"{self.col}:" if self.col else "")
        return re.compile(rf"(^|[/\\]){re.escape(where)}.*{re.escape(self.text)}")


@dataclass
class Fixture:
    """A malformed spec and what running the CLI on it must print."""

    path: Path
    expects: list[Expected] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    command: list[str] = field(default_factory=lambda: ["validate"])
    args: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    spec_argument: bool = True
    """False (`# spec: none`) for commands that take no spec, such as `run model.onnx`."""

    @property
    def id(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"

    def argv(self, out: Path) -> list[str]:
        """The command line, with {out}, {dir} and {spec} filled in."""
        words = [w.replace("{out}", str(out)).replace("{dir}", str(self.path.parent))
                 for w in self.command + self.args]
        spec = str(self.path)
        if "{spec}" in " ".join(words):
            return [w.replace("{spec}", spec) for w in words]
        return words + [spec] if self.spec_argument else words


def read_fixture(path: Path) -> Fixture:
    """Parse a fixture's expectation comments (the file itself may be any bytes)."""
    fixture = Fixture(path)
    for raw in path.read_bytes().splitlines():
        found = _COMMENT.match(raw.strip())
        if not found:
            continue
        kind, value = found.group(1).decode(), found.group(2).decode("utf-8")
        if kind == "expect":
            fixture.expects.append(_expected(value, path))
        elif kind == "hint":
            fixture.hints.append(value)
        elif kind == "command":
            fixture.command = shlex.split(value)
        elif kind == "args":
            fixture.args = shlex.split(value)
        elif kind == "spec":
            fixture.spec_argument = value != "none"
        else:
            fixture.absent.append(value)
    if not fixture.expects:
        raise ValueError(f"{path}: a fixture needs at least one `# expect:` line")
    return fixture


def _expected(value: str, path: Path) -> Expected:
    found = _WHERE.match(value)
    if not found:
        raise ValueError(f"{path}: cannot read `# expect: {value}`")
    line = None if found["line"] == "-" else int(found["line"])
    col = int(found["col"]) if found["col"] else None
    return Expected(found["file"] or path.name, line, col, found["text"])


def all_fixtures() -> list[Fixture]:
    """Every fixture in the corpus, in a stable order."""
    return [read_fixture(p) for p in sorted(CORPUS.glob("*/*.yaml"))]


def error_records(stderr: str) -> list[str]:
    """The lines of the CLI's stderr that are not hints: errors, then the 'N errors' summary."""
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith("  hint:")]


def check_output(fixture: Fixture, stderr: str) -> list[str]:
    """What is wrong with the CLI's stderr for this fixture (empty: all expectations met)."""
    problems: list[str] = []
    records = error_records(stderr)
    last = -1
    for expected in fixture.expects:
        pattern = expected.pattern()
        hits = [i for i, record in enumerate(records) if pattern.search(record)]
        if not hits:
            problems.append(f"no error matches {expected}")
        elif max(hits) <= last:
            problems.append(f"{expected} is reported out of order")
        else:
            last = min(i for i in hits if i > last)
    for hint in fixture.hints:
        if not any(line.startswith("  hint:") and hint in line for line in stderr.splitlines()):
            problems.append(f"no hint contains {hint!r}")
    return problems


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "corpus_fixture" in metafunc.fixturenames:
        found = all_fixtures()
        metafunc.parametrize("corpus_fixture", found, ids=[f.id for f in found])


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]):  # noqa: ANN201 - returns the runner below
    """Run `archdsl.cli.main(argv)` in-process: (exit status, stdout, stderr)."""
    from archdsl.cli import main

    def run(argv: list[str]) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            status = main(argv)
        except SystemExit as exc:  # argparse's own usage errors
            status = exc.code if isinstance(exc.code, int) else 2
        out, err = capsys.readouterr()
        return status, out, err

    return run


@pytest.fixture
def corpus_problems():  # noqa: ANN201 - returns check_output
    """`check_output(fixture, stderr)`: what the CLI failed to say about a fixture."""
    return check_output


@pytest.fixture(scope="session")
def corpus_fixture_ids() -> list[str]:
    """`category/name` of every fixture."""
    return [f.id for f in all_fixtures()]
