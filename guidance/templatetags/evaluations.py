"""Template tags of the guidance panel: the modality grid's rows (guidance/grid.py)."""

from django import template

from guidance import grid

register = template.Library()


@register.simple_tag
def modality_grid_rows(evaluation, printing=False):
    """The grid's rows of an evaluation; `printing` lists the reasons instead of folding them."""
    return grid.modality_grid_rows(evaluation.modality_rows, bool(printing))
