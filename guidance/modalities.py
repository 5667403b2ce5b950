"""Lesion-level modality suitability (decision-logic §8).

Every metastasis active at as_of gets a rating and its reasons for each of the six modalities.
Sizes are the lesion's current longest diameter. A missing size is never guessed (§1.2): where a
rating depends on size, the lesion is rated option_with_caution and the first reason says that the
size is not measured, that the rating assumes nothing about it, and which sizes the sources accept.
"""

from collections.abc import Mapping

MODALITIES = ("surgery", "thermal_ablation", "sbrt", "conventional_rt", "tace", "tare")

OPTION = "option"
CAUTION = "option_with_caution"
NOT_SUITABLE = "not_suitable"
NOT_APPLICABLE = "not_applicable"
NO_EVIDENCE = "no_evidence_in_sources"

# ACC footnotes of §8.1 (Laganà 2026 and the studies it cites).
ACC_SURGERY = (
    "Complete en bloc resection by an experienced surgeon; feasibility is confirmed by the board (Laganà 2026)."
)
ACC_BRAIN_SURGERY = "Brain lesions may be resected, as in the seed case (surgery plus RT) (Laganà 2026)."
ACC_TA_SMALL = (
    "Roux: better disease control with lesions < 3 cm; Kimpel: lesions < 5 cm benefit most (via Laganà 2026)."
)
ACC_TA_LARGE = (
    "Lesion ≥ 30 mm: Roux reports better disease control below 3 cm; treated lesions in the "
    "MD Anderson series had a median size of 2–2.3 cm (range 0.5–8.6); Kimpel: lesions < 5 cm "
    "benefit most (via Laganà 2026)."
)
ACC_RT_LESS_DOCUMENTED = "Site less documented for radiotherapy in ACC (Laganà 2026)."
ACC_RT_SITE = (
    "Bone, lung and local recurrence are the most irradiated sites; RT is more suitable for bone and "
    "cerebral metastases (Laganà 2026; Kimpel 2023)."
)
ACC_RT_PREFERRED = "Preferred site for radiotherapy (bone and brain) (Laganà 2026)."
ACC_RT_DOWNGRADE = (
    "Factors associated with lower radiotherapy response are present (glucocorticoid excess "
    "and/or Ki-67 > {ki67} %) (Kimpel 2023; ACC-CAU-03)."
)
ACC_RT_FACTORS_UNKNOWN = (
    "Radiotherapy response factors (glucocorticoid excess, Ki-67) are not all recorded; ACC-CAU-03 is undetermined."
)
ACC_TACE_SMALL = "Higher TACE response in lesions < 3 cm (Cazejust 2010); time to progression ≈ 8 months."
ACC_TACE_LARGE = (
    "Lesion ≥ 30 mm: TACE response is higher in lesions < 3 cm (Cazejust 2010); time to progression ≈ 8 months."
)
ACC_TARE = "Only three patients reported; time to progression ≈ 8 months (Laganà 2026)."
ACC_HIPEC = "Cytoreduction with HIPEC is investigational (Tiberio 2020; ACC-LT-13)."
ACC_NO_TA = "The sources give no basis for thermal ablation at this site; the board judges."
NOT_USED = "The technique is not used at this organ."
# The first reason of a rating made without a size; templates recognise it by this prefix.
SIZE_NOT_MEASURED = "Size not measured"
ACC_SIZE_UNKNOWN = (
    SIZE_NOT_MEASURED + ": the rating assumes nothing about size. Suitability depends on size "
    "(option below {limit} mm, option with caution from {limit} mm); to be confirmed once measured."
)
CRLM_TA_SIZE_UNKNOWN = (
    SIZE_NOT_MEASURED + ": the rating assumes nothing about size. Thermal ablation depends on "
    "size (option up to {caution} mm, option with caution over {caution} and up to {limit} mm, "
    "not suitable over {limit} mm); to be confirmed once measured."
)

# CRLM (Adam slides), §8.2.
CRLM_SURGERY = (
    "Surgery is the standard, potentially curative treatment for resectable disease (Adam slides; ESMO 2022)."
)
CRLM_TA_SMALL = "≤ {caution} mm: within the size range of thermal ablation (RFA 'max 2–3 cm'; COLLISION ≤ 3 cm)."
CRLM_TA_UPPER = (
    "Over {caution} mm and up to {limit} mm: upper end of the RFA range; an adequate ablation margin "
    "is critical (Adam slides)."
)
CRLM_TA_TOO_LARGE = "> {limit} mm: beyond the size range of thermal ablation (Adam slides; CRLM-LT-04)."
CRLM_SBRT = "For inoperable patients; not regarded as curative, and no randomised data exist (Adam slides)."
CRLM_TRANSARTERIAL = "Not regarded as curative (Adam slides)."
CRLM_OTHER = "The CRLM sources address liver metastases only; the board judges."


def _rating(rating: str, *reasons: str) -> dict:
    return {"rating": rating, "reasons": [reason for reason in reasons if reason]}


def _fmt(number) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def acc_modalities(organ: str, size, parameters: Mapping, rt_caution: bool | None) -> dict:
    """Ratings of one ACC metastasis (§8.1)."""
    limit = parameters["ACC_OMD_DIAMETER_BELOW_MM"]
    size_note = ACC_SIZE_UNKNOWN.format(limit=_fmt(limit))
    small = None if size is None else size < limit

    def size_graded(small_reason: str, large_reason: str) -> dict:
        if small is None:
            return _rating(CAUTION, size_note, small_reason)
        return _rating(OPTION, small_reason) if small else _rating(CAUTION, large_reason)

    def rt(rating_if_favourable: str, *reasons: str) -> dict:
        if rating_if_favourable == OPTION and rt_caution is True:
            return _rating(
                CAUTION, *reasons, ACC_RT_DOWNGRADE.format(ki67=_fmt(parameters["ACC_KI67_RT_FAVOURABLE_MAX_PCT"]))
            )
        extra = ACC_RT_FACTORS_UNKNOWN if rating_if_favourable == OPTION and rt_caution is None else ""
        return _rating(rating_if_favourable, *reasons, extra)

    surgery = _rating(
        OPTION, ACC_SURGERY, ACC_BRAIN_SURGERY if organ == "brain" else "", ACC_HIPEC if organ == "peritoneum" else ""
    )
    not_used = _rating(NOT_APPLICABLE, NOT_USED)
    if organ == "liver":
        return {
            "surgery": surgery,
            "thermal_ablation": size_graded(ACC_TA_SMALL, ACC_TA_LARGE),
            "sbrt": _rating(CAUTION, ACC_RT_LESS_DOCUMENTED),
            "conventional_rt": _rating(CAUTION, ACC_RT_LESS_DOCUMENTED),
            "tace": size_graded(ACC_TACE_SMALL, ACC_TACE_LARGE),
            "tare": _rating(CAUTION, ACC_TARE),
        }
    if organ == "lung":
        return {
            "surgery": surgery,
            "thermal_ablation": size_graded(ACC_TA_SMALL, ACC_TA_LARGE),
            "sbrt": rt(OPTION, ACC_RT_SITE),
            "conventional_rt": rt(OPTION, ACC_RT_SITE),
            "tace": not_used,
            "tare": not_used,
        }
    if organ in ("bone", "brain"):
        thermal = _rating(NO_EVIDENCE, ACC_NO_TA) if organ == "bone" else not_used
        return {
            "surgery": surgery,
            "thermal_ablation": thermal,
            "sbrt": rt(OPTION, ACC_RT_PREFERRED, ACC_RT_SITE),
            "conventional_rt": rt(OPTION, ACC_RT_PREFERRED, ACC_RT_SITE),
            "tace": not_used,
            "tare": not_used,
        }
    if organ == "peritoneum":
        return {
            "surgery": surgery,
            "thermal_ablation": size_graded(ACC_TA_SMALL, ACC_TA_LARGE),
            "sbrt": _rating(CAUTION, ACC_RT_LESS_DOCUMENTED),
            "conventional_rt": _rating(CAUTION, ACC_RT_LESS_DOCUMENTED),
            "tace": not_used,
            "tare": not_used,
        }
    if organ == "local_recurrence":
        return {
            "surgery": surgery,
            "thermal_ablation": _rating(NO_EVIDENCE, ACC_NO_TA),
            "sbrt": rt(OPTION, ACC_RT_SITE),
            "conventional_rt": rt(OPTION, ACC_RT_SITE),
            "tace": not_used,
            "tare": not_used,
        }
    # retroperitoneum, lymph_node, pleura, soft_tissue, other (and regional nodes)
    return {
        "surgery": surgery,
        "thermal_ablation": _rating(NO_EVIDENCE, ACC_NO_TA),
        "sbrt": _rating(CAUTION, ACC_RT_LESS_DOCUMENTED),
        "conventional_rt": _rating(CAUTION, ACC_RT_LESS_DOCUMENTED),
        "tace": not_used,
        "tare": not_used,
    }


def crlm_modalities(organ: str, size, parameters: Mapping) -> dict:
    """Ratings of one CRC metastasis (§8.2)."""
    if organ != "liver":
        return {
            "surgery": _rating(NO_EVIDENCE, CRLM_OTHER),
            "thermal_ablation": _rating(NO_EVIDENCE, CRLM_OTHER),
            "sbrt": _rating(NO_EVIDENCE, CRLM_OTHER),
            "conventional_rt": _rating(NO_EVIDENCE, CRLM_OTHER),
            "tace": _rating(NOT_APPLICABLE, NOT_USED),
            "tare": _rating(NOT_APPLICABLE, NOT_USED),
        }
    limit = parameters["CRLM_TA_MAX_MM"]
    caution = parameters["CRLM_TA_CAUTION_ABOVE_MM"]
    if size is None:
        thermal = _rating(CAUTION, CRLM_TA_SIZE_UNKNOWN.format(caution=_fmt(caution), limit=_fmt(limit)))
    elif size <= caution:
        thermal = _rating(OPTION, CRLM_TA_SMALL.format(caution=_fmt(caution)))
    elif size <= limit:
        thermal = _rating(CAUTION, CRLM_TA_UPPER.format(caution=_fmt(caution), limit=_fmt(limit)))
    else:
        thermal = _rating(NOT_SUITABLE, CRLM_TA_TOO_LARGE.format(limit=_fmt(limit)))
    return {
        "surgery": _rating(OPTION, CRLM_SURGERY),
        "thermal_ablation": thermal,
        "sbrt": _rating(CAUTION, CRLM_SBRT),
        "conventional_rt": _rating(NO_EVIDENCE),
        "tace": _rating(CAUTION, CRLM_TRANSARTERIAL),
        "tare": _rating(CAUTION, CRLM_TRANSARTERIAL),
    }


def lesion_modalities(
    disease: str | None, lesions: list, sizes: list, parameters: Mapping, rt_caution: bool | None
) -> dict:
    """Return {lesion_id: {modality: {rating, reasons}}} for the active metastases."""
    result = {}
    for lesion, size in zip(lesions, sizes, strict=False):
        if disease == "acc":
            result[lesion.id] = acc_modalities(lesion.organ, size, parameters, rt_caution)
        elif disease == "crc":
            result[lesion.id] = crlm_modalities(lesion.organ, size, parameters)
    return result
