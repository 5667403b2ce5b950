"""The modality grid's rows (guidance/grid.py): what the template wrote, escaped, reasons folded on screen only."""

from guidance.grid import modality_grid_rows

ROWS = [
    {
        "lesion": "S7<",
        "size_unknown": True,
        "cells": [
            {
                "modality": "Surgery",
                "rating": "option",
                "rating_label": "Option",
                "reasons": ["R0 <5 mm"],
                "size_note": "",
            },
            {
                "modality": "SBRT",
                "rating": "option_with_caution",
                "rating_label": "Option with caution",
                "reasons": [],
                "size_note": "size not measured",
            },
        ],
    }
]


def test_grid_rows_on_screen_fold_the_reasons():
    html = modality_grid_rows(ROWS, printing=False)

    assert html.startswith('<tr><th scope="row">S7&lt;<br><small class="size-unknown">size not measured</small></th>')
    assert '<td class="rating rating-option"><span class="rating-label">Option</span>' in html
    assert "<details><summary>Why</summary><ul><li>R0 &lt;5 mm</li></ul></details>" in html
    assert (
        'rating-option_with_caution"><span class="rating-label">Option with caution</span><small class="size-note">'
        in html
    )


def test_grid_rows_in_print_list_the_reasons():
    html = modality_grid_rows(ROWS, printing=True)

    assert '<ul class="reasons"><li>R0 &lt;5 mm</li></ul>' in html and "<details>" not in html
