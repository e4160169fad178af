import factory

from tests.sites.factories import SiteFactory
from tests.training.factories import CourseFactory
from trials.models import (
    CapabilityRequirement,
    RequirementLevel,
    RequirementProfile,
    TrainingRequirement,
    Trial,
    TrialSite,
)


class RequirementProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequirementProfile
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"profile_{n}")
    name = factory.Sequence(lambda n: f"Profile {n}")


class TrialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trial

    short_title = factory.Sequence(lambda n: f"TRIAL-{n}")
    full_title = factory.Sequence(lambda n: f"A test trial number {n}")
    sponsor = "Test Sponsor Ltd"
    phase = Trial.Phase.PHASE_2
    atmp_class = "gtmp_ex_vivo"
    origin = Trial.Origin.AUTOLOGOUS
    gmo = True
    presentation = Trial.Presentation.CRYOPRESERVED
    iras_id = factory.Sequence(lambda n: f"{9800000 + n}")
    is_demo = True


class TrialSiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrialSite

    trial = factory.SubFactory(TrialFactory)
    site = factory.SubFactory(SiteFactory)


class CapabilityRequirementFactory(factory.django.DjangoModelFactory):
    """Pass `capabilities=[...]` (alternatives) and either `profile=` or `trial=`."""

    class Meta:
        model = CapabilityRequirement
        skip_postgeneration_save = True

    level = RequirementLevel.MANDATORY

    @factory.post_generation
    def capabilities(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.capabilities.set(extracted)


class TrainingRequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRequirement

    course = factory.SubFactory(CourseFactory)
    role = ""
    min_staff = 1
