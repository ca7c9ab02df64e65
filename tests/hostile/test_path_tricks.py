"""Specs that try to read outside their own folder tree, or to make archdsl echo a file that is not a spec.

The rule (docs/errors-and-limits.md, "What a spec may read"): every file a spec names
(`extends:`, `use:`, a local `plugins:` module) must resolve, symlinks followed, inside the
folder of the spec the user named (or below it) or the shipped library, unless
`--allow-outside DIR` names its folder; a referenced file that is not a spec is named,
never quoted. Every case is a real `python -m archdsl` process in a fresh tmp folder laid
out as `tree/` (the user's project, holding `model.yaml`) beside `outside/`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.hostile.conftest import Finished, assert_clean_error

REAL = "archdsl: 1\nname: outsider\ninputs: {x: [4]}\ngraph:\n  - fc: {op: linear, out: 3}\n"
"""A genuine spec, placed outside the tree."""
SECRET = "hunter2-do-not-print"
"""A value no error may ever show."""
MARKER = "imported.txt"
"""The outside plugin writes this file (in the working folder) when it is imported."""
PLUGIN = f"from pathlib import Path\nPath('{MARKER}').write_text('yes')\n"


def _spec(reference: str, key: str = "extends") -> str:
    """`model.yaml`: a spec whose only reference is `reference` (line 2)."""
    if key == "use":
        return f"archdsl: 1\nuse: ['{reference}']\ninputs: {{x: [4]}}\ngraph:\n  - fc: {{op: linear, out: 3}}\n"
    return f"archdsl: 1\nextends: '{reference}'\n"


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _symlink(target: str) -> Callable[[Path], None]:
    return lambda path: path.symlink_to(target)


def _binary(path: Path) -> None:
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4)


@dataclass(frozen=True)
class PathCase:
    """A spec in `tree/` that names some file; what archdsl must answer."""

    spec: str
    """The text of tree/model.yaml."""
    expected: tuple[str, ...]
    """Fragments stderr must hold (exit 2), or () for a run that must succeed (exit 0)."""
    files: dict[str, str | Callable[[Path], None]] = field(default_factory=dict)
    """Files under tmp (text, or a function that makes the path: a FIFO, a symlink, binary bytes)."""
    args: tuple[str, ...] = ()
    """Extra arguments before the spec; `{tmp}` is the tmp folder."""
    never: tuple[str, ...] = (SECRET,)
    """Fragments stderr must never hold: what the named file contains."""
    env: dict[str, str] = field(default_factory=dict)


OUTSIDE = "outside the folders a spec may read"

CASES: dict[str, PathCase] = {
    # an absolute system path: refused at the entry, naming the resolved path, the rule and the fix; not read
    "extends_etc_passwd": PathCase(
        _spec("/etc/passwd"), ("model.yaml:2:", "resolves to /etc/passwd", OUTSIDE, "--allow-outside /etc"),
        never=("root:", "/bin/")),
    # allowed, it is still not a spec: said so without a line of it
    "extends_etc_passwd_allowed": PathCase(
        _spec("/etc/passwd"), ("model.yaml:2:", "'/etc/passwd' is not a spec"), args=("--allow-outside", "/etc"),
        never=("root:", "/bin/", "nologin")),
    # `..` climbing out of the tree, whether or not the target exists (no existence oracle)
    "use_dotdot_outside": PathCase(
        _spec("../../outside.yaml", "use"), ("model.yaml:2:", "`use` target '../../outside.yaml' resolves to",
                                            OUTSIDE), files={"outside.yaml": REAL}),
    "use_dotdot_missing": PathCase(
        _spec("../../nowhere.yaml", "use"), ("model.yaml:2:", "resolves to", OUTSIDE)),
    # `..` that stays inside the tree is fine
    "extends_dotdot_inside": PathCase(
        _spec("sub/../parent.yaml"), (), files={"tree/parent.yaml": REAL, "tree/sub/x.yaml": REAL}),
    # a symlink inside the tree that points outside is outside
    "extends_symlink_to_outside": PathCase(
        _spec("link.yaml"), ("model.yaml:2:", "`extends` target 'link.yaml' resolves to", "outside/real.yaml", OUTSIDE),
        files={"outside/real.yaml": REAL, "tree/link.yaml": _symlink("../outside/real.yaml")}),
    # a folder symlinked into the tree is outside too, and the library is not searched instead
    "use_through_symlinked_folder": PathCase(
        _spec("blocks/resnet.yaml", "use"), ("model.yaml:2:", "outside/blocks/resnet.yaml", OUTSIDE),
        files={"outside/blocks/resnet.yaml": REAL, "tree/blocks": _symlink("../outside/blocks")}),
    # an absolute path to a genuine spec outside: refused, then allowed with --allow-outside
    "extends_absolute_outside": PathCase(
        _spec("{tmp}/outside/real.yaml"), ("model.yaml:2:", OUTSIDE, "--allow-outside "),
        files={"outside/real.yaml": REAL}),
    "extends_absolute_outside_allowed": PathCase(
        _spec("{tmp}/outside/real.yaml"), (), files={"outside/real.yaml": REAL},
        args=("--allow-outside", "{tmp}/outside")),
    # the library stays in reach from a spec anywhere
    "use_library_blocks": PathCase(
        "archdsl: 1\nuse: [blocks/resnet.yaml]\nparams: {block: basic, groups: 1, width_per_group: 64}\n"
        "inputs: {x: [64, 8, 8]}\ngraph:\n  - layer1: {block: stage, with: {planes: 16, blocks: 1}}\n", ()),
    # devices: out of reach; allowed, refused as not a regular file without reading (no hang, no 1 MiB read)
    "extends_dev_zero": PathCase(_spec("/dev/zero"), ("model.yaml:2:", OUTSIDE)),
    "extends_dev_zero_allowed": PathCase(
        _spec("/dev/zero"), ("model.yaml:2:", "'/dev/zero' is not a regular file"), args=("--allow-outside", "/dev")),
    "extends_dev_stdin_allowed": PathCase(
        _spec("/dev/stdin"), ("model.yaml:2:", "is not a regular file"), args=("--allow-outside", "/dev")),
    # a FIFO in the tree: opening it must not wait for a writer
    "extends_fifo": PathCase(
        _spec("pipe.yaml"), ("model.yaml:2:", "'pipe.yaml' is not a regular file"), files={"tree/pipe.yaml": _fifo}),
    # /proc files claim size 0 and hold NUL-separated secrets (the environment): binary, not echoed
    "extends_proc_environ_allowed": PathCase(
        _spec("/proc/self/environ"), ("model.yaml:2:", "is not a spec: it is binary"),
        args=("--allow-outside", "/proc"), env={"ARCHDSL_TEST_TOKEN": SECRET}),
    "extends_directory": PathCase(
        _spec("sub"), ("model.yaml:2:", "'sub' is a directory, not a spec file"), files={"tree/sub/x.yaml": REAL}),
    "use_binary_file": PathCase(
        _spec("program.yaml", "use"), ("model.yaml:2:", "'program.yaml' is not a spec: it is binary"),
        files={"tree/program.yaml": _binary}),
    "extends_latin1_file": PathCase(
        _spec("notes.yaml"), ("model.yaml:2:", "is not a spec: it is binary (not UTF-8 text)"),
        files={"tree/notes.yaml": lambda p: p.write_bytes(f"caf\xe9: {SECRET}\n".encode("latin-1"))}),
    # YAML that is not a spec: what it is, never its keys (no "did you mean", no unknown-key list)
    "extends_secret_mapping": PathCase(
        _spec("credentials.yaml"), ("model.yaml:2:", "is not a spec: a YAML mapping without `archdsl: 1`"),
        files={"tree/credentials.yaml": f"aws_secret_access_key: {SECRET}\ndb_password: x\narchdsl: 2\n"},
        never=(SECRET, "aws_secret_access_key", "db_password")),
    "use_secret_list": PathCase(
        _spec("tokens.yaml", "use"), ("model.yaml:2:", "is not a spec: a YAML list"),
        files={"tree/tokens.yaml": f"- {SECRET}\n- github_pat_0000\n"}, never=(SECRET, "github_pat")),
    # not YAML at all (an .env-style file): the position of the syntax error, not its text
    "extends_not_yaml": PathCase(
        _spec("app.env"), ("app.env:", "YAML syntax error in 'app.env'", "its text is not shown"),
        files={"tree/app.env": f"API_KEY: [{SECRET}\nDB_URL: {{postgres://u:{SECRET}@h\n"},
        never=(SECRET, "API_KEY", "postgres")),
    # a file larger than the limit is refused before it is read whole
    "extends_huge_file": PathCase(
        _spec("huge.yaml"), ("'huge.yaml' is larger than the limit of 1048576 bytes",),
        files={"tree/huge.yaml": lambda p: p.write_bytes(b"k: v\n" * 500_000)}),
    # `~` and `$VAR` are not expanded: a file of that literal name in the tree, not HOME's file
    "extends_tilde": PathCase(
        _spec("~/real.yaml"), ("model.yaml:2:", "file '~/real.yaml' not found"),
        files={"outside/real.yaml": REAL}, env={"HOME": "{tmp}/outside"}),
    "extends_env_var": PathCase(
        _spec("$HOME/real.yaml"), ("model.yaml:2:", "file '$HOME/real.yaml' not found"),
        files={"outside/real.yaml": REAL}, env={"HOME": "{tmp}/outside"}),
    "extends_symlink_loop": PathCase(
        _spec("loop_a"), ("model.yaml:2:", "cannot read 'loop_a'"),
        files={"tree/loop_a": _symlink("loop_b"), "tree/loop_b": _symlink("loop_a")}),
    # a plugin module symlinked into the tree from outside: refused before it is imported
    "plugin_symlinked_from_outside": PathCase(
        "archdsl: 1\nplugins: [my_ops]\ninputs: {x: [4]}\ngraph: [relu]\n",
        ("model.yaml:2:", "`plugins` target 'my_ops' resolves to", "outside/ops.py", OUTSIDE),
        files={"outside/ops.py": PLUGIN, "tree/my_ops.py": _symlink("../outside/ops.py")}, args=("--allow-plugins",)),
    # a chain: the allowed outside spec may not reach further out on its own
    "allowed_spec_reaching_further": PathCase(
        _spec("{tmp}/outside/mid.yaml"), ("mid.yaml:2:", "'/etc/hostname'", OUTSIDE),
        files={"outside/mid.yaml": "archdsl: 1\nextends: /etc/hostname\n"},
        args=("--allow-outside", "{tmp}/outside")),
}


def _make(tmp: Path, case: PathCase) -> None:
    (tmp / "tree").mkdir()
    (tmp / "tree" / "model.yaml").write_text(case.spec.replace("{tmp}", str(tmp)), encoding="utf-8")
    for name, content in case.files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            content(path)


@pytest.mark.parametrize("name", CASES)
def test_a_spec_reads_only_within_its_reach(name: str, tmp_path: Path, archdsl_cli: Callable[..., Finished]) -> None:
    case = CASES[name]
    _make(tmp_path, case)
    args = [a.replace("{tmp}", str(tmp_path)) for a in case.args]
    env = {k: v.replace("{tmp}", str(tmp_path)) for k, v in case.env.items()}
    done = archdsl_cli("validate", *args, "tree/model.yaml", timeout=60, env=env)
    if case.expected:
        assert_clean_error(done, *case.expected)
    else:
        assert done.status == 0, done.err
    for fragment in case.never:
        assert fragment not in done.out + done.err
    assert not (tmp_path / MARKER).exists(), "an out-of-reach plugin was imported"


def test_an_outside_plugin_is_imported_once_its_folder_is_allowed(
        tmp_path: Path, archdsl_cli: Callable[..., Finished]) -> None:
    """The counterpart of plugin_symlinked_from_outside: the flag is what made the difference."""
    _make(tmp_path, CASES["plugin_symlinked_from_outside"])
    done = archdsl_cli("validate", "--allow-plugins", "--allow-outside", tmp_path / "outside", "tree/model.yaml")
    assert done.status == 0, done.err
    assert (tmp_path / MARKER).read_text() == "yes"


@pytest.mark.parametrize("command", [("analyze",), ("lint",), ("diff", "--vs-param", "x=1"), ("build", "--backend", "graphviz")])
def test_every_spec_command_takes_allow_outside(
        command: tuple[str, ...], tmp_path: Path, archdsl_cli: Callable[..., Finished]) -> None:
    """Each command that loads a spec applies the rule and takes the flag (the flag is checked
    by the refusal disappearing; what the command then says about its own options is its business)."""
    _make(tmp_path, CASES["extends_absolute_outside"])
    refused = archdsl_cli(*command, "tree/model.yaml")
    assert_clean_error(refused, OUTSIDE)
    allowed = archdsl_cli(*command, "--allow-outside", tmp_path / "outside", "tree/model.yaml")
    assert OUTSIDE not in allowed.err


def test_a_spec_named_on_the_command_line_is_always_read(tmp_path: Path, archdsl_cli: Callable[..., Finished]) -> None:
    """The user's own choice of file is not a reference: it loads from anywhere, and its
    non-spec content keeps today's detailed errors (the user can read that file anyway)."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "real.yaml").write_text(REAL)
    assert archdsl_cli("validate", tmp_path / "outside" / "real.yaml").status == 0
    (tmp_path / "creds.yaml").write_text("archdsl: 1\ngrahp: []\n")
    assert_clean_error(archdsl_cli("validate", "creds.yaml"), "grahp")
