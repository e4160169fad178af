from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection

from guidance import search as guidance_search
from guidance.models import GuidanceVersion
from tests.accounts.factories import UserFactory
from tests.guidance.factories import publish_guidance


@dataclass
class Corpus:
    thaw_title: GuidanceVersion
    thaw_body: GuidanceVersion
    spill: GuidanceVersion
    storage: GuidanceVersion
    waste: GuidanceVersion


@pytest.fixture
def corpus(db) -> Corpus:
    editor = UserFactory(is_guidance_editor=True)
    return Corpus(
        thaw_title=publish_guidance(
            editor=editor,
            title="Thawing a cryopreserved cell product for infusion",
            summary="Validated method and time limits before infusion.",
            body="Confirm the patient is fit for infusion. Never irradiate the bag.",
            slug="thawing",
            section="clinical_operational",
            topics=["thaw_reconstitution"],
            atmp_classes=["gtmp_ex_vivo", "sctmp"],
        ),
        thaw_body=publish_guidance(
            editor=editor,
            title="Receiving a product in a dry shipper",
            summary="Check seals, temperature trace and paperwork on arrival.",
            body="Store the cassette in vapour phase. Do not thaw the product at receipt.",
            slug="receipt",
            section="clinical_operational",
            topics=["receipt"],
            atmp_classes=["gtmp_ex_vivo"],
        ),
        spill=publish_guidance(
            editor=editor,
            title="Cleaning up a GMO spill",
            summary="Keep a spill kit wherever GMO product is handled.",
            body="Isolate the area and use a virucidal disinfectant. Report to the BSO.",
            slug="gmo-spill",
            section="governance_regulatory",
            topics=["spills_exposure"],
            atmp_classes=["gtmp_in_vivo", "gtmp_ex_vivo"],
        ),
        storage=publish_guidance(
            editor=editor,
            title="Keeping ATMPs in vapour-phase liquid nitrogen",
            summary="Segregate stock; monitor temperature with alarms.",
            body="A kit of spare parts is kept. Spill trays catch drips. Cryopreserved stock only.",
            slug="ln2-storage",
            section="clinical_operational",
            topics=["storage"],
            atmp_classes=["sctmp"],
        ),
        waste=publish_guidance(
            editor=editor,
            title="Disposing of GMO waste",
            summary="Segregate contaminated disposables into the right stream.",
            body="Never pour vector down drains. Record destruction for the sponsor.",
            slug="gmo-waste",
            section="governance_regulatory",
            topics=["waste"],
            atmp_classes=["gtmp_in_vivo"],
        ),
    )


@pytest.fixture(params=["native", "fallback"])
def run_search(request, db):
    """Search through the database's own engine, and through the icontains fallback forced.

    On PostgreSQL the two differ (full-text vs ILIKE); both must satisfy the same behaviour.
    """
    user = UserFactory()

    def run(q, **filters):
        if request.param == "native":
            return list(guidance_search.search(q=q, user=user, **filters))
        versions = guidance_search.current_versions(**filters)
        return list(guidance_search.search_fallback(versions, guidance_search.normalise_query(q)))

    run.engine = (
        "fulltext"
        if request.param == "native" and connection.vendor == "postgresql"
        else "fallback"
    )
    return run
