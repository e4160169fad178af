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


def publish_guidance(
    *,
    title: str,
    summary: str = "A short summary.",
    body: str = "Some guidance.",
    editor=None,
    document: GuidanceDocument | None = None,
    change_note: str = "First version.",
    effective_date: dt.date | None = None,
    review_due: dt.date | None = None,
    **document_fields,
) -> GuidanceVersion:
    """A version published through the real services, so its HTML and search vector are real."""
    from guidance import services
    from tests.accounts.factories import UserFactory

    editor = editor or UserFactory(is_guidance_editor=True)
    if document is None:
        document = GuidanceDocumentFactory(title=title, **document_fields)
    draft = services.draft_create(
        document=document, user=editor, title=title, summary=summary, body_markdown=body
    )
    effective_date = effective_date or dt.date.today()
    return services.version_publish(
        version=draft,
        user=editor,
        change_note=change_note,
        effective_date=effective_date,
        review_due=review_due or effective_date + dt.timedelta(days=365),
    )
