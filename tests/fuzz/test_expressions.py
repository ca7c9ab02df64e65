"""Random expressions: the evaluator returns a value or raises ExprError, never anything else."""

from __future__ import annotations

from fuzzkit import examples
from hypothesis import given
from hypothesis import strategies as st

from archdsl.errors import ExprError
from archdsl.limits import Limits
from archdsl.spec.expr import FUNCTIONS, TensorInfo, evaluate

ENV = {"planes": 64, "layers": [3, 4, 6, 3], "x": TensorInfo((3, 8, 8)), "flat": TensorInfo((10,)),
       "name": "conv", "ratio": 0.25, "flag": True, "nothing": None, "i": 2}
LIMITS = Limits(expr_steps=2_000)

ATOMS = st.one_of(
    st.integers(-(2**70), 2**70).map(str), st.floats(allow_nan=False).map(repr), st.sampled_from(list(ENV)),
    st.sampled_from(["True", "False", "None", "'a'", "''", "[]", "()", "nan", "1e308", "x.channels", "x.height",
                     "flat.width", "x.shape", "x.rank", "x.nope", "layers[-1]", "name[0]", "__import__"]),
)
BINARY = ["+", "-", "*", "/", "//", "%", "**", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "and", "or", "<<", "@"]


def _compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda a, op, b: f"({a} {op} {b})", inner, st.sampled_from(BINARY), inner),
        st.builds(lambda op, a: f"({op}{a})", st.sampled_from(["-", "+", "not ", "~"]), inner),
        st.builds(lambda a, b, c: f"({a} if {b} else {c})", inner, inner, inner),
        st.builds(lambda items: f"[{', '.join(items)}]", st.lists(inner, max_size=3)),
        st.builds(lambda a, b: f"{a}[{b}]", inner, inner),
        st.builds(lambda a, b, c: f"{a}[{b}:{c}]", inner, inner, inner),
        st.builds(lambda f, args: f"{f}({', '.join(args)})", st.sampled_from(sorted(FUNCTIONS) + ["str", "x.y"]),
                  st.lists(inner, max_size=3)),
    )


EXPRESSIONS = st.one_of(st.recursive(ATOMS, _compound, max_leaves=12), st.text(max_size=40))


@examples(ci_default=600)
@given(text=EXPRESSIONS)
def test_random_expressions_evaluate_or_raise_expr_error(text: str) -> None:
    try:
        evaluate(text, ENV, LIMITS)
    except ExprError as error:
        assert error.message
