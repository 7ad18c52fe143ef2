"""Words inside Norwegian sentences that were English or internal (#32): the columns an import
misses named as a Norwegian writes them, lists of alternatives joined with the language's "or",
the analytics CSV's status and yes/no in words."""

from __future__ import annotations

from bufdir_reporting.language import Either, Language, say

from .conftest import error_of
from .factories import make_organization

NN = {"Accept-Language": "nn"}


async def test_an_import_missing_columns_names_them_as_a_norwegian_writes_them(app, client, tokens):
    org = await make_organization()
    short = ("aktiviteter.csv", b"Dato;Timer\r\n15.02.2026 10:00;1\r\n", "text/csv")
    nynorsk = await client.post("/api/v1/activities/import", files={"file": short}, headers={**tokens.headers(org.id), **NN})
    assert nynorsk.status_code == 422
    message = error_of(nynorsk)["message"]
    assert message == (
        "overskriftsrada har ingen kolonne for «Organisasjon», «Kildesystem», «Aktivitetstype», «Kategori», «Status»"
        " (ho har: «Dato», «Timer»)"
    )
    english = await client.post("/api/v1/activities/import", files={"file": short}, headers=tokens.headers(org.id))
    assert error_of(english)["message"].startswith("the header has no column for organization_id, source_system, activity_type")
    assert error_of(english)["message"].endswith("(it has: 'Dato', 'Timer')"), "as before languages existed"

    unnamed = ("aktiviteter.csv", b";\r\n1;2\r\n", "text/csv")
    nothing = await client.post("/api/v1/activities/import", files={"file": unnamed}, headers={**tokens.headers(org.id), **NN})
    assert error_of(nothing)["message"].endswith("(ho har ingen kolonnar med namn)"), "not 'no named columns'"

    one_cell = ("aktiviteter.csv", b"Dato|Hvem\r\n15.02.2026|x\r\n", "text/csv")
    odd = await client.post("/api/v1/activities/import", files={"file": one_cell}, headers={**tokens.headers(org.id), **NN})
    assert error_of(odd)["message"].startswith("ukjend kolonne: «Dato|Hvem» (overskriftsrada er éi celle")
    assert "kolonnane er: Organisasjon, Kildesystem" in error_of(odd)["message"]


def test_alternatives_are_joined_with_the_languages_or():
    needed = Either(("idporten-loa-substantial", "idporten-loa-high"))
    said = {language: say("identity.mapping.login_s_security_level", language, value="x", needed=needed) for language in Language}
    assert "(idporten-loa-substantial eller idporten-loa-high)" in said[Language.NN]
    assert "(idporten-loa-substantial eller idporten-loa-high)" in said[Language.NB]
    assert "(idporten-loa-substantial or idporten-loa-high)" in said[Language.EN]
    assert Either(("a", "b", "c")).said(Language.NN) == "a, b eller c" and Either(("a",)).said(Language.EN) == "a"


async def test_the_csv_says_a_status_and_a_yes_no_value_in_the_readers_words(app, client, tokens):
    """Its status column held codes (approved, missing) and a yes/no field 1 or 0; the code stays
    beside its word, for scripts that filter on it."""
    from bufdir_reporting.models import TranslatedAttribute, TranslatedSubject, Translation
    from bufdir_reporting.resolvers import snapshots
    from bufdir_reporting.resolvers.snapshots import manual_values

    from .factories import context_for, make_period, make_section, manual

    org = await make_organization(id="org-csv")
    period = await make_period(year=2025, quarter=1)
    await make_section(fields=[manual("har_internkontroll", data_type="boolean"), manual("antall_arsverk")])
    await Translation.create(
        subject=TranslatedSubject.FIELD, subject_id="har_internkontroll", attribute=TranslatedAttribute.LABEL,
        language="nn", text="Har internkontroll", updated_by="t",
    )  # fmt: skip
    ctx = context_for(app.state.settings, app, org.id)
    snapshot = (await snapshots.trigger(ctx, organization_id=org.id, period_id=period.id, wait=True)).snapshot
    await manual_values.set_value(ctx, snapshot_id=snapshot.id, field_key="har_internkontroll", value=True)
    params = [("fields", "har_internkontroll"), ("fields", "antall_arsverk"), ("periods", period.id), ("source", "current")]
    params += [("format", "csv")]

    def rows(response) -> dict[str, list[str]]:
        lines = response.content.decode("utf-8-sig").splitlines()
        return {line.split(";")[0]: line.split(";") for line in lines}

    nynorsk = rows(await client.get("/api/v1/analytics/export", params=params, headers={**tokens.reviewer(), **NN}))
    assert nynorsk["felt"][6:] == ["verdi", "status", "statusnamn", "godkjend"]
    assert nynorsk["har_internkontroll"][6:] == ["ja", "draft", "utkast", "nei"]
    assert nynorsk["antall_arsverk"][6:] == ["", "draft", "utkast", "nei"]
    english = rows(
        await client.get("/api/v1/analytics/export", params=params, headers={**tokens.reviewer(), "Accept-Language": "en"})
    )
    assert english["har_internkontroll"][6:] == ["yes", "draft", "draft", "no"]
