"""The rendering core: WeasyPrint reads the project's static files and nothing else."""

import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from reports.rendering import RefusedURL, StaticFilesOnlyFetcher, html_to_pdf, render_pdf_parts

STATIC = Path(settings.BASE_DIR) / "static"


def pdf_text(pdf: bytes) -> str:
    """Return the text of a PDF as pdftotext lays it out."""
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def pdf_fonts(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/style.css",
        "https://example.org/font.woff2",
        "ftp://example.org/file",
        "file:///etc/passwd",
        f"file://{STATIC}/../config/settings.py",
        f"file://{STATIC}/css/../../manage.py",
        f"file://{STATIC}/css/no-such-file.css",
    ],
)
def test_fetcher_refuses_everything_but_static_files(url):
    fetcher = StaticFilesOnlyFetcher()

    with pytest.raises(RefusedURL):
        fetcher.fetch(url)


def test_fetcher_serves_project_static_files():
    fetcher = StaticFilesOnlyFetcher()

    response = fetcher.fetch((STATIC / "css" / "print.css").as_uri())

    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_fetcher_refuses_a_symlink_out_of_static(tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    (root / "passwd").symlink_to("/etc/passwd")
    fetcher = StaticFilesOnlyFetcher(roots=[root.resolve()])

    with pytest.raises(RefusedURL):
        fetcher.fetch((root / "passwd").as_uri())


def test_html_to_pdf_renders_without_fetching_foreign_urls(caplog):
    html = (
        '<html><head><link rel="stylesheet" href="http://example.org/x.css"></head><body>'
        '<h1>Hello ≥ 5 mm</h1><img src="file:///etc/passwd" alt="">'
        '<img src="https://example.org/logo.png" alt=""></body></html>'
    )

    pdf = html_to_pdf(html)

    assert pdf.startswith(b"%PDF")
    assert "Hello ≥ 5 mm" in pdf_text(pdf)
    refused = [record.getMessage() for record in caplog.records if "refused" in record.getMessage()]
    assert any("http://example.org/x.css" in message for message in refused)
    assert any("file:///etc/passwd" in message for message in refused)
    assert any("https://example.org/logo.png" in message for message in refused)


def test_html_to_pdf_embeds_the_vendored_font_and_numbers_pages(tmp_path):
    html = "<html><body>" + "".join(f"<p>Paragraph {n}</p>" for n in range(150)) + "</body></html>"

    pdf = html_to_pdf(html)

    text = pdf_text(pdf)
    pages = text.count("\f")
    assert pages > 1
    assert all(f"Page {n} of {pages}" in text for n in range(1, pages + 1))
    fonts = pdf_fonts(pdf, tmp_path)
    assert "Source-Sans-3" in fonts
    assert "Serif" not in fonts


def test_render_pdf_parts_numbers_each_part_alone_and_reports_progress(settings):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {
                            "part.html": "<html><body>{% for n in paragraphs %}<p>{{ title }} {{ n }}</p>{% endfor %}</body></html>",
                        },
                    ),
                ],
            },
        },
    ]
    settings.TEMPLATES[0].pop("APP_DIRS", None)
    done = []

    pdf = render_pdf_parts(
        [
            ("part.html", {"title": "Cover", "paragraphs": range(3)}),
            ("part.html", {"title": "Case", "paragraphs": range(120)}),
        ],
        request_user=None,
        on_part_done=done.append,
    )

    text = pdf_text(pdf)
    case_pages = text.count("\f") - 1
    assert done == [0, 1]
    assert case_pages > 1
    assert text.split("\f")[0].count("Page 1 of 1") == 1
    assert f"Page {case_pages} of {case_pages}" in text
    assert "Cover 2" in text and "Case 119" in text


def test_fetcher_serves_data_urls():
    fetcher = StaticFilesOnlyFetcher()

    response = fetcher.fetch("data:text/plain;base64,SGVsbG8=")

    assert response.read() == b"Hello"
    assert response.content_type == "text/plain"


def test_shared_renderer_is_reused_until_the_stylesheet_changes(tmp_path, monkeypatch):
    from reports import rendering

    stylesheet = tmp_path / "print.css"
    stylesheet.write_text("html { font-size: 10pt; }")
    monkeypatch.setattr(rendering, "print_stylesheet_path", lambda: stylesheet)
    monkeypatch.setattr(rendering._per_thread, "renderer", None, raising=False)
    first = rendering.shared_renderer()

    again = rendering.shared_renderer()
    stylesheet.write_text("html { font-size: 11pt; }")
    import os

    os.utime(stylesheet, (first.stylesheet_mtime + 5, first.stylesheet_mtime + 5))
    changed = rendering.shared_renderer()

    assert again is first
    assert changed is not first


def test_parts_laid_out_on_two_processes_match_one_process(settings):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {
                            "part.html": "<html><body>{% for n in paragraphs %}<p>{{ title }} {{ n }}</p>{% endfor %}</body></html>",
                        },
                    ),
                ],
            },
        },
    ]
    settings.TEMPLATES[0].pop("APP_DIRS", None)
    parts = [("part.html", {"title": f"Part{number}", "paragraphs": range(70)}) for number in range(1, 5)]
    done = []

    serial = render_pdf_parts(parts, request_user=None, processes=1)
    # The layout processes render HTML they are sent; templates are rendered here, as a generator is read.
    parallel = render_pdf_parts(iter(parts), part_count=4, request_user=None, processes=2, on_part_done=done.append)

    assert parallel.startswith(b"%PDF")
    assert pdf_text(parallel) == pdf_text(serial)
    pages = pdf_text(parallel).split("\f")[:-1]
    assert [page.split()[0] for page in pages] == [
        "Part1",
        "Part1",
        "Part2",
        "Part2",
        "Part3",
        "Part3",
        "Part4",
        "Part4",
    ]
    assert all(("Page 1 of 2" in page) != ("Page 2 of 2" in page) for page in pages)
    assert sorted(done) == [0, 1, 2, 3]
