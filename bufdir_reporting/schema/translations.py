"""Languages in the graph: the ``Language`` enum every ``language`` argument takes, the
metadata's translations an admin writes, and what is not translated yet.

A text field with a ``language`` argument answers in it; without one, in the language of the
request's ``Accept-Language``; without that, Bokmål (the metadata's own text).
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from .. import models
from ..language import Language, argued, chosen
from ..resolvers.base.inputs import parse
from ..resolvers.structure import translations
from ..resolvers.structure.translations import Texts, TranslationSpec
from .context import Info

strawberry.enum(Language, name="Language", description="A language texts can be read in: Bokmål, Nynorsk or English.")
strawberry.enum(models.TranslatedSubject, name="TranslatedSubject", description="What kind of item a text belongs to.")
strawberry.enum(models.TranslatedAttribute, name="TranslatedAttribute", description="Which of an item's texts.")

LanguageArgument = Annotated[
    Language | None,
    strawberry.argument(description="The language to answer in; default: the request's Accept-Language, else Bokmål."),
]


SUBJECT_ID = "The section's id, the field's key, the form's id or the period's id (its public key)."
SPEC_FIELDS = ("subject", "subject_id", "attribute", "language", "text")


async def texts_of(info: Info, language: Language | None) -> Texts:
    return await translations.texts(info.context, language=argued(language) or chosen())


@strawberry.type(description="One text of the report's metadata that has no translation in a language yet.")
class UntranslatedText:
    subject: models.TranslatedSubject = strawberry.field(description="Section, field, form or period.")
    subject_id: strawberry.ID = strawberry.field(description=SUBJECT_ID)
    attribute: models.TranslatedAttribute = strawberry.field(
        description="Which text: title, label, name, description or unit (a field's)."
    )
    language: Language = strawberry.field(description="The language it lacks.")
    source: str = strawberry.field(description="The Bokmål text to translate from.")


@strawberry.type(description="A translation as stored; null text after one was removed.")
class TranslationResult:
    subject: models.TranslatedSubject = strawberry.field(description="Section, field, form or period.")
    subject_id: strawberry.ID = strawberry.field(description=SUBJECT_ID)
    attribute: models.TranslatedAttribute = strawberry.field(description="Which text.")
    language: Language = strawberry.field(description="nn or en.")
    text: str | None = strawberry.field(description="The translation; null: removed, the item reads its Bokmål.")


@strawberry.input(description="One translation of a section's, field's or form's text (admin).")
class TranslationInput:
    subject: models.TranslatedSubject = strawberry.field(description="Section, field, form or period.")
    subject_id: strawberry.ID = strawberry.field(description=SUBJECT_ID)
    attribute: models.TranslatedAttribute = strawberry.field(
        description="Which text: title, label, name, description or unit (a field's)."
    )
    language: Language = strawberry.field(description="NN or EN (Bokmål is the item's own text).")
    text: str = strawberry.field(description="The translation; empty removes it (the item falls back to Bokmål).")


@strawberry.type
class TranslationQuery:
    @strawberry.field(
        description="Texts of the structure in force (sections, fields and their units, forms) and names of periods "
        "the calendar does not name, not translated yet, with their Bokmål; "
        "in one language, or in Nynorsk and English when none is named."
    )
    async def untranslated_texts(
        self,
        info: Info,
        language: Annotated[Language | None, strawberry.argument(description="NN or EN; default: both.")] = None,
    ) -> list[UntranslatedText]:
        missing = await translations.untranslated(info.context, language=language)
        return [UntranslatedText(**{name: getattr(m, name) for name in (*SPEC_FIELDS[:-1], "source")}) for m in missing]


@strawberry.type
class TranslationMutation:
    @strawberry.mutation(
        description="Set or remove a Nynorsk or English text of a section, field (its unit too), form or period (admin)."
    )
    async def set_translation(self, info: Info, input: TranslationInput) -> TranslationResult:
        spec = parse(TranslationSpec, {name: getattr(input, name) for name in SPEC_FIELDS})
        kept = await translations.update(info.context, spec=spec)
        return TranslationResult(
            subject=spec.subject,
            subject_id=strawberry.ID(spec.subject_id),
            attribute=spec.attribute,
            language=spec.language,
            text=kept.text if kept else None,
        )
