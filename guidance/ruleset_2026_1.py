"""Ruleset 2026.1 (shared/clinical/decision-logic.md §3 and §7) as data.

The project installs these parameters and rules as the first guideline releases; administrators
edit copies of them. Conditions are expressions of guidance/conditions.py over the facts of
guidance/derive.py, the board inputs (`board_inputs.<name>`) and the parameters below.
"""

from guidance.conditions import CONDITION_NAMES as FACT_AND_INPUT_NAMES
from guidance.engine import ParameterSpec, RuleSpec

VERSION = "2026.1"

LAGANA = "Laganà 2026"
ADAM = "Adam slides"

P = ParameterSpec
PARAMETERS: tuple[ParameterSpec, ...] = (
    P(
        "ACC_OMD_MAX_METASTASES",
        5,
        "metastases",
        "Laganà 2026 (summary, conclusion); Roux 2022 via Laganà 2026 [ref 4]",
        "At most this many metastases (ACC-CLS-01/03/04).",
    ),
    P(
        "ACC_OMD_DIAMETER_BELOW_MM",
        30,
        "mm",
        "Laganà 2026; Roux 2022",
        "Strict: every metastasis < 30 mm (ACC-CLS-01/03/04, ACC modality grid).",
    ),
    P(
        "ACC_IVA_MAX_TUMOUR_ORGANS",
        2,
        "organs",
        'Libé 2015 (mENSAT); seed wording "≤2 metastatic sites"',
        "mENSAT IVa: tumour-involved organs (primary in situ counts) ≤ 2.",
    ),
    P(
        "ACC_KI67_INDOLENT_BELOW_PCT",
        20,
        "%",
        "Laganà 2026 discussion; Libé 2015 (grade Ki-67 ≥ 20%)",
        "Strict: Ki-67 < 20% is indolent (ACC-CLS-05, ACC-CAU-01, ACC-LT-03).",
    ),
    P(
        "ACC_KI67_RT_FAVOURABLE_MAX_PCT",
        15,
        "%",
        "Kimpel 2023 via Laganà 2026 [ref 13]",
        "Inclusive: Ki-67 ≤ 15% favours radiotherapy response (ACC-LT-07, ACC-CAU-03, RT rating).",
    ),
    P(
        "ACC_GUIDELINE_DFI_MIN_MONTHS",
        12,
        "months",
        "ESMO-EURACAN 2020 via Laganà 2026 [ref 1]",
        "Inclusive: disease-free interval ≥ 12 months (ACC-LT-01, ACC-CAU-05, ACC-MD-03).",
    ),
    P(
        "ACC_LT_BENEFIT_DFI_ABOVE_MONTHS",
        9,
        "months",
        "Kimpel 2024 (review) via Laganà 2026 [refs 8, 9]",
        "Strict: DFI after primary surgery > 9 months (ACC-LT-06).",
    ),
    P("ACC_LT_BENEFIT_LESION_BELOW_MM", 50, "mm", "Kimpel 2024", "Strict: lesions < 50 mm (ACC-LT-06)."),
    P(
        "ACC_LONG_INTERVAL_MIN_MONTHS",
        12,
        "months",
        'Convention. The seed says "long" without a number; aligned with the guideline DFI',
        "ACC-LT-05.",
    ),
    P("CRLM_OMD_MAX_LESIONS", 5, "lesions", "ESMO 2022 (Cervantes) via Adam slides", "CRLM-CLS-01/02/03."),
    P("CRLM_OMD_MAX_SITES", 2, "sites", "ESMO 2022 via Adam slides", "CRLM-CLS-01/03."),
    P(
        "CRLM_EARLY_RECURRENCE_MONTHS",
        6,
        "months",
        "Adam slides",
        "Early < 6, late > 6 months after primary resection; exactly 6 is the boundary (CRLM-TIM-02/03, CRLM-CAU-02).",
    ),
    P(
        "CRLM_SYNC_WORKUP_DAYS",
        30,
        "days",
        'Convention (staging window), applying "detected at or before diagnosis of the primary" (Adam et '
        "al., Cancer Treat Rev 2015)",
        "crlm_presentation: synchronous when detected ≤ diagnosis + 30 days.",
    ),
    P(
        "CRLM_TA_MAX_MM",
        30,
        "mm",
        'Adam slides (RFA "max 2–3 cm"; COLLISION "≤ 3 cm")',
        "Inclusive: thermal ablation up to 30 mm (CRLM modality grid, CRLM-LT-02/03/04).",
    ),
    P(
        "CRLM_TA_CAUTION_ABOVE_MM",
        20,
        "mm",
        'Adam slides (lower end of "2–3 cm")',
        "Above 20 mm thermal ablation is an option with caution (CRLM modality grid).",
    ),
    P("CRLM_COLLISION_MAX_LESIONS", 3, "lesions", 'COLLISION protocol slide ("max 3 CRLM ≤ 3 cm")', "CRLM-LT-03."),
    P("CRLM_EPOC_MAX_LESIONS", 4, "lesions", "Nordlinger 2008 (EORTC 40983) via Adam slides", "CRLM-SYS-01."),
    P(
        "VIGANO_COUNT_ABOVE",
        3,
        "metastases",
        "Viganò 2012 via Adam slides",
        "Strict: > 3 liver metastases (Viganò, CRLM-PROG-02/03).",
    ),
    P("VIGANO_SIZE_MIN_MM", 50, "mm", "Viganò 2012", "Inclusive: largest liver metastasis ≥ 50 mm."),
    P("VIGANO_CEA_MIN", 200, "ng/mL", "Viganò 2012", "Inclusive: CEA ≥ 200 ng/mL."),
    P(
        "FONG_DFI_BELOW_MONTHS",
        12,
        "months",
        "Fong 1999",
        "Strict: first liver metastasis < 12 months after primary resection.",
    ),
    P("FONG_COUNT_ABOVE", 1, "metastases", "Fong 1999", "More than one liver metastasis."),
    P("FONG_SIZE_ABOVE_MM", 50, "mm", "Fong 1999", "Strict: largest liver metastasis > 5 cm."),
    P("FONG_CEA_ABOVE", 200, "ng/mL", "Fong 1999", "Strict: CEA > 200 ng/mL."),
    P("FONG_HIGH_RISK_MIN", 3, "points", "Fong 1999 (0–2 vs 3–5)", "CRLM-SCO-01."),
    P("TBS_MEDIUM_MIN", 3, "", "Sasaki 2018 (cut-offs not re-verified, §11)", "TBS zone: medium from 3."),
    P("TBS_HIGH_MIN", 9, "", "Sasaki 2018 (cut-offs not re-verified, §11)", "TBS zone: high from 9 (CRLM-SCO-02)."),
    P(
        "OMD_SYNCHRONOUS_MAX_MONTHS",
        6,
        "months",
        "ESTRO-EORTC, Guckenberger 2020 (inclusive boundary not re-verified)",
        "De novo OMD diagnosed ≤ 6 months after the primary diagnosis is synchronous.",
    ),
    P("RECIST_PR_MAX_RATIO", 0.7, "ratio", "RECIST 1.1", "PR: sum ≤ 0.7 × baseline."),
    P(
        "RECIST_PD_MIN_RATIO",
        1.2,
        "ratio",
        "RECIST 1.1",
        "PD: sum ≥ 1.2 × nadir and at least RECIST_PD_MIN_ABS_MM more.",
    ),
    P("RECIST_PD_MIN_ABS_MM", 5, "mm", "RECIST 1.1", "PD: absolute increase over the nadir ≥ 5 mm."),
    P("RECIST_MEASURABLE_MIN_MM", 10, "mm", "RECIST 1.1", "Measurable non-nodal lesion ≥ 10 mm."),
    P("RECIST_NODE_TARGET_MIN_MM", 15, "mm", "RECIST 1.1", "Nodal target: short axis ≥ 15 mm."),
    P("RECIST_MAX_TARGETS", 5, "lesions", "RECIST 1.1", "At most 5 targets."),
    P("RECIST_MAX_TARGETS_PER_ORGAN", 2, "lesions", "RECIST 1.1", "At most 2 targets per organ."),
    P(
        "FRAIL_ECOG_MIN",
        2,
        "ECOG",
        "Convention. The seeds name fitness factors but give no threshold",
        "Without a frailty assessment, ECOG ≥ 2 counts as frail.",
    ),
    P("ECOG_VALID_DAYS", 90, "days", "Convention", "An ECOG older than this is not used."),
    P("LAB_VALID_DAYS", 90, "days", "Convention", "A CEA older than this is not used."),
)

PARAMETER_NAMES = tuple(parameter.name for parameter in PARAMETERS)
DEFAULT_PARAMETERS = {parameter.name: parameter.value for parameter in PARAMETERS}

# Every name a condition of this ruleset may use: facts, board inputs, fact functions and parameters.
CONDITION_NAMES = FACT_AND_INPUT_NAMES + PARAMETER_NAMES

_OMD_NOT_EXCLUDED = "is_oligometastatic is not False"
_TIM_BASE = f"metastatic_treatment_naive and liver_count > 0 and {_OMD_NOT_EXCLUDED}"
_PROG = "progression_on_chemotherapy and liver_count > 0"
_VIGANO = (
    "((liver_count > VIGANO_COUNT_ABOVE and not all_liver_below(VIGANO_SIZE_MIN_MM)) or cea_ng_ml >= VIGANO_CEA_MIN)"
)
_LT02 = f"liver_count > 0 and all_liver_at_most(CRLM_TA_MAX_MM) and not extrahepatic_disease and {_OMD_NOT_EXCLUDED}"
_ACC_LT01_BASE = "recurrence_after_ned and disease_free_interval >= ACC_GUIDELINE_DFI_MIN_MONTHS"

# (code, category, condition, text, evidence, source)
_GENERAL = (
    (
        "GEN-CAU-01",
        "caution",
        "frail",
        "Patient recorded as frail (clinical judgement, or ECOG ≥ {FRAIL_ECOG_MIN}). Fitness limits the "
        "options; the board should weigh less invasive approaches.",
        "",
        "Laganà 2026: patient fitness (age, comorbidities, performance status) is one of three decision "
        "domains. The threshold is a convention.",
    ),
    ("GEN-MD-01", "missing-data", "missing(ecog)", "No performance status recorded in the last 90 days.", "", ""),
    (
        "GEN-MD-02",
        "missing-data",
        "unsized_metastasis_count > 0",
        "Size missing for lesion(s) {unsized_metastases}; criteria based on size are undetermined.",
        "",
        "",
    ),
    ("GEN-MD-03", "missing-data", "missing(primary_diagnosis_date)", "OMD timing cannot be classified.", "", ""),
)

_ACC = (
    (
        "ACC-CLS-01",
        "classification",
        "metastases_present and (mensat == 'IVa' or (metastasis_count <= ACC_OMD_MAX_METASTASES "
        "and all_metastases_below(ACC_OMD_DIAMETER_BELOW_MM)))",
        "Meets the proposed definition of oligometastatic ACC: stage IVa, or up to five metastases all < 3 cm.",
        "",
        "Laganà 2026 (summary and conclusion), building on Roux et al. 2022 via Laganà 2026 [ref 4].",
    ),
    (
        "ACC-CLS-02",
        "classification",
        "metastases_present and is_oligometastatic == False",
        "Beyond the proposed oligometastatic definition (stage > IVa, and > 5 metastases or a metastasis ≥ 3 cm).",
        "",
        "Laganà 2026.",
    ),
    (
        "ACC-CLS-03",
        "local-therapy option",
        "mensat == 'IVa' and (metastasis_count <= ACC_OMD_MAX_METASTASES "
        "or all_metastases_below(ACC_OMD_DIAMETER_BELOW_MM))",
        "Belongs to the subgroup with higher disease-control rates after locoregional therapy (stage IVa with ≤ "
        "5 metastases or largest < 3 cm); median OS 68 months in that cohort.",
        "",
        "Roux et al. 2022 (60 stage-IVa patients, 109 procedures) via Laganà 2026 [ref 4].",
    ),
    (
        "ACC-CLS-04",
        "caution",
        "mensat == 'IVa' and metastasis_count > ACC_OMD_MAX_METASTASES "
        "and not all_metastases_below(ACC_OMD_DIAMETER_BELOW_MM)",
        "Meets the definition only through stage IVa; the burden is outside the favourable locoregional "
        "subgroup (> 5 metastases and a metastasis ≥ 3 cm).",
        "",
        "Laganà 2026 vs Roux 2022 (see §10, item 2).",
    ),
    (
        "ACC-CLS-05",
        "classification",
        "ki67_pct < ACC_KI67_INDOLENT_BELOW_PCT",
        "Ki-67 < 20%: consistent with the indolent biology described for oligometastatic ACC.",
        "",
        'Laganà 2026 discussion ("stage IVa and Ki-67 lower than 20%").',
    ),
    (
        "ACC-CAU-01",
        "caution",
        "ki67_pct >= ACC_KI67_INDOLENT_BELOW_PCT",
        "Ki-67 ≥ 20%: less indolent biology; weigh systemic control before or alongside local therapy.",
        "",
        "Laganà 2026; Libé 2015 (Ki-67 ≥ 20% as adverse grade).",
    ),
    (
        "ACC-CAU-02",
        "caution",
        "distant_metastasis_present and primary_in_situ and metastatic_sites == ACC_IVA_MAX_TUMOUR_ORGANS",
        'Stage wording differs here: "≤ 2 metastatic sites" reads as IVa, but mENSAT counting the primary as '
        "an organ gives IVb. The board should confirm the stage used.",
        "",
        "Laganà 2026 wording vs Libé 2015 (see §10, item 1).",
    ),
    (
        "ACC-CAU-03",
        "caution",
        "metastases_present and (glucocorticoid_excess or ki67_pct > ACC_KI67_RT_FAVOURABLE_MAX_PCT)",
        "Factors associated with lower radiotherapy response are present (glucocorticoid excess and/or Ki-67 > 15%).",
        "",
        "Kimpel et al. 2023 via Laganà 2026 [ref 13].",
    ),
    (
        "ACC-CAU-04",
        "caution",
        "hormone_excess",
        "Hormonally active disease: symptom control needs timely specific measures (fast-acting antisecretory "
        "drugs such as metyrapone, mitotane); hormonally active lesions may need prompt local treatment.",
        "",
        "Laganà 2026; Claps 2018 via Laganà 2026 [ref 16].",
    ),
    (
        "ACC-CAU-05",
        "caution",
        "recurrence_after_ned and disease_free_interval < ACC_GUIDELINE_DFI_MIN_MONTHS",
        "Recurrence within 12 months of becoming disease-free: the guideline interval for surgery or other "
        "local therapy is not met. Local therapy remains discussable only with an indolent course or disease "
        "controlled under systemic therapy (objective response or long-term stable disease).",
        "",
        "ESMO-EURACAN 2020 via Laganà 2026 [ref 1]; Datrice 2012 [ref 6].",
    ),
    (
        "ACC-LT-01",
        "local-therapy option",
        f"{_ACC_LT01_BASE} and board_inputs.complete_resection_feasible",
        "Recurrent disease after a disease-free interval ≥ 12 months: guidelines recommend surgery, or "
        "alternatively another local therapy, when complete resection or ablation seems feasible.",
        "",
        "ESMO-EURACAN 2020 via Laganà 2026 [refs 1, 5–7].",
    ),
    (
        "ACC-LT-03",
        "local-therapy option",
        "is_oligometastatic and omd_state.course in ('oligoprogression', 'oligopersistence') "
        "and ki67_pct < ACC_KI67_INDOLENT_BELOW_PCT",
        "Situation 1: lesions progressing or not responding to systemic therapy in indolent disease; local "
        "therapy to those lesions may be considered.",
        "",
        "Laganà 2026 (local therapy situations, item 1).",
    ),
    (
        "ACC-LT-04",
        "local-therapy option",
        "frail and is_oligometastatic",
        "Situation 2: local therapy may postpone systemic polychemotherapy in a frail patient.",
        "",
        "Laganà 2026 (item 2).",
    ),
    (
        "ACC-LT-05",
        "local-therapy option",
        "is_oligometastatic and new_lesions_at_episode and event_free_interval >= ACC_LONG_INTERVAL_MIN_MONTHS",
        "Situation 3: new lesions after a long recurrence- or progression-free interval; local therapy may be "
        "considered.",
        "",
        "Laganà 2026 (item 3). The 12-month default is a convention.",
    ),
    (
        "ACC-LT-06",
        "local-therapy option",
        "dfi_after_primary_surgery > ACC_LT_BENEFIT_DFI_ABOVE_MONTHS "
        "and all_metastases_below(ACC_LT_BENEFIT_LESION_BELOW_MM)",
        "Profile reported to benefit most from local therapy (DFI after primary surgery > 9 months, lesions < 5 cm).",
        "",
        "Kimpel et al. 2024 review (21 studies, 374 patients) via Laganà 2026 [refs 8, 9].",
    ),
    (
        "ACC-LT-07",
        "local-therapy option",
        "metastases_present and glucocorticoid_excess == False and ki67_pct <= ACC_KI67_RT_FAVOURABLE_MAX_PCT",
        "Factors associated with radiotherapy response are present (no glucocorticoid excess, Ki-67 ≤ 15%). "
        "SBRT or conventional RT at 50–60 Gy gave high response rates.",
        "",
        "Kimpel 2023 via Laganà 2026 [ref 13].",
    ),
    (
        "ACC-LT-08",
        "local-therapy option",
        "site_bone or site_brain",
        "For bone and brain metastases, radiotherapy (SBRT or higher-dose conventional RT) is the modality most "
        "suited to these sites. Brain lesions may also be resected (seed case: surgery plus RT).",
        "",
        "Laganà 2026 (local therapy options; clinical case).",
    ),
    (
        "ACC-LT-09",
        "local-therapy option",
        "site_liver",
        "Liver: TACE has the most cumulative experience; better responses in lesions < 3 cm; treated-lesion "
        "time to progression ≈ 8 months after TA(C)E or TARE (shorter than after thermal ablation). TARE data "
        "are very limited.",
        "",
        "Cazejust 2010 [ref 14], Kimpel 2024 [ref 9], Owen 2019 [ref 15], via Laganà 2026.",
    ),
    (
        "ACC-LT-10",
        "local-therapy option",
        "site_liver or site_lung",
        "Thermal ablation (RFA, MWA; cryoablation) is the most extensively studied local technique in ACC; "
        "liver and lung are the most treated sites; long local control was reported.",
        "",
        "Laganà 2026 discussion; Kimpel 2024 [ref 9]; Chahla 2024 [ref 10].",
    ),
    (
        "ACC-LT-11",
        "local-therapy option",
        "metastases_present and primary_in_situ",
        "Resection of the primary should not be overlooked if safe and feasible; cytoreductive chemotherapy may "
        "help select surgical candidates.",
        "",
        "Laganà 2026 [ref 17].",
    ),
    (
        "ACC-LT-12",
        "local-therapy option",
        "hormone_excess and hormone_excess_uncontrolled",
        "Severe symptomatic hormone excess not controlled by antisecretory drugs, mitotane and local therapies: "
        "cytoreductive resection may be considered (rare); post-operative mitotane is advised.",
        "",
        "Laganà 2026; Claps 2018 [ref 16].",
    ),
    (
        "ACC-LT-13",
        "local-therapy option",
        "site_peritoneum",
        "Peritoneal disease: cytoreduction with HIPEC is investigational (phase II and single-centre data).",
        "",
        "Tiberio 2020 via Laganà 2026 [ref 18].",
    ),
    (
        "ACC-SYS-01",
        "systemic-therapy consideration",
        "metastases_present and is_oligometastatic == False",
        "Outside the oligometastatic definition: EDP-M (etoposide, doxorubicin, cisplatin + mitotane) remains "
        "the first-line backbone; local therapy only case by case.",
        "",
        "ESMO-EURACAN 2020 via Laganà 2026 [refs 1, 2].",
    ),
    (
        "ACC-SYS-02",
        "systemic-therapy consideration",
        "is_oligometastatic",
        "The options include mitotane alone, EDP-M with mitotane, locoregional treatment, or a combination. "
        "Whether to start EDP-M should take into account that local therapy may control progression and/or "
        "postpone systemic therapy.",
        "",
        "Laganà 2026.",
    ),
    (
        "ACC-SYS-03",
        "systemic-therapy consideration",
        "is_oligometastatic and mensat == 'IVa'",
        "Mitotane combined with locoregional treatment is supported in stage IVa (about 4-year survival and 13% "
        "complete responses in one cohort; median OS 68 months in another).",
        "",
        "Boilève 2021 [ref 11]; Roux 2022 [ref 4], via Laganà 2026.",
    ),
    (
        "ACC-SYS-04",
        "systemic-therapy consideration",
        "episode_type == 'progression' and prior_systemic_before_episode",
        "Progression after systemic therapy: later lines are not standardised. Relevant factors are the "
        "progression-free interval after the previous line, tumour burden, prior toxicity, comorbidity and drug "
        "availability. Immunotherapy has given durable responses in a minority. Local therapy is a reasonable "
        "way to maximise disease control.",
        "",
        "Laganà 2026.",
    ),
    (
        "ACC-GEN-01",
        "caution",
        "True",
        "Management in a referral centre with a multidisciplinary team is advised; surgery only by surgeons "
        "experienced in adrenal and oncological surgery, aiming at complete en bloc resection.",
        "",
        "Laganà 2026; ESE-ENSAT 2018 (Fassnacht, Eur J Endocrinol 179:G1).",
    ),
    (
        "ACC-MD-01",
        "missing-data",
        "missing(ki67_pct)",
        "No Ki-67 recorded; biology-based criteria are undetermined.",
        "",
        "",
    ),
    (
        "ACC-MD-02",
        "missing-data",
        "missing(hormone_excess) or (hormone_excess is True and missing(glucocorticoid_excess))",
        "Hormonal status (or glucocorticoid excess) not recorded.",
        "",
        "",
    ),
    (
        "ACC-MD-03",
        "missing-data",
        f"{_ACC_LT01_BASE} and missing(board_inputs.complete_resection_feasible)",
        "Board to state whether complete resection or ablation seems feasible.",
        "",
        "",
    ),
)

_CRC = (
    (
        "CRLM-CLS-01",
        "classification",
        "metastases_present and metastatic_sites <= CRLM_OMD_MAX_SITES and ("
        "(metastasis_count <= CRLM_OMD_MAX_LESIONS and primary_controlled and board_inputs.all_sites_safely_treatable)"
        " or (metastasis_count > CRLM_OMD_MAX_LESIONS and board_inputs.all_sites_safely_treatable is True"
        " and unknown('board judgement: more than 5 lesions')))",
        "Meets the ESMO definition of oligometastatic disease: 1–5 lesions, up to 2 sites, controlled primary "
        "(resection optional), all sites safely treatable.",
        "",
        "ESMO 2022 (Cervantes) via Adam slides.",
    ),
    (
        "CRLM-CLS-02",
        "caution",
        "metastasis_count > CRLM_OMD_MAX_LESIONS and metastatic_sites <= CRLM_OMD_MAX_SITES "
        "and board_inputs.all_sites_safely_treatable is True",
        'More than 5 lesions: ESMO accepts "occasionally more" when complete eradication is possible. The '
        "board decides whether this counts as OMD (status undetermined).",
        "",
        "ESMO 2022 via Adam slides.",
    ),
    (
        "CRLM-CLS-03",
        "classification",
        "metastases_present and is_oligometastatic == False",
        "Beyond the ESMO oligometastatic definition.",
        "",
        "ESMO 2022 via Adam slides.",
    ),
    (
        "CRLM-CAU-01",
        "caution",
        "extrahepatic_disease",
        "Extrahepatic disease is present. It counts toward the 2-site limit, and the liver-focused rules below "
        "do not address it; the board assesses it separately.",
        "",
        "Adam slides (scope).",
    ),
    (
        "CRLM-TIM-01",
        "systemic-therapy consideration",
        f"{_TIM_BASE} and crlm_presentation == 'synchronous'",
        'Synchronous liver metastases, even limited: short chemotherapy first as a "test of time", then one- '
        "or two-stage surgery (liver plus primary) if the disease is controlled.",
        "",
        "Adam et al. 2015 expert consensus via Adam slides.",
    ),
    (
        "CRLM-TIM-02",
        "systemic-therapy consideration",
        f"{_TIM_BASE} and crlm_presentation == 'metachronous_early'",
        "Early metachronous recurrence (< 6 months after primary surgery): chemotherapy and surgery.",
        "",
        "Adam slides.",
    ),
    (
        "CRLM-TIM-03",
        "local-therapy option",
        f"{_TIM_BASE} and crlm_presentation == 'metachronous_late' "
        "and board_inputs.resectability == 'upfront_resectable'",
        "Late recurrence (> 6 months) with easy-to-resect liver metastases: surgery upfront.",
        "",
        "Adam slides.",
    ),
    (
        "CRLM-CAU-02",
        "caution",
        f"{_TIM_BASE} and crlm_presentation == 'metachronous_boundary'",
        'Recurrence exactly 6 months after surgery, between the "< 6" and "> 6 months" branches of the '
        "source; the board should choose.",
        "",
        "Adam slides.",
    ),
    (
        "CRLM-PROG-01",
        "caution",
        _PROG,
        "Progression of liver metastases on chemotherapy is a relative contraindication to surgery (poor "
        "long-term outcome). The usual aim is disease control with chemotherapy, even second-line, before any "
        "local treatment.",
        "",
        "Adam slides (progression; take-home 7).",
    ),
    (
        "CRLM-PROG-02",
        "caution",
        f"{_PROG} and {_VIGANO}",
        "Viganò criteria met: liver resection is contraindicated in this setting, and further chemotherapy is "
        "recommended by the source.",
        "",
        "Viganò 2012 via Adam slides.",
    ),
    (
        "CRLM-PROG-03",
        "local-therapy option",
        f"{_PROG} and not {_VIGANO}",
        "Progression alone is not an absolute contraindication here (Viganò criteria not met); resection may "
        "still be discussed.",
        "",
        "Viganò 2012 via Adam slides.",
    ),
    (
        "CRLM-PROG-04",
        "caution",
        f"{_PROG} and current_chemo_line >= 2",
        "Progression despite second or later line: surgery only if complete resection is possible and the MDT "
        "agrees (an exception in the source).",
        "",
        "Adam slides.",
    ),
    (
        "CRLM-PROG-05",
        "local-therapy option",
        "controlled_on_later_line and liver_count > 0",
        "Disease controlled on second or later line: surgery should not be denied after failure of first-line "
        "chemotherapy.",
        "",
        "Adam et al. 2017 (LiverMetSurvey, 6,415 patients) via Adam slides.",
    ),
    (
        "CRLM-SYS-01",
        "systemic-therapy consideration",
        "liver_count > 0 and board_inputs.resectability == 'upfront_resectable' "
        "and liver_count <= CRLM_EPOC_MAX_LESIONS and not extrahepatic_disease and not progression_on_chemotherapy",
        "Resectable, ≤ 4 metastases: perioperative FOLFOX improved PFS (EORTC 40983) but not OS at 8.5 years. "
        "ESMO: may not be needed with favourable prognosis [III,B]; oxaliplatin-based perioperative "
        "chemotherapy is recommended when prognosis is unclear [II,B].",
        "",
        "Nordlinger 2008; ESMO 2022; via Adam slides.",
    ),
    (
        "CRLM-SYS-02",
        "systemic-therapy consideration",
        "not metastases_present and liver_directed_local_treatment_done",
        "After hepatectomy: adjuvant mFOLFOX6 improved DFS (5-yr 49.8% vs 38.7%) but not OS, with severe "
        "adverse events in about half of patients.",
        "",
        "JCOG0603 (Kanemitsu 2021) via Adam slides.",
    ),
    (
        "CRLM-SYS-03",
        "systemic-therapy consideration",
        "liver_count == 1 and not extrahepatic_disease and crlm_presentation == 'metachronous_late' "
        "and metastatic_treatment_naive",
        "Very limited disease (single metachronous metastasis): the source finds no clear benefit of "
        "preoperative chemotherapy; neoadjuvant chemotherapy may be omitted.",
        "",
        "Adam slides (LiverMetSurvey; take-home 2).",
    ),
    (
        "CRLM-LT-01",
        "local-therapy option",
        "is_oligometastatic and board_inputs.resectability == 'upfront_resectable' and not progression_on_chemotherapy",
        "Resectable oligometastatic disease: surgery is the standard and potentially curative treatment (about "
        "40–50% 5-year OS).",
        "",
        "ESMO 2022; LiverMetSurvey; via Adam slides.",
    ),
    (
        "CRLM-LT-02",
        "local-therapy option",
        _LT02,
        "All liver lesions ≤ 3 cm: thermal ablation may achieve results equivalent to resection, with lower "
        "morbidity. An adequate ablation margin predicts complete eradication.",
        "",
        "COLLISION; CLOCC (Ruers 2012); via Adam slides.",
    ),
    (
        "CRLM-LT-03",
        "local-therapy option",
        f"{_LT02} and liver_count <= CRLM_COLLISION_MAX_LESIONS",
        "Limited burden (≤ 3 lesions ≤ 3 cm): a percutaneous or laparoscopic approach (ablation or resection) "
        "may be considered.",
        "",
        "COLLISION protocol via Adam slides.",
    ),
    (
        "CRLM-LT-04",
        "caution",
        "liver_count > 0 and not all_liver_at_most(CRLM_TA_MAX_MM)",
        "Lesions > 3 cm are beyond the size range of thermal ablation. Resection, or resection combined with "
        "ablation of small lesions, is the usual option for them.",
        "",
        'Adam slides (RFA "max 2–3 cm"; COLLISION 18% combined).',
    ),
    (
        "CRLM-LT-05",
        "local-therapy option",
        f"{_OMD_NOT_EXCLUDED} and (board_inputs.resectability == 'unresectable' or frail)",
        "For inoperable patients SBRT is a treatment option. SBRT, TACE and TARE are not regarded as curative, "
        "and no randomised data exist for SBRT.",
        "",
        "Adam slides (SBRT series; take-home 6).",
    ),
    (
        "CRLM-SCO-01",
        "caution",
        "fong_crs >= FONG_HIGH_RISK_MIN",
        "High Fong clinical risk score (3–5).",
        "",
        "Fong 1999.",
    ),
    (
        "CRLM-SCO-02",
        "caution",
        "liver_count > 0 and tbs >= TBS_HIGH_MIN",
        "High tumour burden score zone.",
        "",
        "Sasaki 2018.",
    ),
    (
        "CRLM-MD-01",
        "missing-data",
        "missing(cea_ng_ml)",
        "No CEA in the last 90 days; Fong and Viganò are incomplete.",
        "",
        "",
    ),
    (
        "CRLM-MD-02",
        "missing-data",
        "missing(n_status) or n_status == 'Nx'",
        "Nodal status of the primary unknown; Fong is incomplete.",
        "",
        "",
    ),
    (
        "CRLM-MD-03",
        "missing-data",
        "liver_count > 0 and missing(board_inputs.resectability)",
        "Board resectability category not recorded (upfront / marginal / unresectable, the categories the "
        "source finds more clinically useful than OMD labels).",
        "",
        "Adam slides.",
    ),
    (
        "CRLM-MD-04",
        "missing-data",
        "metastases_present and missing(board_inputs.all_sites_safely_treatable)",
        "Board has not stated whether all sites are safely treatable.",
        "",
        "ESMO 2022.",
    ),
    (
        "CRLM-MD-05",
        "missing-data",
        "metastases_present and primary_in_situ and missing(board_inputs.primary_controllable)",
        "Board has not stated whether the primary is controlled or controllable.",
        "",
        "ESMO 2022.",
    ),
)


def _rules() -> tuple[RuleSpec, ...]:
    rules = []
    order = 0
    for disease, table in (("general", _GENERAL), ("acc", _ACC), ("crc", _CRC)):
        for code, category, condition, text, evidence, source in table:
            order += 10
            # §7 gives one "Evidence / source" column: it is the finding's evidence and its source.
            rules.append(
                RuleSpec(
                    code=code,
                    disease=disease,
                    category=category,
                    order=order,
                    condition=condition,
                    text=text,
                    evidence=evidence or source,
                    source=source,
                )
            )
    return tuple(rules)


RULES: tuple[RuleSpec, ...] = _rules()
EFFECTIVE_ON = "2026-01-01"


def release_data() -> dict:
    """This ruleset in the shape of guidance/migrations/release_2026_1.json (a test keeps the two identical)."""
    return {
        "version": VERSION,
        "effective_on": EFFECTIVE_ON,
        "parameters": [
            {"name": p.name, "value": str(p.value), "unit": p.unit, "source": p.source, "note": p.note}
            for p in PARAMETERS
        ],
        "rules": [
            {
                "code": r.code,
                "scope": r.disease,
                "category": r.category,
                "order": r.order,
                "condition": r.condition,
                "text": r.text,
                "evidence": r.evidence,
                "source": r.source,
            }
            for r in RULES
        ],
    }


__all__ = [
    "CONDITION_NAMES",
    "DEFAULT_PARAMETERS",
    "PARAMETERS",
    "RULES",
    "VERSION",
    "ParameterSpec",
    "RuleSpec",
    "release_data",
]
