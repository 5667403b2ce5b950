"""Turn a PDF template and its context into PDF bytes with WeasyPrint, offline.

WeasyPrint may read the project's own static files (print stylesheet, vendored fonts) and nothing else:
no network, no other path on the file system. Every other URL a template might contain is refused.
"""

import logging
from collections.abc import Callable
import mimetypes
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse
from urllib import request
from urllib.request import url2pathname

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)
# WeasyPrint logs every layout step and fontTools every font it decodes at INFO: noise in our logs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)

PRINT_STYLESHEET = "css/print.css"
# Our PDF templates have no <pre> or <textarea>, so a run of whitespace always renders as one space.
WHITESPACE_RUN = re.compile(r"\s{2,}")


class RefusedURL(ValueError):
    """WeasyPrint asked for something outside the project's static files."""


def static_roots() -> list[Path]:
    """Return the directories holding the project's own static files."""
    roots = [Path(directory).resolve() for directory in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


class StaticFilesOnlyFetcher(URLFetcher):
    """URL fetcher that serves files under the project's static directories and data: URLs only."""

    def __init__(self, roots: list[Path] | None = None) -> None:
        # No HTTP, FTP or HTTPS handlers (and no SSL context to build): this fetcher never opens a connection.
        request.OpenerDirector.__init__(self)
        self._fail_on_errors = False
        self.roots = roots if roots is not None else static_roots()

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        scheme = urlparse(url).scheme.lower()
        if scheme == "data":
            data = request.DataHandler().data_open(request.Request(url))
            return URLFetcherResponse(url, data.read(), {"Content-Type": data.headers.get_content_type()})
        if scheme != "file":
            self._refuse(url)
        path = Path(url2pathname(unquote(urlparse(url).path))).resolve()
        if not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
            self._refuse(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    def _refuse(self, url: str) -> None:
        logger.warning("PDF rendering refused to fetch %s", url[:200])
        raise RefusedURL(f"PDF rendering only reads the project's static files, not {url[:200]}")


def print_stylesheet_path() -> Path:
    """Return the print stylesheet on disk."""
    found = finders.find(PRINT_STYLESHEET)
    if not found:
        raise FileNotFoundError(f"{PRINT_STYLESHEET} is missing from the static files.")
    return Path(found)


class PdfRenderer:
    """One rendering session: the print stylesheet and fonts are loaded once for all documents."""

    def __init__(self) -> None:
        self.stylesheet_mtime = print_stylesheet_path().stat().st_mtime
        self.fetcher = StaticFilesOnlyFetcher()
        self.font_config = FontConfiguration()
        stylesheet_path = print_stylesheet_path()
        self.base_url = stylesheet_path.parent.as_uri() + "/"
        self.stylesheet = CSS(
            string=stylesheet_path.read_text(encoding="utf-8"),
            base_url=stylesheet_path.as_uri(),
            url_fetcher=self.fetcher,
            font_config=self.font_config,
        )

    def layout(self, html: str) -> Document:
        """Lay out one HTML document into pages."""
        # Template indentation is a fifth of a heavy case's HTML; parsing it is slow and it renders as one space.
        html = WHITESPACE_RUN.sub(" ", html)
        return HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher).render(
            stylesheets=[self.stylesheet], font_config=self.font_config
        )


_per_thread = threading.local()


def shared_renderer() -> PdfRenderer:
    """Return this thread's renderer, so the stylesheet and fonts load once per process thread, not per PDF."""
    renderer = getattr(_per_thread, "renderer", None)
    if renderer is None or renderer.stylesheet_mtime != print_stylesheet_path().stat().st_mtime:
        renderer = _per_thread.renderer = PdfRenderer()
    return renderer


def html_to_pdf(html: str) -> bytes:
    """Return the PDF of an HTML string, styled by the print stylesheet, fetching static files only."""
    return shared_renderer().layout(html).write_pdf()


def render_pdf(template_name: str, context: dict, *, request_user) -> bytes:
    """Render a PDF template with its context for the user who prints it."""
    html = render_to_string(template_name, {**context, "printed_by": request_user})
    return html_to_pdf(html)


def render_pdf_parts(
    parts: list[tuple[str, dict]], *, request_user, on_part_done: Callable[[int], None] | None = None
) -> bytes:
    """Render several templates as parts of one PDF; each part is laid out alone and numbers its own pages.

    A meeting pack is printed this way so that every case summary reads alone (its own header and
    "page X of Y") and so that progress can be reported after each part.
    """
    renderer = shared_renderer()
    pages = []
    first = None
    for index, (template_name, context) in enumerate(parts):
        html = render_to_string(template_name, {**context, "printed_by": request_user})
        document = renderer.layout(html)
        first = first or document
        pages.extend(document.pages)
        if on_part_done:
            on_part_done(index)
    return first.copy(pages).write_pdf()
