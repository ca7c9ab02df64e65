"""Random command-line arguments: the CLI exits 0 or 2 with a message, never 1 or a traceback."""

from __future__ import annotations

import contextlib
import io

from fuzzkit import examples
from hypothesis import given
from hypothesis import strategies as st

from archdsl.cli import main

WORDS = st.sampled_from(["x", "width", "num_classes", "nope", "yaml_depth", "repeat", "file_bytes", "", "=", "x="])
NUMBERS = st.sampled_from(["0", "1", "-1", "3x32x32", "1x28x28", "0x0", "1e9", "9" * 30, "nan", ".inf", "[1, 2]",
                           "{a: 1}", "!!python/name:os.system", "&a [*a]", "'", "${1/0}", "x" * 300])
VALUES = st.one_of(NUMBERS, st.text(max_size=20))
OPTIONS = st.one_of(
    st.builds(lambda k, v: ["-p", f"{k}={v}"], WORDS, VALUES),
    st.builds(lambda k, v: ["--input", f"{k}={v}" if k else v], WORDS, VALUES),
    st.builds(lambda k, v: ["--limit", f"{k}={v}"], WORDS, VALUES),
    st.builds(lambda v: ["--input", v], VALUES),
)
COMMANDS = st.sampled_from([["validate"], ["analyze"], ["analyze", "--format", "json"], ["analyze", "--depth", "1"]])


@examples(ci_default=150)
@given(command=COMMANDS, options=st.lists(OPTIONS, max_size=3), spec=st.sampled_from(["lenet5", "lstm_classifier"]))
def test_random_arguments_never_crash(command: list[str], options: list[list[str]], spec: str) -> None:
    argv = [*command, *(word for option in options for word in option), spec]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exc:  # argparse's own usage errors
            status = exc.code
    assert status in (0, 2), f"{argv}: exit {status}\n{err.getvalue()}"
    assert "Traceback" not in err.getvalue()
    assert status == 0 or err.getvalue().strip(), f"{argv}: exit 2 without a message"
