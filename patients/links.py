"""Links to a record's rows, built without reversing the URL once per row (a heavy record has hundreds)."""

from uuid import UUID

from django.urls import reverse

_PLACEHOLDER = str(UUID(int=0))


def _pattern(patient, name: str, kind: str) -> str:
    """Reverse `name` once per patient and kind (the record id left as a placeholder) and remember it."""
    cache = patient.__dict__.setdefault("_record_url_patterns", {})
    key = (name, kind)
    if key not in cache:
        args = [patient.public_id, kind] + ([_PLACEHOLDER] if name == "patients:record-edit" else [])
        cache[key] = reverse(name, args=args)
    return cache[key]


def record_edit_url(patient, kind: str, record) -> str:
    """The same URL as {% url 'patients:record-edit' patient.public_id kind record.public_id %}."""
    return _pattern(patient, "patients:record-edit", kind).replace(_PLACEHOLDER, str(record.public_id))


def record_create_url(patient, kind: str) -> str:
    """The same URL as {% url 'patients:record-create' patient.public_id kind %}."""
    return _pattern(patient, "patients:record-create", kind)
