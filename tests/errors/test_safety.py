"""Safe by construction: a spec never runs code, never reaches Python objects, never eats the machine."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

import archdsl
from archdsl.errors import ArchdslError, ExprError, LimitError, SpecError
from archdsl.limits import Limits
from archdsl.spec import yamlpos
from archdsl.spec.expr import TensorInfo, evaluate
from archdsl.spec.yamlpos import load_yaml

PRELUDE = "archdsl: 1\ninputs: {x: [3, 8, 8]}\ngraph:\n"


def _spec(tmp_path: Path, body: str, name: str = "model.yaml") -> Path:
    path = tmp_path / name
    path.write_text(PRELUDE + textwrap.dedent(body), encoding="utf-8")
    return path


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
    "!!python/name:os.system",
    "!!python/module:os",
])
def test_python_tags_never_construct(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "pwned"
    spec = _spec(tmp_path, f"  - r:\n      op: relu\n      inplace: {tag.format(marker=marker)}\n")
    with pytest.raises(SpecError, match="is not allowed in a spec"):
        archdsl.load(spec)
    with pytest.raises(ArchdslError, match="is not allowed in a spec"):
        archdsl.load(_spec(tmp_path, "  - r: {op: relu}\n", "other.yaml"), width=load_yaml(
            tag.format(marker=marker), "-p", Limits()).data)
    assert not marker.exists()


def test_plugin_modules_are_not_imported_without_permission(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    (tmp_path / "evil_ops.py").write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    spec = tmp_path / "model.yaml"
    spec.write_text("archdsl: 1\nplugins: [evil_ops]\n" + PRELUDE.removeprefix("archdsl: 1\n") + "  - r: {op: relu}\n",
                    encoding="utf-8")
    with pytest.raises(ArchdslError, match="needs permission") as caught:
        archdsl.load(spec)
    assert caught.value.span is not None and caught.value.span.line == 2
    assert not marker.exists()


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')", "open('/etc/passwd')", "().__class__.__mro__", "[].append(1)",
    "type(1)", "getattr(1, 'real')", "eval('1')", "exec('1')", "globals()", "x.__dict__", "x.channels.__class__",
    "(lambda: 1)()", "[i for i in range(3)]", "{i for i in range(3)}", "f'{1}'", "'{}'.format(1)", "(y := 1)",
    "[*range(3)]", "x.shape.pop()", "max.__self__", "sum.__module__", "make_divisible.__globals__",
    "'%s' % 1", "max(**{})", "range(3).__class__",
])
def test_expressions_cannot_reach_python(text: str) -> None:
    with pytest.raises(ExprError):
        evaluate(text, {"x": TensorInfo((3, 8, 8))}, Limits())


@pytest.mark.parametrize("text", [
    "10 ** 10 ** 10", "2 ** 100000", "[0] * 10 ** 9", "'ab' * 10 ** 8", "[[0] * 1000] * 1000", "range(10 ** 9)",
    "len(range(10 ** 70))", "sum([[0]] * 50000, [])", "round(10, -10 ** 7)", "int('9' * 5000)",
    "'%999999999d' % 1", "+".join(["1"] * 1200),
])
def test_expensive_expressions_are_refused_before_the_work(text: str) -> None:
    with pytest.raises(ExprError):
        evaluate(text, {}, Limits())


def test_billion_laughs_is_rejected() -> None:
    lines = ["archdsl: 1", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    with pytest.raises(LimitError, match="more than 50000 values") as caught:
        load_yaml("\n".join(lines), "laughs.yaml", Limits())
    assert caught.value.span is not None and caught.value.span.line <= 7


@pytest.mark.parametrize("text", [
    "x: " + "[" * 10_000 + "]" * 10_000,
    "x: " + "{a: " * 10_000 + "1" + "}" * 10_000,
    "x:\n" + "".join(" " * i + "- a:\n" for i in range(0, 400, 2)),
])
def test_deep_nesting_is_rejected(text: str) -> None:
    with pytest.raises(LimitError, match="nesting deeper than the limit of 64"):
        load_yaml("archdsl: 1\n" + text + "\n", "deep.yaml", Limits())


def test_deep_nesting_within_a_raised_limit_loads_without_recursion() -> None:
    doc = load_yaml("x: " + "[" * 3000 + "]" * 3000 + "\n", "deep.yaml", Limits(yaml_depth=5000))
    depth, value = 0, doc.data["x"]
    while value:
        depth, value = depth + 1, value[0]
    assert depth == 2999


_LIBYAML = getattr(yaml, "_yaml", None) if getattr(yaml, "__with_libyaml__", False) else None
_NEST_CONTROL = _LIBYAML is not None and getattr(_LIBYAML, "_get_max_nest_level", lambda: -1)() != -1


@pytest.mark.parametrize("parser", ["libyaml", "python"])
@pytest.mark.parametrize("text", [
    "x: " + "[" * 2_000 + "]" * 2_000, "x: " + "{a: " * 2_000 + "1" + "}" * 2_000,
    "x:\n" + "".join(" " * 2 * i + "- a:\n" for i in range(600)),  # two levels a line: 1,200 in all
])
def test_deep_nesting_is_archdsls_limit_error_whichever_parser_stops_first(
        text: str, parser: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # PyYAML 6.0.4 bundles libyaml 0.2.6, whose scanner stops at 1000 levels while looking ahead,
    # before the builder sees the 65th; older releases have no such limit. Either way the user sees ours.
    if parser == "python":
        monkeypatch.setattr(yamlpos, "PARSER", yaml.SafeLoader)
    elif _LIBYAML is None:
        pytest.skip("PyYAML was built without libyaml")
    with pytest.raises(LimitError, match="nesting deeper than the limit of 64") as caught:
        load_yaml("archdsl: 1\n" + text + "\n", "deep.yaml", Limits())
    assert caught.value.span is not None and caught.value.span.line >= 2
    assert "--limit yaml_depth=N" in (caught.value.hint or "")


@pytest.mark.skipif(not _NEST_CONTROL, reason="this PyYAML's libyaml has no nesting control (PyYAML < 6.0.4)")
def test_libyaml_nesting_limit_is_raised_for_the_load_and_restored() -> None:
    before = _LIBYAML._get_max_nest_level()
    _LIBYAML._set_max_nest_level(10)  # a lower process-wide setting, as another library might leave it
    try:
        doc = load_yaml("x: " + "[" * 40 + "]" * 40 + "\n", "deep.yaml", Limits())
        assert isinstance(doc.data["x"], list)
        assert _LIBYAML._get_max_nest_level() == 10
        with pytest.raises(LimitError, match="nesting deeper than the limit of 30"):
            load_yaml("x: " + "[" * 40 + "]" * 40 + "\n", "deep.yaml", Limits(yaml_depth=30))
        assert _LIBYAML._get_max_nest_level() == 10
    finally:
        _LIBYAML._set_max_nest_level(before)


def test_recursive_alias_is_an_error_not_a_cycle() -> None:
    with pytest.raises(SpecError, match="refers to the value that contains it"):
        load_yaml("a: &a [1, *a]\n", "alias.yaml", Limits())


def test_aliases_are_copies_with_their_own_positions() -> None:
    doc = load_yaml("a: &a {k: 1}\nb: *a\n", "alias.yaml", Limits())
    assert doc.data == {"a": {"k": 1}, "b": {"k": 1}} and doc.data["a"] is not doc.data["b"]
    assert doc.span(("b", "k")).line == 1 and doc.span(("b",)).line == 2


def test_big_files_are_not_read_whole(tmp_path: Path) -> None:
    spec = tmp_path / "big.yaml"
    spec.write_bytes(b"archdsl: 1\n" + b"#" * (2 << 20))
    with pytest.raises(LimitError, match="larger than the limit"):
        archdsl.load(spec)
