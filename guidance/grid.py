"""Rows of the guidance panel's modality grid, written in Python rather than in a template.

A heavy record has 40 lesions × 6 modalities, each cell with its reasons: in the template language the grid
was a fifth of the case review's rendering (issue 7). The markup is what `guidance/_evaluation.html#modalities`
wrote; every text is escaped.
"""

from html import escape  # the standard library's: Django's adds a lazy-string check per call

from django.utils.safestring import SafeString, mark_safe

SIZE_NOTE = '<small class="size-note">size to be confirmed: the rating assumes nothing about it</small>'


def _reasons(reasons: list[str], printing: bool) -> str:
    if not reasons:
        return ""
    items = "".join(f"<li>{escape(reason)}</li>" for reason in reasons)
    if printing:
        return f'<ul class="reasons">{items}</ul>'
    return f"<details><summary>Why</summary><ul>{items}</ul></details>"


def modality_grid_rows(rows: list[dict], printing: bool) -> SafeString:
    """One `<tr>` per lesion of `Evaluation.modality_rows`: the lesion, then each modality's rating and reasons."""
    parts = []
    for row in rows:
        unknown = '<br><small class="size-unknown">size not measured</small>' if row["size_unknown"] else ""
        cells = "".join(
            f'<td class="rating rating-{escape(cell["rating"])}"><span class="rating-label">{escape(cell["rating_label"])}'
            f"</span>{SIZE_NOTE if cell['size_note'] else ''}{_reasons(cell['reasons'], printing)}</td>"
            for cell in row["cells"]
        )
        parts.append(f'<tr><th scope="row">{escape(row["lesion"])}{unknown}</th>{cells}</tr>')
    return mark_safe("\n".join(parts))
