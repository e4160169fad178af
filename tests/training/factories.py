import datetime as dt

import factory

from tests.sites.factories import SiteFactory
from training.models import Course, StaffMember, TrainingRecord


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"course_{n}")
    title = factory.Sequence(lambda n: f"Course {n}")
    renewal_months = 12


class StaffMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    site = factory.SubFactory(SiteFactory)
    full_name = factory.Faker("name", locale="en_GB")
    email = factory.Sequence(lambda n: f"staff{n}@nhs.example")
    roles = factory.LazyFunction(lambda: ["CELL_LAB_SCI"])
    active = True


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    staff = factory.SubFactory(StaffMemberFactory)
    course = factory.SubFactory(CourseFactory)
    completed_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=30))
