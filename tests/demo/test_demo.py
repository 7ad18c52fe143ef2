from __future__ import annotations

from datetime import UTC, datetime

from bufdir_reporting.demo import DEFAULT_ACTIVITY_COUNT, activities, reference
from bufdir_reporting.models import (
    Activity,
    ActivityParticipant,
    FieldDefinition,
    FormSection,
    Organization,
    Period,
    Section,
)

from .. import contracts

# Every field key the five contracts name, by section.
CONTRACT_FIELDS = {
    "barn-under-omsorg": {
        "antall_barn_plassert_utenfor_hjemmet",
        "antall_akuttplasseringer",
        "andel_barn_i_fosterhjem",
        "antall_omsorgsovertakelser",
        "antall_tilbakeforing_til_hjemmet",
        "antall_barn_i_fosterhjem",
        "antall_barn_i_institusjon",
    },
    "undersokelser": {"antall_undersokelser_igangsatt", "antall_undersokelser_henlagt"},
}


async def test_demo_structure_matches_the_contract_examples(demo):
    sections = await Section.filter(is_active=True).order_by("order")
    assert [s.id for s in sections][:3] == ["barn-under-omsorg", "undersokelser", "hjelpetiltak"]
    assert len(sections) == 8
    staffing = await FieldDefinition.filter(section_id="barnevernfaglig-bemanning").values_list("key", flat=True)
    assert staffing == ["antall_arsverk_med_barnevernfaglig_utdanning"], "a section only the child-welfare form asks"
    asked = {
        f: set(await FormSection.filter(form_id=f).values_list("section_id", flat=True))
        for f in ("barnevern-arsrapport", "frivillighet-kvartalsrapport")
    }
    assert "barnevernfaglig-bemanning" in asked["barnevern-arsrapport"] - asked["frivillighet-kvartalsrapport"]
    fields = await FieldDefinition.filter(valid_to=None)
    by_section: dict[str, list[FieldDefinition]] = {}
    for definition in fields:
        by_section.setdefault(definition.section_id, []).append(definition)
    counts = {key: (sum(f.required for f in fs), len(fs)) for key, fs in by_section.items()}
    assert counts["barn-under-omsorg"] == (6, 12)
    assert counts["undersokelser"] == (5, 9)
    assert counts["hjelpetiltak"] == (4, 8)
    assert sum(required for required, _ in counts.values()) == 34
    for section, keys in CONTRACT_FIELDS.items():
        assert keys <= {f.key for f in by_section[section]}
    assert not await Section.filter(id="familievernkontor").exists()
    akutt = next(f for f in fields if f.key == "antall_akuttplasseringer")
    assert akutt.label == "Antall akuttplasseringer"
    assert akutt.description == "Totalt antall akuttplasseringer gjennomført i rapporteringsperioden."
    assert all(f.label for f in fields)


async def test_demo_organisations_and_periods_cover_the_contracts(demo):
    organizations = {o.id: o.name for o in await Organization.all()}
    assert organizations["org-1042"] == "Barnevernstjenesten Oslo Sør"
    assert {"org-bufdir-42", "org_bufdir_oslo_42"} <= organizations.keys()
    periods = {p.id for p in await Period.all()}
    assert {"2023", "2024", "2025", "rp-2024-q4", "rp-2025-q1"} <= periods


async def test_demo_activities_spread_and_carry_participants(demo):
    assert await Activity.all().count() == 600
    assert len(await Activity.all().distinct().values_list("organization_id", flat=True)) == 5
    assert await ActivityParticipant.all().count() >= 600
    assert await Activity.exists(id=10021)  # the contract example's row (its public id is enciphered)


def test_the_default_demo_is_large_deterministic_and_spans_2023_to_march_2026():
    assert DEFAULT_ACTIVITY_COUNT >= 50_000
    generated = list(activities.generate(reference.ORGANIZATIONS, DEFAULT_ACTIVITY_COUNT))
    again = list(activities.generate(reference.ORGANIZATIONS, 100))
    assert generated[:100] == again
    times = [a.occurred_at for a in generated]
    assert min(times) < datetime(2023, 2, 1, tzinfo=UTC)
    assert datetime(2026, 3, 1, tzinfo=UTC) < max(times) < datetime(2026, 4, 1, tzinfo=UTC)
    for attribute, at_least in [("activity_type", 15), ("category", 4), ("location", 5), ("source_system", 3)]:
        assert len({getattr(a, attribute) for a in generated}) >= at_least
    assert {a.organization_id for a in generated} == {o["id"] for o in reference.ORGANIZATIONS}


async def test_the_demo_history_answers_a_first_query_with_numbers_and_the_contract_example(settings, client, tokens, demo):
    from bufdir_reporting.demo import load_in_use

    in_use = await load_in_use(settings)
    assert (in_use.history.submissions + in_use.submitted, in_use.history.organizations) == (3, 4)
    admin = tokens.admin()
    # every organisation's recent periods and their priors have a current snapshot with values
    query = """{ organizations(first: 10) { edges { node { organizationId
        snapshots(first: 30) { edges { node { snapshotId status period { periodId } populatedFieldCount metrics { activityCount }
        priorSnapshot { period { periodId } } } } } } } } }"""
    response = await client.post("/graphql", json={"query": query}, headers=admin)
    organizations = response.json()["data"]["organizations"]["edges"]
    assert len(organizations) == 9, "the five of the reference data and four volunteer centres (``peers``)"
    yearly = {"org-1042", "org-2077"}  # the child-welfare services report years; the others quarters
    for edge in organizations:
        current = {
            s["node"]["period"]["periodId"]
            for s in edge["node"]["snapshots"]["edges"]
            if s["node"]["status"] == "CURRENT" and s["node"]["populatedFieldCount"]
        }
        recent = ("2025", "2024") if edge["node"]["organizationId"] in yearly else ("rp-2026-q1", "rp-2025-q4")
        assert set(recent) <= current, edge["node"]["organizationId"]
        # every current snapshot whose prior period has data carries it (the demo's data begin in 2023)
        priors = {
            s["node"]["period"]["periodId"]: (s["node"]["priorSnapshot"] or {}).get("period", {}).get("periodId")
            for s in edge["node"]["snapshots"]["edges"]
            if s["node"]["status"] == "CURRENT"
        }
        expected = ("2024", "2023") if edge["node"]["organizationId"] in yearly else ("rp-2025-q4", "rp-2025-q3")
        assert (priors[recent[0]], priors[recent[1]]) == expected, edge["node"]["organizationId"]
    snapshot_2024 = next(
        s["node"]["snapshotId"]
        for s in organizations[0]["node"]["snapshots"]["edges"]
        if s["node"]["status"] == "CURRENT" and s["node"]["period"]["periodId"] == "2024"
    )
    # GraphiQL's welcome query shows each organisation's latest period, with its prior values
    from pathlib import Path

    import bufdir_reporting

    start = (Path(bufdir_reporting.__file__).parent / "ui/assets/graphiql-start.js").read_text(encoding="utf-8")
    welcome = start.split("const WELCOME = `", 1)[1].split("`;", 1)[0].replace("\\`", "`")
    first_look = (await client.post("/graphql", json={"query": welcome}, headers=admin)).json()
    for edge in first_look["data"]["organizations"]["edges"]:
        (latest,) = edge["node"]["snapshots"]["edges"]
        latest_period = "2025" if edge["node"]["organizationId"] in yearly else "rp-2026-q1"
        assert latest["node"]["period"]["periodId"] == latest_period, edge["node"]["organizationId"]
        prior = [v["priorValue"] for s in latest["node"]["sections"] for v in s["fieldValues"] if v["priorValue"] is not None]
        assert prior, f"{edge['node']['organizationId']}: the first look shows prior values"
    legacy = (await client.get(f"/api/v1/aggregated-report-data/{snapshot_2024}", headers=admin)).json()
    assert legacy["prior_period"]["period_id"] == "2023", "the contract's prior_period is there for a prior too"
    assert any(field["prior_period_value"] is not None for section in legacy["sections"] for field in section["fields"])
    # 2025's quarters were approved before org-3310 submitted its first quarter of 2026: the
    # submitted quarter (and its documents) carry the last quarter's hand-entered figures as prior
    # values (submitted first, it had none for them while analytics showed them)
    from bufdir_reporting.demo.history import ENTERED
    from bufdir_reporting.models import FieldValue, Snapshot, Submission

    quarter = await Snapshot.get(
        organization_id="org-3310", period_id="rp-2026-q1", form_id="frivillighet-kvartalsrapport", status="current"
    )
    assert await Submission.exists(snapshot_id=quarter.id)
    carried = {
        v.field_key: (v.prior_value, v.prior_text_value)
        for v in await FieldValue.filter(snapshot_id=quarter.id, field_key__in=list(ENTERED))
    }
    assert [key for key in ENTERED if carried[key] == (None, None)] == [], carried
    # who reports what: the grant period expects its grantee alone; the family counselling office
    # is asked no child-welfare field; the umbrella reads its branches, and its rolled-up figures
    # count each person once across them; the child-welfare services are late with 2025
    reviewer = tokens.reviewer()
    grant = await client.get(
        "/api/v1/submissions/reporting-status",
        params={"period_id": "sub-period-009", "form_id": "tilskudd-aktivitetsrapport"},
        headers=reviewer,
    )
    assert [row["org_id"] for row in grant.json()["organizations"]] == ["org-bufdir-42"]
    counselling = await client.post(
        "/graphql",
        json={
            "query": '{ organization(id: "org_bufdir_oslo_42") { snapshots(first: 5) { edges { node { form { formId } '
            "sections { section { sectionId } } } } } } }"
        },
        headers=admin,
    )
    for snapshot in counselling.json()["data"]["organization"]["snapshots"]["edges"]:
        assert snapshot["node"]["form"]["formId"] == "familievern-kvartalsrapport"
        assert {s["section"]["sectionId"] for s in snapshot["node"]["sections"]} <= {
            "forebyggende-arbeid",
            "malgrupper",
            "ressurser",
        }
    umbrella = tokens.headers("org-bufdir-42")
    branches = await client.get("/api/v1/aggregated-report-data", params={"organization_id": "org-3310"}, headers=umbrella)
    assert branches.status_code == 200 and branches.json()["data"], "the umbrella reads its branches"

    rolled = await Snapshot.get(
        organization_id="org-bufdir-42", period_id="rp-2026-q1", form_id="frivillighet-samlet", status="current"
    )
    own = await Snapshot.get(
        organization_id="org-bufdir-42", period_id="rp-2026-q1", form_id="frivillighet-kvartalsrapport", status="current"
    )
    branch_counts = [
        (await Snapshot.get(organization_id=o, period_id="rp-2026-q1", form_id=f, status="current"))
        for o, f in (("org-3310", "frivillighet-kvartalsrapport"), ("org_bufdir_oslo_42", "familievern-kvartalsrapport"))
    ]
    # the legacy listing shows one current row for the umbrella's quarter (its own form's, not the
    # rolled-up one beside it, #31 item 5); form_id chooses the rolled-up one
    for form_id, listed in ((None, own), ("frivillighet-samlet", rolled)):
        params = {"organization_id": "org-bufdir-42", "period_id": "rp-2026-q1", "snapshot_status": "current"}
        params |= {"form_id": form_id} if form_id else {}
        quarter = await client.get("/api/v1/aggregated-report-data", params=params, headers=umbrella)
        assert [row["snapshot_id"] for row in quarter.json()["data"]] == [listed.id], quarter.text
    counted = [own, *branch_counts]
    assert rolled.activity_count == sum(s.activity_count or 0 for s in counted)
    assert rolled.unique_participants < sum(s.unique_participants or 0 for s in counted), "a person at two branches is one person"
    rates = await client.get(
        "/api/v1/submissions/reporting-rates", params={"period_id": "2025", "form_id": "barnevern-arsrapport"}, headers=reviewer
    )
    assert (rates.json()["expected"], rates.json()["submitted"]["count"], rates.json()["late"]["count"]) == (2, 0, 2)
    # the last-submitted-period example of the contract, verbatim
    answer = await client.get("/api/v1/bufdir-aggregations/last-submitted-period?org_id=org-bufdir-42", headers=admin)
    assert answer.status_code == 200
    assert {k: v for k, v in answer.json().items() if k in contracts.LAST_SUBMITTED} == contracts.LAST_SUBMITTED
    # and the period is locked: an activity dated inside it is refused
    response = await client.post(
        "/graphql",
        json={
            "query": """mutation { recordActivity(input: {organizationId: "org-bufdir-42", sourceSystem: "fagsystem-famweb",
                activityType: "mentoring", category: UNGDOM, status: "completed", occurredAt: "2026-01-15T10:00:00Z"})
                { activityId } }"""
        },
        headers=admin,
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "PERIOD_LOCKED"
    # the demo's validation rules: the typo in org-2077's staffing breaks one, org-1042's report none
    findings = """query ($o: ID!) { organization(id: $o) { snapshots(first: 1, periodId: "2025") { edges { node {
        validation { code fieldKey message } } } } } }"""
    cases: tuple[tuple[str, list[tuple[str, str]]], ...] = (
        ("org-2077", [("antall_arsverk_med_barnevernfaglig_utdanning", "Årsverk med barnevernfaglig utdanning kan ikke")]),
        ("org-1042", []),
    )
    for org, violations in cases:
        body = (await client.post("/graphql", json={"query": findings, "variables": {"o": org}}, headers=admin)).json()
        [edge] = body["data"]["organization"]["snapshots"]["edges"]
        violated = [(f["fieldKey"], f["message"][:46]) for f in edge["node"]["validation"] if f["code"] == "RULE_VIOLATED"]
        assert violated == violations, org
    # the case officer's first look at the quarter: the submitted reports of org-3310 and of a
    # volunteer centre; org-3310's winter-holiday jump against its own four quarters and against
    # the five of its kind, the centre's vacancy typo a rule catches, and the question already
    # asked about the jump, after what the case officer has yet to see
    params = {"period_id": "rp-2026-q1", "limit": "100"}
    listed = (await client.get("/api/v1/worklist", params=params, headers=reviewer)).json()["data"]
    assert {i["organization_id"] for i in listed} == {"org-3310", "org-4410"}, "submitted reports only"
    found = {(i["organization_id"], i["field_key"], i["code"]) for i in listed}
    assert {
        ("org-3310", "antall_gruppetiltak", "OUTLIER_HISTORY"),
        ("org-3310", "antall_gruppetiltak", "OUTLIER_PEERS"),
        ("org-4410", "antall_stillinger_ledige", "RULE_VIOLATED"),
        ("org-3310", "antall_gruppetiltak", "QUESTION_OPEN"),
    } <= found, listed
    assert listed[0]["code"] == "RULE_VIOLATED" and listed[-1]["code"] == "QUESTION_OPEN", listed
    # resolving the question settles the jump: its question and findings leave the list
    question = next(i["note_id"] for i in listed if i["code"] == "QUESTION_OPEN")
    assert (await client.post(f"/api/v1/value-notes/{question}/resolve", headers=reviewer)).status_code == 200
    after = (await client.get("/api/v1/worklist", params=params, headers=reviewer)).json()["data"]
    assert not {(o, k) for o, k, _ in found if k == "antall_gruppetiltak"} & {
        (i["organization_id"], i["field_key"]) for i in after
    }, after
    assert len(after) == len(listed) - 3
    refused = await client.get("/api/v1/worklist", params={"period_id": "rp-2026-q1"}, headers=tokens.headers("org-3310"))
    assert refused.status_code == 403
    # the quarter's two reports were sent before its deadline, as the story has them: sent the day
    # the demo loaded, after April 2026, both read "submitted late" (polish5)
    query = (
        '{ reportingStatus(periodId: "rp-2026-q1", formId: "frivillighet-kvartalsrapport") '
        "{ organization { organizationId } submitted late } }"
    )
    status = (await client.post("/graphql", json={"query": query}, headers=tokens.admin())).json()
    submitted = {s["organization"]["organizationId"]: s["late"] for s in status["data"]["reportingStatus"] if s["submitted"]}
    assert submitted == {"org-3310": False, "org-4410": False}, status


async def test_the_demo_reads_in_nynorsk_and_english_out_of_the_box(client, demo):
    """Every demo section, field and form has its Nynorsk and English texts: nothing is listed
    untranslated, and Accept-Language: nn shows Nynorsk labels (the demo shipped Bokmål only)."""
    for language in ("nn", "en"):
        untranslated = await client.get("/api/v1/translations/untranslated", params={"language": language})
        assert untranslated.status_code == 200 and untranslated.json()["data"] == [], language
    query = (
        '{ sections { edges { node { sectionId title fields { key label } } } } reportForm(id: "barnevern-arsrapport") { name } }'
    )
    nynorsk = (await client.post("/graphql", json={"query": query}, headers={"Accept-Language": "nn"})).json()["data"]
    first = nynorsk["sections"]["edges"][0]["node"]
    assert first["sectionId"] == "barn-under-omsorg" and first["title"] == "Barn under omsorg"
    assert first["fields"][0] == {
        "key": "antall_barn_plassert_utenfor_hjemmet",
        "label": "Talet på barn plasserte utanfor heimen",
    }
    assert nynorsk["reportForm"]["name"] == "Barnevern – årsrapport"
    english = (await client.post("/graphql", json={"query": query}, headers={"Accept-Language": "en"})).json()["data"]
    assert english["sections"]["edges"][0]["node"]["title"] == "Children in care"
    assert english["reportForm"]["name"] == "Child welfare – annual report"
