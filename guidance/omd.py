"""OMD state from the timeline (decision-logic §5, ESTRO-EORTC, Guckenberger 2020).

`omd_state` needs the current verdict and a function telling whether the disease met the numerical
OMD definition at a past date (§4): TRUE, FALSE or UNKNOWN. Pure: no Django, no clock.
"""

from collections.abc import Callable, Mapping
from datetime import date

from guidance.dates import add_months
from guidance.derive import Timeline
from guidance.parameters import whole

EMPTY_STATE = {
    "state": None,
    "genesis": None,
    "timing": None,
    "course": None,
    "omd_diagnosis_date": None,
    "episode_event": None,
    "episode_date": None,
}


def crc_numeric_definition(timeline: Timeline, parameters: Mapping) -> Callable[[date], bool | None]:
    """CRC history test (§4): metastases present, count <= CRLM_OMD_MAX_LESIONS and sites <= CRLM_OMD_MAX_SITES."""

    def test(t: date) -> bool:
        state = timeline.state_at(t)
        return (
            state.count > 0
            and state.count <= parameters["CRLM_OMD_MAX_LESIONS"]
            and state.sites <= parameters["CRLM_OMD_MAX_SITES"]
        )

    return test


def omd_state(
    timeline: Timeline,
    *,
    is_oligometastatic: bool | None,
    meets_definition_at: Callable[[date], bool | None],
    board_inputs: Mapping,
    parameters: Mapping,
) -> dict:
    """Return {state, genesis, timing, course, omd_diagnosis_date, episode_event, episode_date}."""
    as_of = timeline.as_of
    episodes = timeline.episodes
    current = episodes[-1] if episodes else None
    result = dict(EMPTY_STATE)
    if current is not None:
        result["episode_event"] = current.type
        result["episode_date"] = current.start.isoformat()
    if timeline.state_at(as_of).count == 0:
        result["state"] = "no_active_metastatic_disease"
        return result
    if is_oligometastatic is False:
        result["state"] = "not_oligometastatic"
        return result
    if is_oligometastatic is None or current is None:
        result["state"] = "undetermined"
        return result

    episode_dates = {episode.start for episode in episodes}
    assessment_dates = sorted({d for d in timeline.assessment_dates if d <= as_of} | episode_dates)

    # D: the episode date if the disease met the definition then, else the first later assessment that did.
    diagnosis = None
    if meets_definition_at(current.start) is True:
        diagnosis = current.start
    else:
        for t in assessment_dates:
            if current.start < t <= as_of and meets_definition_at(t) is True:
                diagnosis = t
                break
    if diagnosis is None:
        diagnosis = as_of  # met only at as_of (e.g. after a removal without a later assessment)
    result["omd_diagnosis_date"] = diagnosis.isoformat()

    # Genesis: induced (polymetastatic before D, from the first episode on), repeat, or de novo.
    first_start = episodes[0].start
    induced = board_inputs.get("polymetastatic_history") is True
    if not induced:
        for t in assessment_dates:
            if t >= diagnosis:
                break
            if t >= first_start and timeline.state_at(t).count > 0 and meets_definition_at(t) is False:
                induced = True
                break
    if induced:
        genesis = "induced"
    elif any(episode.start < current.start for episode in episodes):
        genesis = "repeat"
    else:
        genesis = "de_novo"
    result["genesis"] = genesis

    timing = None
    if genesis == "de_novo" and timeline.diagnosis_date is not None:
        limit = add_months(timeline.diagnosis_date, whole(parameters, "OMD_SYNCHRONOUS_MAX_MONTHS"))
        timing = "synchronous" if diagnosis <= limit else "metachronous"
    result["timing"] = timing

    course = None
    if not (genesis == "de_novo" and timing == "synchronous"):
        if not timeline.active_systemic(diagnosis):
            course = "oligorecurrence"
        elif diagnosis == current.start:
            course = "oligoprogression"
        else:
            course = "oligopersistence"
    result["course"] = course
    return result


def state_label(state: dict) -> str:
    """A display label, e.g. "repeat oligoprogression" or "de novo synchronous OMD"."""
    if state.get("state"):
        return state["state"].replace("_", " ")
    if state.get("genesis") == "de_novo":
        if state.get("timing") == "synchronous":
            return "de novo synchronous OMD"
        parts = ["de novo", state.get("timing") or "timing unknown", state.get("course")]
    else:
        parts = [state.get("genesis"), state.get("course")]
    return " ".join(part.replace("_", " ") for part in parts if part)
