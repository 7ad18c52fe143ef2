"""The report's metadata in Nynorsk and English: what admins write, what readers get, what is
not translated yet.

Bokmål is the item's own text (``models.translation`` says why); ``Texts`` answers an item's
text in one language and falls back to it. A request reads one language's translations once
(``texts``), however many labels it prints. A field's unit (``timer``, ``årsverk``) is translated
as its label is; a unit of no words (``%``) reads the same in every language and is never asked
for. A period's name is derived where the calendar names it (``periods.names``), else translated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from pydantic import Field
from tortoise.transactions import in_transaction

from ...errors import InvalidInput, NotFound
from ...language import FALLBACK, Language
from ...models import FieldDefinition, Period, ReportForm, Section, TranslatedAttribute, TranslatedSubject, Translation
from ..base import access, audit
from ..base.context import Context
from ..base.inputs import PrintedText, Strict
from ..periods.names import Dated, standard_name

ATTRIBUTES = {
    TranslatedSubject.SECTION: (TranslatedAttribute.TITLE, TranslatedAttribute.DESCRIPTION),
    TranslatedSubject.FIELD: (TranslatedAttribute.LABEL, TranslatedAttribute.DESCRIPTION, TranslatedAttribute.UNIT),
    TranslatedSubject.FORM: (TranslatedAttribute.NAME, TranslatedAttribute.DESCRIPTION),
    TranslatedSubject.PERIOD: (TranslatedAttribute.NAME,),
}
"""What each kind of item has to translate."""

TRANSLATED = (Language.NN, Language.EN)

Key = tuple[TranslatedSubject, str, TranslatedAttribute]


class TranslationSpec(Strict):
    subject: TranslatedSubject
    subject_id: str = Field(min_length=1, max_length=64)
    attribute: TranslatedAttribute
    language: Language
    text: PrintedText = Field(max_length=10_000)
    """The translation; empty removes it (the item falls back to Bokmål)."""


@dataclass(frozen=True, slots=True)
class Texts:
    """One language's translations: ``texts.of(subject, id, attribute, bokmål)``."""

    language: Language
    translations: dict[Key, str]

    def of(self, subject: TranslatedSubject, subject_id: str, attribute: TranslatedAttribute, source: str) -> str:
        return self.translations.get((subject, subject_id, attribute), source) if source else source

    def section_title(self, section: Section) -> str:
        return self.of(TranslatedSubject.SECTION, section.id, TranslatedAttribute.TITLE, section.title)

    def section_description(self, section: Section) -> str:
        return self.of(TranslatedSubject.SECTION, section.id, TranslatedAttribute.DESCRIPTION, section.description)

    def field_label(self, definition: FieldDefinition) -> str:
        return self.of(TranslatedSubject.FIELD, definition.key, TranslatedAttribute.LABEL, definition.label)

    def field_description(self, definition: FieldDefinition) -> str:
        return self.of(TranslatedSubject.FIELD, definition.key, TranslatedAttribute.DESCRIPTION, definition.description)

    def field_unit(self, definition: FieldDefinition) -> str | None:
        return self.unit(definition.key, definition.unit)

    def unit(self, field_key: str, unit: str | None) -> str | None:
        """A field's unit by its key (``%`` and other units of no words as they are)."""
        return self.of(TranslatedSubject.FIELD, field_key, TranslatedAttribute.UNIT, unit) if unit and has_words(unit) else unit

    def period_name(self, period: Dated) -> str:
        """Its own name in Bokmål; else a stored translation, the calendar's name, its Bokmål."""
        if self.language == FALLBACK:
            return period.name
        stored = self.translations.get((TranslatedSubject.PERIOD, period.id, TranslatedAttribute.NAME))
        return stored or standard_name(period, self.language) or period.name

    def form_name(self, form: ReportForm) -> str:
        return self.of(TranslatedSubject.FORM, form.id, TranslatedAttribute.NAME, form.name)

    def form_description(self, form: ReportForm) -> str:
        return self.of(TranslatedSubject.FORM, form.id, TranslatedAttribute.DESCRIPTION, form.description)


BOKMAL = Texts(Language.NB, {})


def has_words(text: str | None) -> bool:
    """A text with letters in it: a unit such as ``%`` has none to translate."""
    return any(character.isalpha() for character in text or "")


async def texts(ctx: Context, *, language: Language) -> Texts:
    """The language's translations, read once per request (Bokmål needs none)."""
    if language == FALLBACK:
        return BOKMAL
    kept = ctx.loaders.translations
    if language not in kept:
        rows = await Translation.filter(language=language.value).values_list("subject", "subject_id", "attribute", "text")
        kept[language] = Texts(
            language,
            {(TranslatedSubject(s), i, TranslatedAttribute(a)): text for s, i, a, text in rows},
        )
    return cast(Texts, kept[language])


async def _source(spec: TranslationSpec) -> str:
    """The Bokmål text the translation translates; NotFound for an item that does not exist."""
    if spec.attribute not in ATTRIBUTES[spec.subject]:
        names = ", ".join(attribute.value for attribute in ATTRIBUTES[spec.subject])
        raise InvalidInput(
            field="attribute", message_id="structure.translations.translate", values={"value": spec.subject.value, "names": names}
        )
    item: Section | FieldDefinition | ReportForm | Period | None
    if spec.subject == TranslatedSubject.SECTION:
        item = await Section.get_or_none(id=spec.subject_id)
    elif spec.subject == TranslatedSubject.FORM:
        item = await ReportForm.get_or_none(id=spec.subject_id)
    elif spec.subject == TranslatedSubject.PERIOD:
        item = await Period.get_or_none(id=spec.subject_id)
    else:
        item = await FieldDefinition.filter(key=spec.subject_id).order_by("-valid_from").first()
    if item is None:
        raise NotFound(spec.subject.value, spec.subject_id)
    return str(getattr(item, spec.attribute.value) or "")


async def update(ctx: Context, *, spec: TranslationSpec) -> Translation | None:
    """Set (or, with empty text, remove) one translation; None when removed."""
    access.require_admin(ctx)
    if spec.language == FALLBACK:
        raise InvalidInput(
            "translations are kept for nn and en; Bokmål is the item's own text",
            field="language",
            message_id="error.translation_language",
        )
    await _source(spec)
    where: dict[str, Any] = {
        "subject": spec.subject,
        "subject_id": spec.subject_id,
        "attribute": spec.attribute,
        "language": spec.language.value,
    }
    text = spec.text.strip()

    async def write() -> Translation | None:
        async with in_transaction():
            before = await Translation.get_or_none(**where)
            if not text:
                if before is not None:
                    await before.delete()
                kept = None
            elif before is None:
                kept = await Translation.create(**where, text=text, updated_by=ctx.principal.subject or "admin")
            else:
                before_text = before.text
                before.update_from_dict({"text": text, "updated_by": ctx.principal.subject or "admin"})
                await before.save()
                kept, before = before, Translation(text=before_text)
            await audit.record(
                ctx,
                action="translation.removed" if kept is None else "translation.set",
                entity_type="translation",
                entity_id=f"{spec.subject.value}:{spec.subject_id}:{spec.attribute.value}:{spec.language.value}",
                before={"text": before.text} if before is not None else None,
                after={"text": text} if kept is not None else None,
            )
        return kept

    kept = await audit.replaced_by_key(write)
    ctx.loaders.translations.pop(spec.language, None)
    return kept


@dataclass(frozen=True, slots=True)
class Untranslated:
    subject: TranslatedSubject
    subject_id: str
    attribute: TranslatedAttribute
    language: Language
    source: str
    """The Bokmål text to translate."""


async def untranslated(ctx: Context, *, language: Language | None = None) -> list[Untranslated]:
    """Every text of the structure in force (sections, open field versions with their units,
    forms) and every period the calendar does not name that has no translation yet in
    ``language`` (or in either of nn and en), with its Bokmål to translate from; a text with no
    words (no description, a unit such as ``%``) has nothing to translate."""
    languages = (language,) if language is not None and language != FALLBACK else TRANSLATED if language is None else ()
    items: list[tuple[TranslatedSubject, str, TranslatedAttribute, str]] = []
    for section in await Section.filter(is_active=True, valid_to=None).order_by("order", "id"):
        items += [
            (TranslatedSubject.SECTION, section.id, a, getattr(section, a.value)) for a in ATTRIBUTES[TranslatedSubject.SECTION]
        ]
    for field in await FieldDefinition.filter(valid_to=None, section__is_active=True).order_by("section_id", "position"):
        items += [
            (TranslatedSubject.FIELD, field.key, a, getattr(field, a.value) or "") for a in ATTRIBUTES[TranslatedSubject.FIELD]
        ]
    for form in await ReportForm.all().order_by("id"):
        items += [(TranslatedSubject.FORM, form.id, a, getattr(form, a.value)) for a in ATTRIBUTES[TranslatedSubject.FORM]]
    periods = await Period.all().order_by("start", "end", "id")
    missing = []
    for wanted in languages:
        done = await texts(ctx, language=wanted)
        named = [
            (TranslatedSubject.PERIOD, p.id, TranslatedAttribute.NAME, p.name)
            for p in periods
            if standard_name(p, wanted) is None
        ]
        missing += [
            Untranslated(subject, subject_id, attribute, wanted, source)
            for subject, subject_id, attribute, source in items + named
            if has_words(source) and (subject, subject_id, attribute) not in done.translations
        ]
    return missing
