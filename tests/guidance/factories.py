import datetime as dt

import factory

from guidance.models import GuidanceDocument, GuidanceVersion


class GuidanceDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuidanceDocument

    slug = factory.Sequence(lambda n: f"guidance-{n}")
    title = factory.Sequence(lambda n: f"Guidance {n}")
    section = "clinical_operational"
    topics = factory.LazyFunction(lambda: ["receipt"])


class GuidanceVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuidanceVersion

    document = factory.SubFactory(GuidanceDocumentFactory)
    title = factory.SelfAttribute("document.title")
    summary = "A short summary."
    body_markdown = "Some **guidance**."
    body_html = "<p>Some <strong>guidance</strong>.</p>"
    status = GuidanceVersion.Status.PUBLISHED
    number = 1
    effective_date = factory.LazyFunction(dt.date.today)
    review_due = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=365))
