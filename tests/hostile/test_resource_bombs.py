"""Small specs that ask for unbounded time or memory: each stays within the default limits'
memory, and finishes or stops at a located LimitError that names the limit to raise.

Time is not asserted (the machine is shared): work is shown bounded by the limit that
refuses it (`run_steps`, `expr_steps`, `expr_seq_len`), charged before the work is done, so
the process never gets to spend it. Memory is asserted: the child's own peak RSS, which the
child reports itself (`VmHWM`, through a `sitecustomize` hook): the `ru_maxrss` that
`wait4` returns also counts the test process's own peak, which Linux carries into a child
started with vfork at its exec.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.hostile.conftest import Finished, assert_clean_error

PEAK_RSS_MB = 300
"""What any bomb may cost in memory: the interpreter and archdsl's imports take ~40 MB."""

HEAD = "archdsl: 1\ninputs: {x: [3, 8, 8]}\n"


@dataclass(frozen=True)
class Bomb:
    """A spec (and helper files) with the outcome expected of `validate`."""

    spec: str
    limit: str | None
    """The limit that must stop it (named in the error and its hint); None: it must succeed."""
    args: tuple[str, ...] = ()
    files: dict[str, str] = field(default_factory=dict)


def _repeat(expr: str, count: int = 5000, params: str = "  xs: \"${range(99999)}\"\n") -> str:
    """A `repeat` whose every node evaluates `expr` (with the loop index `i`)."""
    return HEAD + f"params:\n{params}graph:\n  - r:\n      repeat: {count}\n      op: relu\n      inplace: \"${{{expr}}}\"\n"


_CHAIN = "+".join(["(i*i-i//3+i%7)"] * 120)
_HUGE = "+".join(["2**125 * 2**125 // 3"] * 60)
_BIG_LITERAL = "[" + ", ".join(["1"] * 1000) + "]"

BOMBS: dict[str, Bomb] = {
    # a 100k list read by every node: cheap reads of one shared value, no copy per node
    "big_list_read_by_every_node": Bomb(_repeat("len(xs) < i"), None),
    # each node walks the whole list: the run's step budget refuses it
    "max_of_big_list_on_every_node": Bomb(_repeat("max(xs) < i"), "run_steps"),
    "sum_of_big_list_on_every_node": Bomb(_repeat("sum(xs) < i"), "run_steps"),
    # one costly call is refused by the expression's own steps before it runs
    "four_passes_over_a_big_list": Bomb(_repeat("max(xs) + min(xs) + sum(xs) + max(xs) < i", 2), "expr_steps"),
    "max_of_a_big_range_on_every_node": Bomb(_repeat("max(range(99000)) < i"), "run_steps"),
    "comparing_big_lists": Bomb(_repeat("xs == ys", params="  xs: \"${range(99999)}\"\n  ys: \"${range(1, 99999)}\"\n"),
                                "run_steps"),
    "building_and_comparing_in_one_expression": Bomb(_repeat("xs == xs[1:] + [i]"), "expr_steps"),
    "in_on_a_big_list": Bomb(_repeat("-i in xs"), "run_steps"),
    "slicing_a_big_list": Bomb(_repeat("len(xs[i:]) < 5"), "run_steps"),
    "string_multiplication": Bomb(_repeat("len('ab' * 40000 + 'c' * i) < 3"), "run_steps"),
    "big_list_interpolated_into_text": Bomb(_repeat("xs", 10).replace('"${xs}"', '"a${xs}"'), "expr_seq_len"),
    # no costly call, just a long arithmetic chain on every node of a big repeat
    "long_arithmetic_chain": Bomb(_repeat(f"({_CHAIN}) < 0", 10_000, "  n: 1\n"), "run_steps"),
    # integers near the 256-bit limit multiplied over and over
    "huge_ints_multiplied": Bomb(_repeat(_HUGE + " < i", 10_000, "  n: 1\n"), "run_steps"),
    # nested repeats: 100 × 100 nodes each summing a 99k list
    "nested_repeats": Bomb(HEAD + textwrap.dedent("""\
        params: {xs: "${range(99999)}"}
        graph:
          - outer:
              repeat: 100
              var: j
              graph:
                - inner:
                    repeat: 100
                    op: relu
                    inplace: "${sum(xs) < i + j}"
        """), "run_steps"),
    # the same large param passed to and read by every instance of a block
    "big_param_read_by_many_blocks": Bomb(HEAD + textwrap.dedent("""\
        params: {xs: "${range(99999)}"}
        blocks:
          b:
            params: {ys: list}
            graph:
              - r: {op: relu, inplace: "${len(ys) < 0}"}
        graph:
          - blocks: {repeat: 2000, block: b, with: {ys: "${xs}"}}
        """), None),
    # a harmless-looking default raised from the command line
    "param_overridden_with_p": Bomb(_repeat("max(range(n * 1000)) < i", 5000, "  n: 2\n"), "run_steps",
                                    ("-p", "n=99")),
    # an extends chain doubling a list at each file
    "extends_chain_doubling_a_list": Bomb(
        "archdsl: 1\nextends: d3.yaml\nparams: {a4: \"${a3 + a3}\"}\n", "run_steps",
        files={"base.yaml": _repeat("sum(a4) < i", 5000, "  a0: \"${[1] * 6000}\"\n  a1: [0]\n  a2: [0]\n  a3: [0]\n  a4: [0]\n"),
               "d1.yaml": "archdsl: 1\nextends: base.yaml\nparams: {a1: \"${a0 + a0}\"}\n",
               "d2.yaml": "archdsl: 1\nextends: d1.yaml\nparams: {a2: \"${a1 + a1}\"}\n",
               "d3.yaml": "archdsl: 1\nextends: d2.yaml\nparams: {a3: \"${a2 + a2}\"}\n"}),
    # YAML aliases (within yaml_nodes) building a 40k nested list, compared on every node
    "aliases_feeding_expressions": Bomb(
        HEAD + f"params:\n  a: &a {_BIG_LITERAL}\n  b: [" + ", ".join(["*a"] * 40) + "]\n"
        "graph:\n  - r:\n      repeat: 5000\n      op: relu\n      inplace: \"${max(b) == [i]}\"\n", "run_steps"),
}


_PEAK_HOOK = """\
import atexit, os


def _report_peak() -> None:
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(os.environ["ARCHDSL_PEAK_FILE"], "w", encoding="ascii") as out:
        out.write(peak)


atexit.register(_report_peak)
"""


@pytest.fixture(scope="module")
def peak_hook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose `sitecustomize.py` makes a child write its own peak RSS (KiB) at exit."""
    folder = tmp_path_factory.mktemp("peak_hook")
    (folder / "sitecustomize.py").write_text(_PEAK_HOOK, encoding="utf-8")
    return folder


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bomb_is_bounded(name: str, tmp_path: Path, peak_hook: Path, archdsl_cli: Callable[..., Finished]) -> None:
    bomb = BOMBS[name]
    for file, text in bomb.files.items():
        (tmp_path / file).write_text(text, encoding="utf-8")
    (tmp_path / "bomb.yaml").write_text(bomb.spec, encoding="utf-8")
    peak_file = tmp_path / "peak_kib"
    path = os.pathsep.join(filter(None, [str(peak_hook), os.environ.get("PYTHONPATH")]))
    done = archdsl_cli("validate", "bomb.yaml", *bomb.args, env={"PYTHONPATH": path, "ARCHDSL_PEAK_FILE": str(peak_file)})
    peak_mb = int(peak_file.read_text(encoding="ascii")) / 1024
    print(f"{name}: exit {done.status}, cpu {done.cpu_s:.2f} s, peak {peak_mb:.0f} MiB")
    assert peak_mb < PEAK_RSS_MB, f"{name}: peak RSS {peak_mb:.0f} MiB"
    if bomb.limit is None:
        assert done.status == 0, done.err
        return
    assert_clean_error(done, f"--limit {bomb.limit}=N")
    assert ".yaml:" in done.err.splitlines()[0], f"not located: {done.err}"
