"""The report's metadata in Nynorsk and English over REST (no legacy contract: a path of its
own): the same use cases as GraphQL's setTranslation and untranslatedTexts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Query

from ..language import Language
from ..models import TranslatedAttribute, TranslatedSubject
from ..resolvers.base.context import Context
from ..resolvers.structure import translations
from ..resolvers.structure.translations import TranslationSpec
from .routing import ContextDep, ContractRouter, examples_of
from .shapes import Shape, examples

router = ContractRouter("/api/v1/translations", tag="translations", printed_paths=False)

_TRANSLATION = {
    "subject": "field",
    "subject_id": "antall_akuttplasseringer",
    "attribute": "label",
    "language": "nn",
    "text": "Talet på akuttplasseringar",
}
_UNTRANSLATED = {
    "subject": "section",
    "subject_id": "barn-under-omsorg",
    "attribute": "title",
    "language": "en",
    "source": "Barn under omsorg",
}


class TranslationShape(Shape):
    model_config = examples(_TRANSLATION)

    subject: TranslatedSubject
    subject_id: str
    attribute: TranslatedAttribute
    language: Language
    text: str | None
    """null: removed; the item reads its Bokmål."""


class UntranslatedShape(Shape):
    model_config = examples(_UNTRANSLATED)

    subject: TranslatedSubject
    subject_id: str
    attribute: TranslatedAttribute
    language: Language
    source: str


class UntranslatedList(Shape):
    model_config = examples({"data": [_UNTRANSLATED]})

    data: list[UntranslatedShape]


@router.endpoint(
    "GET", "/untranslated", "listUntranslatedTexts", UntranslatedList, public=True, summary="What is not translated yet"
)
async def list_untranslated(
    ctx: Context = ContextDep,
    language: Annotated[Language | None, Query(description="nn or en; both when left out")] = None,
) -> UntranslatedList:
    missing = await translations.untranslated(ctx, language=language)
    return UntranslatedList(
        data=[
            UntranslatedShape(
                subject=m.subject, subject_id=m.subject_id, attribute=m.attribute, language=m.language, source=m.source
            )
            for m in missing
        ]
    )


@router.endpoint(
    "PUT",
    "",
    "setTranslation",
    TranslationShape,
    errors={404},
    admin=True,
    summary="Set or remove (empty text) a Nynorsk or English text of a section, field (its unit too), form or period",
)
async def set_translation(
    body: Annotated[TranslationSpec, Body(openapi_examples=examples_of(label=_TRANSLATION))], ctx: Context = ContextDep
) -> TranslationShape:
    kept = await translations.update(ctx, spec=body)
    return TranslationShape(
        subject=body.subject,
        subject_id=body.subject_id,
        attribute=body.attribute,
        language=body.language,
        text=kept.text if kept else None,
    )
