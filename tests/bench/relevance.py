"""The guidance relevance set: questions a trial pharmacist types, with the documents that answer them.

Judged against the twenty guidance summaries of the demo data (atmp_portal/demo/data/guidance.json):
each question lists the slugs of every document a pharmacist asking it would want to read, the
best answer first. Questions are written as people type them into a search box — plain words,
abbreviations, other spellings and whole questions — not in the documents' own wording.

`score()` runs every question through a search function and returns the mean reciprocal rank of
the first relevant document (MRR) and the mean share of each question's relevant documents found
in the first five results (recall@5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

DRY_SHIPPER = "receiving-cryopreserved-autologous-product-dry-shipper"
LN2_STORE = "keeping-atmps-in-vapour-phase-liquid-nitrogen"
THAW = "thawing-cryopreserved-cell-product-for-infusion"
OVERSIGHT = "pharmacist-oversight-versus-supervision-of-atmp-preparation"
GMSC = "setting-up-gmsc-review-for-a-gene-therapy-trial"
VECTOR_PREP = "choosing-where-to-prepare-an-in-vivo-viral-vector"
IN_VIVO_ADMIN = "giving-in-vivo-gene-therapy-ppe-shedding-patient-advice"
SPILL = "cleaning-up-a-gmo-spill"
WASTE = "disposing-of-gmo-and-cellular-atmp-waste"
MOVING = "moving-atmps-inside-the-hospital"
OOS = "when-the-product-is-out-of-specification"
TOCILIZUMAB = "tocilizumab-and-other-medicines-around-car-t-infusion"
OUTSOURCING = "out-sourcing-storage-or-preparation-of-atimps"
COSTING = "costing-pharmacy-work-on-an-atimp-trial"
MANUAL = "what-an-atimp-pharmacy-manual-should-contain"
TEP = "fresh-tissue-engineered-products-short-shelf-life"
EXPORT = "exporting-apheresis-starting-material-for-manufacture-outside-uk"
LAB_AUDIT = "auditing-the-cell-therapy-laboratory-for-pharmacy"
LN2_ALARM = "responding-to-ln2-storage-temperature-alarm-out-of-hours"
IDENTITY = "chain-of-identity-checks-at-each-hand-off"

QUESTIONS: list[tuple[str, list[str]]] = [
    ("liquid nitrogen storage", [LN2_STORE, LN2_ALARM]),
    ("liquid nitrogen alarm", [LN2_ALARM, LN2_STORE]),
    ("LN2 alarm at night", [LN2_ALARM]),
    ("what to do when the LN2 tank alarm goes off at the weekend", [LN2_ALARM]),
    ("oxygen depletion alarm in the LN2 room", [LN2_STORE, LN2_ALARM]),
    ("vapour phase storage segregation", [LN2_STORE]),
    ("dry shipper delivery", [DRY_SHIPPER]),
    ("how do I check a dry shipper when it arrives", [DRY_SHIPPER]),
    ("receiving a CAR T product", [DRY_SHIPPER]),
    ("cryo product arrived with a broken seal", [DRY_SHIPPER]),
    ("chimeric antigen receptor tocilizumab stock", [TOCILIZUMAB]),
    ("how many doses of tocilizumab do we need for CAR-T", [TOCILIZUMAB]),
    ("CART cell therapy supportive medicines", [TOCILIZUMAB]),
    ("cytokine release syndrome", [TOCILIZUMAB]),
    ("ICANS", [TOCILIZUMAB]),
    ("genetically modified spill", [SPILL]),
    ("what goes in a GMO spill kit", [SPILL]),
    ("spillage of gene therapy vector", [SPILL]),
    ("disposal of genetically modified waste", [WASTE]),
    ("how to destroy unused IMP", [WASTE]),
    ("thawing cryopreserved cells at the bedside", [THAW]),
    ("thaw cryo bag in a water bath", [THAW]),
    ("defrost a frozen cell product before infusion", [THAW]),
    ("pharmacist supervision of ATMP preparation", [OVERSIGHT]),
    ("does a pharmacist have to supervise preparation done by another department", [OVERSIGHT]),
    ("genetic modification safety committee approval", [GMSC]),
    ("GMSC and HSE notification for a gene therapy trial", [GMSC]),
    ("where should we prepare a viral vector", [VECTOR_PREP]),
    ("aseptic unit or cabinet for in vivo gene therapy", [VECTOR_PREP]),
    ("PPE for giving gene therapy", [IN_VIVO_ADMIN]),
    ("shedding advice for patients after gene therapy", [IN_VIVO_ADMIN]),
    ("moving products between pharmacy and the ward", [MOVING]),
    ("transport container for an ATMP within the hospital", [MOVING]),
    ("double containment when moving GMO", [MOVING]),
    ("out of specification product what to do", [OOS]),
    ("OOS cell therapy who decides to use it", [OOS]),
    ("contracting another organisation to store ATIMPs", [OUTSOURCING]),
    ("technical agreement for outsourced storage", [OUTSOURCING, LAB_AUDIT]),
    ("how to cost pharmacy activities for an ATIMP trial", [COSTING]),
    ("pharmacy charges tariff for sponsors", [COSTING]),
    ("what should the sponsor's pharmacy manual contain", [MANUAL]),
    ("pharmacy manual checklist at feasibility", [MANUAL]),
    ("fresh tissue engineered product shelf life", [TEP]),
    ("surgery cancelled after the tissue-engineered product arrived", [TEP]),
    ("exporting apheresis material for manufacture abroad", [EXPORT]),
    ("HTA licence for sending starting material outside the UK", [EXPORT]),
    ("auditing the stem cell lab", [LAB_AUDIT]),
    ("is the cell therapy laboratory suitable for pharmacy use", [LAB_AUDIT]),
    ("chain of identity checks", [IDENTITY, DRY_SHIPPER]),
    ("two person check of patient identifiers for autologous products", [IDENTITY]),
]


@dataclass
class Score:
    mrr: float
    recall_at_5: float
    misses: list[tuple[str, list[str]]] = field(default_factory=list)


def score(search: Callable[[str], list[str]]) -> Score:
    """`search(question)` returns result slugs best first; a miss has no relevant one in the top 5."""
    reciprocal, recall, misses = [], [], []
    for question, relevant in QUESTIONS:
        slugs = search(question)
        ranks = [slugs.index(slug) + 1 for slug in relevant if slug in slugs]
        reciprocal.append(1 / min(ranks) if ranks else 0.0)
        top = set(slugs[:5])
        recall.append(sum(slug in top for slug in relevant) / len(relevant))
        if not top & set(relevant):
            misses.append((question, slugs[:5]))
    return Score(
        mrr=sum(reciprocal) / len(QUESTIONS),
        recall_at_5=sum(recall) / len(QUESTIONS),
        misses=misses,
    )
