"""Turn a PDF template and its context into PDF bytes with WeasyPrint, offline.

WeasyPrint may read the project's own static files (print stylesheet, vendored fonts) and nothing else:
no network, no other path on the file system. Every other URL a template might contain is refused.

A document of several parts (a meeting pack) is laid out part by part, each numbering its own pages; from
three parts on, on a pool of spawned processes (PDF_RENDER_PROCESSES, default one per core up to two),
whose PDFs are merged in order with pypdf.
"""

import io
import logging
import mimetypes
import multiprocessing
import os
import re
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from urllib import request
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from pypdf import PdfReader, PdfWriter
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

    def __init__(self, stylesheet_path: Path | None = None, roots: list[Path] | None = None) -> None:
        stylesheet_path = stylesheet_path or print_stylesheet_path()
        self.stylesheet_mtime = stylesheet_path.stat().st_mtime
        self.fetcher = StaticFilesOnlyFetcher(roots)
        self.font_config = FontConfiguration()
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


# A document of this many parts or more (a meeting pack: cover and cases) is laid out on several processes.
PARALLEL_MIN_PARTS = 3


def render_processes() -> int:
    """Return how many processes lay out a many-part document: PDF_RENDER_PROCESSES, else up to two cores."""
    configured = getattr(settings, "PDF_RENDER_PROCESSES", None)
    return max(1, int(configured)) if configured is not None else min(2, os.cpu_count() or 1)


_process_renderer: PdfRenderer | None = None


def _start_render_process(stylesheet_path: str, roots: list[str]) -> None:
    """Set up a layout process: the stylesheet and fonts, from paths the printing process found.

    It lays out HTML it is sent and reads only static files: no Django setup (a second or more per
    process), no templates, no database.
    """
    global _process_renderer
    _process_renderer = PdfRenderer(Path(stylesheet_path), [Path(root) for root in roots])


def _layout_in_process(html: str) -> bytes:
    """Return the PDF of one part, in a layout process."""
    return _process_renderer.layout(html).write_pdf()


_pool: ProcessPoolExecutor | None = None
_pool_key: tuple = ()
_pool_lock = threading.Lock()


def _render_pool(processes: int) -> ProcessPoolExecutor:
    """Return this process's pool of layout processes, started once and kept for the next document.

    A new pool starts when the number of processes or the print stylesheet changed (its processes hold it).
    """
    global _pool, _pool_key
    stylesheet = print_stylesheet_path()
    key = (processes, stylesheet, stylesheet.stat().st_mtime)
    with _pool_lock:
        if _pool is None or _pool_key != key:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            # Spawned, not forked: a fork would copy this process's threads, database connections and locks.
            _pool = ProcessPoolExecutor(
                max_workers=processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_render_process,
                initargs=(str(stylesheet), [str(root) for root in static_roots()]),
            )
            _pool_key = key
        return _pool


def _warm_up() -> None:
    """Nothing: submitted only so that the pool starts its processes (and they load fonts) right away."""


def start_render_processes(part_count: int) -> None:
    """Start the layout processes for a document of `part_count` parts now, if it will use them.

    Called before the document's records are read, so that the processes import Django and WeasyPrint
    meanwhile instead of after (a new pool takes a few seconds to start).
    """
    processes = render_processes()
    if processes > 1 and part_count >= PARALLEL_MIN_PARTS:
        pool = _render_pool(processes)
        for _ in range(processes):
            pool.submit(_warm_up)


def _discard_render_pool() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


def _parts_in_parallel(htmls: Iterable[str], processes: int, on_part_done: Callable[[int], None] | None) -> bytes:
    """Lay out and write each part in a pool of processes as soon as its HTML is ready; merge in order.

    This process renders the next part's HTML (database reads, templates) while the pool lays out the
    ones before, appends finished parts to the merged PDF in order as they come, and reports progress
    from here (never from a pool thread, which would need a database connection of its own).
    """
    pool = _render_pool(processes)
    futures: list = []
    writer = PdfWriter()
    merged = 0
    metadata = None

    def collect(block: bool) -> None:
        nonlocal merged, metadata
        pending = [future for future in futures[merged:] if not future.done()]
        if block and pending:
            wait(pending, return_when=FIRST_COMPLETED)
        while merged < len(futures) and futures[merged].done():
            reader = PdfReader(io.BytesIO(futures[merged].result()))
            metadata = metadata or reader.metadata
            writer.append(reader, import_outline=False)
            merged += 1
            if on_part_done:
                on_part_done(merged)

    try:
        for html in htmls:
            futures.append(pool.submit(_layout_in_process, html))
            collect(block=False)
        while merged < len(futures):
            collect(block=True)
    except BaseException:
        # A part failed (or reading the next case did): the parts still queued would be laid out for nothing.
        for future in futures:
            future.cancel()
        raise
    if metadata:
        writer.add_metadata({key: value for key, value in metadata.items() if isinstance(value, str)})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def render_pdf_parts(
    parts: Iterable[tuple[str, dict]],
    *,
    request_user,
    on_part_done: Callable[[int], None] | None = None,
    part_count: int | None = None,
    processes: int | None = None,
) -> bytes:
    """Render several templates as parts of one PDF; each part is laid out alone and numbers its own pages.

    A meeting pack is printed this way so that every case summary reads alone (its own header and
    "page X of Y") and so that progress can be reported as parts are done: `on_part_done(k)` when k + 1
    parts are laid out. `parts` may be a generator (a case is read while the one before is laid out).
    From PARALLEL_MIN_PARTS parts (`part_count`, or the length of a list) on, the parts are laid out on
    `processes` processes (default `render_processes()`): layout is CPU-bound Python, one part's is
    independent of the others', and a 20-case pack would otherwise leave one of two cores idle.
    """
    if part_count is None:
        parts = list(parts)
        part_count = len(parts)
    htmls = (
        render_to_string(template_name, {**context, "printed_by": request_user}) for template_name, context in parts
    )
    processes = render_processes() if processes is None else processes
    if processes > 1 and part_count >= PARALLEL_MIN_PARTS:
        report = (lambda done: on_part_done(done - 1)) if on_part_done else None
        try:
            return _parts_in_parallel(htmls, processes, report)
        except BrokenProcessPool:
            # A layout process died (killed, out of memory): start a new pool next time; this export fails.
            _discard_render_pool()
            raise
    renderer = shared_renderer()
    pages = []
    first = None
    for index, html in enumerate(htmls):
        document = renderer.layout(html)
        first = first or document
        pages.extend(document.pages)
        if on_part_done:
            on_part_done(index)
    return first.copy(pages).write_pdf()
