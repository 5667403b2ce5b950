"""Rule conditions: a small, restricted expression language with Kleene three-valued logic.

A condition is a Python-like expression parsed with `ast` (mode="eval") and compiled into closures.
Only this whitelist is accepted:

* `and`, `or`, `not`, parentheses;
* comparisons `< <= > >= == !=`, chained (`1 <= x < 5`), `in` / `not in` with a tuple or list of
  constants, and `is` / `is not` with `None`, `True` or `False` (an identity test, never UNKNOWN);
* names (`metastasis_count`) and dotted names (`board_inputs.resectability`, `omd_state.course`);
* constants: int, float, str, True, False, None, and a unary minus on a number;
* calls of the functions in FUNCTION_NAMES: `missing(x)` (TRUE when x is UNKNOWN, never UNKNOWN),
  `known(x)` (its negation), `unknown("label")` (always UNKNOWN, naming label as what is missing)
  and the lesion-size facts `all_metastases_below(mm)`, `all_liver_below(mm)`, `all_liver_at_most(mm)`.

None is UNKNOWN; NOT_APPLICABLE is a known "does not apply" (no disease-free interval, no episode),
FALSE in every comparison (`!=` / `not in` TRUE) so it never leaves a rule undetermined.
`FALSE and x = FALSE`, `TRUE or x = TRUE`, otherwise an UNKNOWN operand makes the
result UNKNOWN; `not UNKNOWN = UNKNOWN`; a comparison with UNKNOWN is UNKNOWN. An UNKNOWN result
carries the names whose UNKNOWN value made it undetermined.

Interval facts are `MonthInterval`s: comparing one with a number of months compares dates
(decision-logic §1.1), so `disease_free_interval >= 12` is `end >= add_months(start, 12)`.
"""

import ast
import difflib
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from guidance.dates import add_months, whole_months


class ConditionError(ValueError):
    """A condition that cannot be compiled or evaluated; the message says where and why."""


# ---------------------------------------------------------------------------------------------
# Value types that conditions compare


def _whole(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, float)):
        raise ConditionError(f"an interval can only be compared with a number of months, not {n!r}")
    if n != int(n):
        raise ConditionError(f"an interval threshold must be a whole number of months, not {n}")
    return int(n)


@dataclass(frozen=True, slots=True)
class MonthInterval:
    """The interval from start to end. Comparisons with a number of months are made on dates (§1.1)."""

    start: date
    end: date

    @property
    def months(self) -> int:
        return whole_months(self.start, self.end)

    def _threshold(self, n) -> date:
        return add_months(self.start, _whole(n))

    def __ge__(self, n):
        return self.end >= self._threshold(n)

    def __gt__(self, n):
        return self.end > self._threshold(n)

    def __le__(self, n):
        return self.end <= self._threshold(n)

    def __lt__(self, n):
        return self.end < self._threshold(n)

    def __eq__(self, n):
        if isinstance(n, MonthInterval):
            return self.start == n.start and self.end == n.end
        return self.end == self._threshold(n)

    def __ne__(self, n):
        return not self.__eq__(n)

    def __hash__(self):
        return hash((self.start, self.end))

    def to_json(self) -> int:
        return self.months


@dataclass(frozen=True, slots=True)
class ScoreRange:
    """A score known only as a range [low, high]; comparisons are UNKNOWN when the range straddles."""

    low: int
    high: int

    @property
    def value(self) -> int | None:
        return self.low if self.low == self.high else None

    def _tri(self, low_result: bool, high_result: bool) -> bool | None:
        return low_result if low_result == high_result else None

    def __ge__(self, n):
        return self._tri(self.low >= n, self.high >= n)

    def __gt__(self, n):
        return self._tri(self.low > n, self.high > n)

    def __le__(self, n):
        return self._tri(self.low <= n, self.high <= n)

    def __lt__(self, n):
        return self._tri(self.low < n, self.high < n)

    def __eq__(self, n):
        if isinstance(n, ScoreRange):
            return self.low == n.low and self.high == n.high
        if self.low == self.high:
            return self.low == n
        return False if not (self.low <= n <= self.high) else None

    def __ne__(self, n):
        result = self.__eq__(n)
        return None if result is None else not result

    def __hash__(self):
        return hash((self.low, self.high))

    def to_json(self):
        return self.low if self.low == self.high else [self.low, self.high]


class _NotApplicable:
    """A fact that does not apply (e.g. no disease-free interval): known, and FALSE in every test.

    Unlike UNKNOWN (None) it never makes a rule undetermined: every ordering comparison, `==` and `in`
    with it are FALSE (`!=` and `not in` TRUE), it is false as a truth value, and JSON shows it as null.
    """

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self):
        return False

    def __repr__(self):
        return "NOT_APPLICABLE"

    def __reduce__(self):
        return (_NotApplicable, ())


NOT_APPLICABLE = _NotApplicable()


@dataclass(frozen=True, slots=True)
class FactFunction:
    """A fact with a parameter, e.g. all_metastases_below(mm). `missing_name` is reported when UNKNOWN."""

    function: Callable
    missing_name: str

    def __call__(self, *args):
        return self.function(*args)


def json_value(value):
    """Return a fact value as JSON: intervals as whole months, ranges as [low, high], dates as ISO."""
    if value is NOT_APPLICABLE:
        return None
    if isinstance(value, (MonthInterval, ScoreRange)):
        return value.to_json()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, float) and value == int(value) and math.isfinite(value):
        return int(value)
    return value


# ---------------------------------------------------------------------------------------------
# Vocabulary: the names a condition may use (parameters come from the release)

BOARD_INPUT_CONDITION_NAMES = (
    "board_inputs.resectability",
    "board_inputs.all_sites_safely_treatable",
    "board_inputs.complete_resection_feasible",
    "board_inputs.primary_controllable",
    "board_inputs.polymetastatic_history",
)

# Every derived fact of decision-logic §2.2 that a condition may read (guidance/derive.py computes them).
FACT_NAMES = (
    "age_years",
    "sex",
    "ecog",
    "frail",
    "comorbidities",
    "primary_diagnosis_date",
    "primary_resection_date",
    "primary_in_situ",
    "t_stage",
    "n_status",
    "node_positive_primary",
    "ki67_pct",
    "hormone_excess",
    "glucocorticoid_excess",
    "hormone_excess_uncontrolled",
    "primary_controlled",
    "metastases",
    "metastases_present",
    "metastasis_count",
    "metastatic_sites",
    "tumour_involved_organs",
    "distant_metastasis_present",
    "largest_metastasis_mm",
    "largest_known_mm",
    "unsized_metastases",
    "unsized_metastasis_count",
    "liver_lesions",
    "liver_count",
    "largest_liver_mm",
    "extrahepatic_disease",
    "site_bone",
    "site_brain",
    "site_liver",
    "site_lung",
    "site_peritoneum",
    "cea_ng_ml",
    "active_systemic",
    "active_chemotherapy",
    "episode_events",
    "episode_type",
    "episode_date",
    "new_lesions_at_episode",
    "ned_start",
    "recurrence_after_ned",
    "disease_free_interval",
    "dfi_after_primary_surgery",
    "event_free_interval",
    "prior_systemic_before_episode",
    "metastatic_treatment_naive",
    "progression_on_chemotherapy",
    "current_chemo_line",
    "controlled_on_later_line",
    "liver_directed_local_treatment_done",
    "crlm_presentation",
    "crlm_consensus_timing",
    "mensat",
    "fong_crs",
    "fong_risk",
    "tbs",
    "tbs_zone",
    "vigano_factor_count",
    "vigano_contraindicated",
    "recist_response",
    "is_oligometastatic",
    "omd_state.state",
    "omd_state.genesis",
    "omd_state.timing",
    "omd_state.course",
    "omd_state.omd_diagnosis_date",
)

FACT_FUNCTION_NAMES = ("all_metastases_below", "all_liver_below", "all_liver_at_most")
BUILTIN_FUNCTION_NAMES = ("missing", "known", "unknown")
FUNCTION_NAMES = BUILTIN_FUNCTION_NAMES + FACT_FUNCTION_NAMES

# Facts, board inputs and functions; a release adds its parameter names (see ruleset_2026_1.CONDITION_NAMES).
CONDITION_NAMES = FACT_NAMES + BOARD_INPUT_CONDITION_NAMES + FACT_FUNCTION_NAMES


# ---------------------------------------------------------------------------------------------
# Compilation

NO_MISSING: tuple[str, ...] = ()
Node = Callable[[Mapping, dict | None], tuple[object, tuple[str, ...]]]

_COMPARE = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_COMPARE_TEXT = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}
_NODE_WORDS = {
    ast.BinOp: "arithmetic",
    ast.Lambda: "lambda",
    ast.IfExp: "conditional expression",
    ast.Subscript: "subscript",
    ast.ListComp: "comprehension",
    ast.GeneratorExp: "comprehension",
    ast.DictComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.Dict: "dict literal",
    ast.Set: "set literal",
    ast.Starred: "starred expression",
    ast.NamedExpr: "assignment expression",
    ast.JoinedStr: "f-string",
    ast.Await: "await",
}


def _merge(*groups: tuple[str, ...]) -> tuple[str, ...]:
    merged: list[str] = []
    for group in groups:
        for name in group:
            if name not in merged:
                merged.append(name)
    return tuple(merged)


def _truth(value, where: str):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, ScoreRange):
        raise ConditionError(f"a score range cannot be used as true/false ({where}); compare it with a number")
    return bool(value)


def _where(node: ast.AST) -> str:
    column = getattr(node, "col_offset", 0) + 1
    line = getattr(node, "lineno", 2) - 1
    return f"column {column}" if line <= 1 else f"line {line}, column {column}"


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _names_in(node: ast.AST) -> tuple[str, ...]:
    """Return the outermost (dotted) names read in a subtree, e.g. for a straddling score range."""
    key = _dotted(node)
    if key is not None:
        return (key,)
    names: list[str] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Call):
            continue
        names.extend(_names_in(child))
    return tuple(names)


def _constant_value(node: ast.AST):
    """Return (True, value) for a constant (incl. a negative number), else (False, None)."""
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, (bool, int, float, str))):
        return True, node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, (int, float))
        and not isinstance(node.operand.value, bool)
    ):
        return True, -node.operand.value
    return False, None


class _Compiler:
    def __init__(self, text: str):
        self.text = text
        self.names: list[str] = []
        self.functions: list[str] = []

    def fail(self, node: ast.AST, message: str):
        raise ConditionError(f"{message} at {_where(node)}")

    def compile(self, node: ast.AST) -> Node:
        is_constant, value = _constant_value(node)
        if is_constant:
            return lambda ns, used, value=value: (value, NO_MISSING)
        if isinstance(node, ast.Constant):
            self.fail(node, f"constant {node.value!r} is not allowed")
        if isinstance(node, ast.BoolOp):
            return self.bool_op(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return self.not_op(node)
            self.fail(node, "this operator is not allowed (only 'not' and a minus before a number)")
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, (ast.Name, ast.Attribute)):
            return self.name(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, (ast.Tuple, ast.List)):
            self.fail(node, "a tuple or list is only allowed after 'in' or 'not in'")
        word = _NODE_WORDS.get(type(node), type(node).__name__)
        self.fail(node, f"{word} is not allowed")

    def name(self, node: ast.AST) -> Node:
        key = _dotted(node)
        if key is None:
            self.fail(node, "only plain and dotted names are allowed")
        if key in FUNCTION_NAMES:
            self.fail(node, f"'{key}' is a function; call it, e.g. {key}(...)")
        if key not in self.names:
            self.names.append(key)

        def lookup(ns, used, key=key):
            try:
                value = ns[key]
            except KeyError:
                raise ConditionError(f"unknown name '{key}'") from None
            if used is not None:
                used[key] = value
            return value, ((key,) if value is None else NO_MISSING)

        return lookup

    def bool_op(self, node: ast.BoolOp) -> Node:
        operands = [self.compile(value) for value in node.values]
        where = _where(node)
        if isinstance(node.op, ast.And):

            def conjunction(ns, used):
                unknown: tuple[str, ...] = NO_MISSING
                undetermined = False
                for operand in operands:
                    value, missing = operand(ns, used)
                    value = _truth(value, where)
                    if value is False:
                        return False, NO_MISSING
                    if value is None:
                        undetermined = True
                        unknown = _merge(unknown, missing)
                return (None, unknown) if undetermined else (True, NO_MISSING)

            return conjunction

        def disjunction(ns, used):
            unknown: tuple[str, ...] = NO_MISSING
            undetermined = False
            for operand in operands:
                value, missing = operand(ns, used)
                value = _truth(value, where)
                if value is True:
                    return True, NO_MISSING
                if value is None:
                    undetermined = True
                    unknown = _merge(unknown, missing)
            return (None, unknown) if undetermined else (False, NO_MISSING)

        return disjunction

    def not_op(self, node: ast.UnaryOp) -> Node:
        operand = self.compile(node.operand)
        where = _where(node)

        def negation(ns, used):
            value, missing = operand(ns, used)
            value = _truth(value, where)
            return (None, missing) if value is None else (not value, NO_MISSING)

        return negation

    def compare(self, node: ast.Compare) -> Node:  # noqa: C901
        parts = [self.compile(node.left)]
        operand_names = [_names_in(node.left)] + [_names_in(right) for right in node.comparators]
        steps = []
        for op, right in zip(node.ops, node.comparators, strict=False):
            if isinstance(op, (ast.In, ast.NotIn)):
                if not isinstance(right, (ast.Tuple, ast.List)):
                    self.fail(right, f"'{_COMPARE_TEXT[type(op)]}' needs a tuple or list of constants")
                items = []
                for element in right.elts:
                    is_constant, value = _constant_value(element)
                    if not is_constant:
                        self.fail(element, "only constants are allowed in a tuple or list")
                    items.append(value)
                steps.append((type(op), tuple(items)))
                parts.append(None)
            elif isinstance(op, (ast.Is, ast.IsNot)):
                is_constant, value = _constant_value(right)
                if not is_constant or not (value is None or isinstance(value, bool)):
                    self.fail(right, f"'{_COMPARE_TEXT[type(op)]}' is only allowed with None, True or False")
                steps.append((type(op), value))
                parts.append(None)
            elif type(op) in _COMPARE:
                steps.append((type(op), None))
                parts.append(self.compile(right))
            else:
                self.fail(node, "this comparison is not allowed")
        where = _where(node)

        def comparison(ns, used):
            left, left_missing = parts[0](ns, used)
            result: bool | None = True
            unknown: tuple[str, ...] = NO_MISSING
            for index, (op, extra) in enumerate(steps):
                if op in (ast.In, ast.NotIn):
                    right, right_missing = extra, NO_MISSING
                    if left is None:
                        outcome = None
                    elif left is NOT_APPLICABLE:
                        outcome = op is ast.NotIn
                    else:
                        outcome = (left in extra) if op is ast.In else (left not in extra)
                elif op in (ast.Is, ast.IsNot):
                    right, right_missing = extra, NO_MISSING
                    outcome = (left is extra) if op is ast.Is else (left is not extra)
                    left_missing = NO_MISSING
                else:
                    right, right_missing = parts[index + 1](ns, used)
                    if left is None or right is None:
                        outcome = None
                    elif left is NOT_APPLICABLE or right is NOT_APPLICABLE:
                        outcome = op is ast.NotEq
                    else:
                        try:
                            outcome = _COMPARE[op](left, right)
                        except TypeError:
                            raise ConditionError(
                                f"cannot compare {left!r} {_COMPARE_TEXT[op]} {right!r} ({where})"
                            ) from None
                if outcome is False:
                    return False, NO_MISSING
                if outcome is None:
                    result = None
                    if not left_missing and not right_missing:
                        # Both sides known, e.g. a score range straddling the threshold.
                        left_missing, right_missing = operand_names[index], operand_names[index + 1]
                    unknown = _merge(unknown, left_missing, right_missing)
                left, left_missing = right, right_missing
            return (None, unknown) if result is None else (True, NO_MISSING)

        return comparison

    def call(self, node: ast.Call) -> Node:
        if not isinstance(node.func, ast.Name):
            self.fail(node, "only calls of named functions are allowed")
        function = node.func.id
        if function not in FUNCTION_NAMES:
            self.fail(node, f"function '{function}' is not allowed (allowed: {', '.join(FUNCTION_NAMES)})")
        if node.keywords:
            self.fail(node, f"{function}() takes no keyword arguments")
        if len(node.args) != 1:
            self.fail(node, f"{function}() takes exactly one argument")
        if function not in self.functions:
            self.functions.append(function)
        if function == "unknown":
            is_constant, label = _constant_value(node.args[0])
            if not is_constant or not isinstance(label, str):
                self.fail(node, 'unknown() takes a text label, e.g. unknown("board judgement")')
            return lambda ns, used, label=label: (None, (label,))
        argument = self.compile(node.args[0])
        if function == "missing":
            return lambda ns, used: (argument(ns, used)[0] is None, NO_MISSING)
        if function == "known":
            return lambda ns, used: (argument(ns, used)[0] is not None, NO_MISSING)
        argument_text = ast.unparse(node.args[0])
        label = f"{function}({argument_text})"

        def fact_call(ns, used):
            try:
                fact = ns[function]
            except KeyError:
                raise ConditionError(f"unknown name '{function}'") from None
            value, missing = argument(ns, used)
            if value is None:
                return None, missing
            result = fact(value)
            if used is not None:
                used[label] = result
            if result is None:
                return None, (getattr(fact, "missing_name", function),)
            return result, NO_MISSING

        return fact_call


@dataclass(frozen=True)
class Condition:
    """A compiled condition. `names` are the (dotted) names it reads; `functions` the functions it calls."""

    text: str
    names: tuple[str, ...]
    functions: tuple[str, ...]
    _root: Node

    def evaluate(self, namespace: Mapping, used: dict | None = None) -> tuple[bool | None, tuple[str, ...]]:
        """Return (TRUE/FALSE/None, names whose UNKNOWN value left it undetermined).

        A name absent from the namespace raises ConditionError (a parameter missing from a release is a
        bug). With `used`, every name read and every fact function called is recorded with its value.
        """
        value, missing = self._root(namespace, used)
        value = _truth(value, "the whole condition")
        return (None, missing) if value is None else (value, NO_MISSING)


# Habits from other languages and from mathematics, and what to write instead.
_SYNTAX_HINTS = (
    (re.compile(r"&&"), "write 'and' instead of '&&'"),
    (re.compile(r"\|\|"), "write 'or' instead of '||'"),
    (re.compile(r"!(?!=)"), "write 'not' instead of '!'"),
    (re.compile(r"(?<![<>=!])=(?!=)"), "compare with '==' (a single '=' is not a comparison)"),
    (re.compile(r"≤"), "write '<=' instead of '≤'"),
    (re.compile(r"≥"), "write '>=' instead of '≥'"),
    (re.compile(r"≠"), "write '!=' instead of '≠'"),
    (re.compile(r"\b(AND|OR|NOT)\b"), "write 'and', 'or', 'not' in lower case"),
    (re.compile(r"\b(?:true|false|null|none)\b"), "write True, False or None with a capital letter"),
    (re.compile(r"[‘’“”]"), "use straight quotes ' or \" around text"),
)
_WORD_CONSTANTS = {"true": "True", "false": "False", "null": "None", "none": "None"}


def syntax_hint(text: str) -> str:
    """Return a suggestion for a condition that does not parse, or an empty string."""
    hints = [hint for pattern, hint in _SYNTAX_HINTS if pattern.search(text)]
    if text.count("(") != text.count(")"):
        missing = "')'" if text.count("(") > text.count(")") else "'('"
        hints.append(f"the parentheses do not match: a {missing} is missing")
    if len(re.findall(r"(?<!\\)'", text)) % 2 or len(re.findall(r'(?<!\\)"', text)) % 2:
        hints.append("a quote is not closed")
    if re.search(r"(\band|\bor|\bnot|[<>=!]=?|\bin)\s*$", text.strip()):
        hints.append("the condition ends after an operator: something is missing after it")
    return "; ".join(hints)


def _parse(text: str) -> ast.Expression:
    """Parse a condition; it may span several lines (it is parsed inside parentheses)."""
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("the condition is empty")
    try:
        # Line 1 holds only the opening parenthesis, so node columns are the condition's own columns.
        return ast.parse("(\n" + text + "\n)", mode="eval")
    except (SyntaxError, ValueError) as error:  # ValueError: a NUL character
        hint = syntax_hint(text)
        suffix = f" (suggestion: {hint})" if hint else ""
        if not isinstance(error, SyntaxError):
            raise ConditionError(f"the condition contains a character that is not allowed{suffix}") from None
        # Python's own advice ("Perhaps you forgot a comma?", ":=") speaks of Python, not of conditions.
        message = re.sub(r"\.\s+(Maybe|Perhaps|Did) you .*$", "", error.msg)
        message = re.sub(r"\s*\(detected at line \d+\)", "", message)
        line = (error.lineno or 2) - 1
        lines = text.split("\n")
        if line > len(lines) or not error.offset:
            raise ConditionError(f"syntax error at the end of the condition: {message}{suffix}") from None
        where = f"column {error.offset}" if len(lines) == 1 else f"line {line}, column {error.offset}"
        raise ConditionError(f"syntax error at {where}: {message}{suffix}") from None


MAX_CONDITION_LENGTH = 4000
# Deeper nesting than this is refused: compiling and evaluating recurse once per level.
MAX_NESTING = 60


def _depth(node: ast.AST) -> int:
    depth, level = 0, [(node, 1)]
    while level:
        current, at = level.pop()
        depth = max(depth, at)
        level.extend((child, at + 1) for child in ast.iter_child_nodes(current))
    return depth


def compile_condition(text: str) -> Condition:
    """Compile a condition, or raise ConditionError saying where it is wrong."""
    if isinstance(text, str) and len(text) > MAX_CONDITION_LENGTH:
        raise ConditionError(f"the condition is longer than {MAX_CONDITION_LENGTH} characters")
    try:
        tree = _parse(text)
    except (RecursionError, MemoryError):
        raise ConditionError("the condition is nested too deeply") from None
    if _depth(tree.body) > MAX_NESTING:
        raise ConditionError(f"the condition is nested more than {MAX_NESTING} levels deep")
    compiler = _Compiler(text)
    root = compiler.compile(tree.body)
    return Condition(text=text, names=tuple(compiler.names), functions=tuple(compiler.functions), _root=root)


def check_names(text: str, known_names: Iterable[str]) -> list[str]:
    """Return a message for each name or function the condition uses that is not known (with a suggestion)."""
    try:
        condition = compile_condition(text)
    except ConditionError as error:
        return [str(error)]
    known = set(known_names)
    messages = []
    for name in condition.names:
        if name not in known:
            if name in _WORD_CONSTANTS:
                messages.append(f"unknown name '{name}' (did you mean {_WORD_CONSTANTS[name]}?)")
                continue
            candidates = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
            hint = f" (did you mean '{candidates[0]}'?)" if candidates else ""
            messages.append(f"unknown name '{name}'{hint}")
    for function in condition.functions:
        if function not in BUILTIN_FUNCTION_NAMES and function not in known:
            messages.append(f"unknown function '{function}'")
    return messages
