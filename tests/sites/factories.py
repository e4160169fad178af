import hashlib

import factory
from django.core.files.base import ContentFile

from sites.models import (
    Capability,
    EvidenceDocument,
    NetworkRegion,
    Region,
    Site,
    SiteCapability,
    SiteMembership,
)
from tests.accounts.factories import UserFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{n:03d}")
    name = factory.Sequence(lambda n: f"Region {n}")
    kind = Region.Kind.RRDN


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Test Hospital {n} NHS Foundation Trust")
    ods_code = factory.Sequence(lambda n: f"R{n:04d}")
    code_system = Site.CodeSystem.ODS
    region = factory.SubFactory(RegionFactory)
    city = "Testford"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteMembership

    user = factory.SubFactory(UserFactory)
    site = factory.SubFactory(SiteFactory)
    role = SiteMembership.Role.COORDINATOR


class NetworkRegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NetworkRegion

    user = factory.SubFactory(UserFactory, network_scope="regions")
    region = factory.SubFactory(RegionFactory)


class CapabilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Capability
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"capability_{n}")
    name = factory.Sequence(lambda n: f"Capability {n}")
    category = Capability.Category.STORAGE
    description = "A capability used in tests."
    atmp_classes = ["gtmp_ex_vivo"]
    evidence_expected = [{"type": "sop", "label": "SOP", "validity_months": 24}]
    evidence_validity_months = 24


class SiteCapabilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteCapability

    site = factory.SubFactory(SiteFactory)
    capability = factory.SubFactory(CapabilityFactory)
    status = SiteCapability.Status.IN_PLACE


class EvidenceDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvidenceDocument

    site = factory.SubFactory(SiteFactory)
    file = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="evidence.pdf"))
    original_name = "evidence.pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    sha256 = hashlib.sha256(PDF_BYTES).hexdigest()
    uploaded_by = factory.SubFactory(UserFactory)
