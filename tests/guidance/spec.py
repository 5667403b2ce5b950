"""Read the tables of shared/clinical/decision-logic.md (§3 parameters, §7 rules) for fidelity tests."""

import re
from dataclasses import dataclass
from pathlib import Path

SPEC = Path(__file__).resolve().parents[3] / "shared" / "clinical" / "decision-logic.md"


@dataclass(frozen=True)
class SpecRule:
    code: str
    category: str
    condition: str
    text: str
    evidence_source: str


@dataclass(frozen=True)
class SpecParameter:
    name: str
    default: str
    used_by: str
    source: str


def _section(text: str, number: int) -> str:
    start = re.search(rf"^## {number}\. .*$", text, re.MULTILINE)
    end = re.search(rf"^## {number + 1}\. .*$", text, re.MULTILINE)
    return text[start.end() : end.start()]


def _rows(section: str) -> list[list[str]]:
    rows = []
    for line in section.splitlines():
        if not line.startswith("|") or set(line) <= {"|", "-", " "}:
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows.append(cells)
    return rows


def plain(cell: str) -> str:
    """A table cell as stored text: markdown emphasis and code marks removed, "–" (none) as empty."""
    cell = re.sub(r"\*\*(.+?)\*\*", r"\1", cell)
    cell = cell.replace("`", "")
    return "" if cell == "–" else cell


def rules() -> dict[str, SpecRule]:
    """The rules of §7 by code, in table order."""
    result = {}
    for cells in _rows(_section(SPEC.read_text(encoding="utf-8"), 7)):
        if len(cells) != 5 or not re.match(r"^(GEN|ACC|CRLM)-", cells[0]):
            continue
        code, category, condition, text, evidence_source = cells
        result[code] = SpecRule(code, category, condition, text, evidence_source)
    return result


def parameters() -> dict[str, SpecParameter]:
    """The parameters of §3 by name; a row naming two parameters ("A / B" | "3 / 9") gives both."""
    result = {}
    for cells in _rows(_section(SPEC.read_text(encoding="utf-8"), 3)):
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue
        names = [name.strip(" `") for name in cells[0].split("/")]
        defaults = [value.strip() for value in cells[1].split("/")] if len(names) > 1 else [cells[1]]
        for name, default in zip(names, defaults, strict=True):
            result[name] = SpecParameter(name, default, cells[2], cells[3])
    return result


def default_number(default: str) -> float:
    """The number a §3 default starts with: "30 (strict: < 30)" -> 30, "200 ng/mL (inclusive)" -> 200."""
    return float(re.match(r"^[0-9.]+", default).group(0))
