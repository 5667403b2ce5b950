"""Background rendering of the long documents (meeting pack, outcomes) with progress on the PdfExport."""

from django.tasks import task

from reports import services


@task(queue_name="pdf")
def render_export(export_id: int) -> str:
    """Render a queued PdfExport (meeting pack or outcomes) and return its public id."""
    export = services.pdf_export_render(export_id=export_id)
    return str(export.public_id)
