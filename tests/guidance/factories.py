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
    reread_from = factory.SelfAttribute("number")
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
    needs_reread: bool = True,
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
        needs_reread=needs_reread,
    )


SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "zu", "pe", "da", "go", "hi", "ju"]
COMMON_WORDS = (
    "product patient storage infusion pharmacy temperature record check label courier dose "
    "cassette vapour nitrogen alarm seal trace order identity sponsor trial manual waste spill "
    "container custody freezer release dispense prepare administer monitor review audit"
).split()


def vocabulary_word(index: int) -> str:
    """A deterministic made-up word: distinct for every index, unknown to any dictionary."""
    word = ""
    index += len(SYLLABLES) ** 2
    while index:
        index, rest = divmod(index, len(SYLLABLES))
        word += SYLLABLES[rest]
    return word


def bulk_guidance(*, documents: int, versions_per_document: int = 1, seed: int = 0) -> int:
    """Many documents with versions (all but the last superseded), fast: for index and bench tests.

    Each version's text mixes common pharmacy words with made-up ones, so a made-up word
    matches a few versions and a common word most of them. Returns the number of versions.
    """
    import random

    from guidance import services

    rng = random.Random(seed)
    docs = GuidanceDocument.objects.bulk_create(
        GuidanceDocument(
            slug=f"bulk-{seed}-{n}",
            title=f"Bulk guidance {n}",
            section="clinical_operational",
            topics=[rng.choice(["receipt", "storage", "waste", "thaw_reconstitution"])],
            atmp_classes=[rng.choice(["gtmp_in_vivo", "gtmp_ex_vivo", "sctmp", "tep"])],
        )
        for n in range(documents)
    )

    def sentence(words: int) -> str:
        return " ".join(
            rng.choice(COMMON_WORDS) if rng.random() < 0.7 else vocabulary_word(rng.randrange(5000))
            for _ in range(words)
        )

    versions = []
    today = dt.date.today()
    for doc in docs:
        for number in range(1, versions_per_document + 1):
            body = ". ".join(sentence(12) for _ in range(8))
            versions.append(
                GuidanceVersion(
                    document=doc,
                    number=number,
                    reread_from=number,
                    status=(
                        GuidanceVersion.Status.PUBLISHED
                        if number == versions_per_document
                        else GuidanceVersion.Status.SUPERSEDED
                    ),
                    title=f"{doc.title} {sentence(4)}",
                    summary=sentence(15),
                    body_markdown=body,
                    body_html=f"<p>{body}</p>",
                    body_text=body,
                    change_note="Bulk.",
                    effective_date=today,
                    review_due=today + dt.timedelta(days=365),
                )
            )
    created = GuidanceVersion.objects.bulk_create(versions, batch_size=2000)
    # As on publish: only current versions carry a search vector.
    ids = [version.pk for version in created if version.status == GuidanceVersion.Status.PUBLISHED]
    for start in range(0, len(ids), 2000):
        services.search_vector_refresh(
            versions=GuidanceVersion.objects.filter(pk__in=ids[start : start + 2000])
        )
    return len(versions)
