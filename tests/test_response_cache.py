"""Repeated reads answered from the response cache, and never after a write that changes them;
automatic persisted queries."""

from __future__ import annotations

import hashlib

import httpx

from .conftest import error_codes
from .factories import make_organization
from .live import started_app
from .schema.test_reports import fill_manual
from .statements import counting_statements

OVERVIEW = """
query ($org: ID!) {
  organization(id: $org) {
    name
    activities(first: 50) { totalCount edges { node { activityId status } } }
    snapshots(first: 5) { edges { node { snapshotId fieldValues { fieldKey value } } } }
    submissions { version reviewState }
  }
}
"""
RECORD = """mutation ($id: String) { recordActivity(input: {organizationId: "org-1042", sourceSystem: "s", externalId: $id,
  activityType: "care_order", category: UNGDOM, status: "completed", occurredAt: "2024-06-01T10:00:00Z"}) { activityId } }"""


async def read(graphql, headers) -> dict:
    result = await graphql(OVERVIEW, {"org": "org-1042"}, headers)
    assert "errors" not in result, result
    return result["data"]["organization"]


def values_of(overview: dict, snapshot_id: str) -> list[dict]:
    return next(e["node"]["fieldValues"] for e in overview["snapshots"]["edges"] if e["node"]["snapshotId"] == snapshot_id)


async def test_a_repeated_read_costs_one_version_statement(graphql, client, app, tokens, reporting):
    own = tokens.headers("org-1042")
    first = await read(graphql, own)
    with counting_statements() as counter:
        again = await read(graphql, own)
    assert again == first
    # the versions, then the kept answer: no read of the data
    assert len(counter.statements) == 1 and "FROM data_change" in counter.statements[0]
    assert app.state.response_cache.stats["hits"] >= 1
    scraped = (await client.get("/metrics")).text
    assert "bufdir_response_cache_hits_total 1.0" in scraped and "bufdir_response_cache_entries 1.0" in scraped


async def test_a_write_of_any_kind_is_seen_by_the_next_read(graphql, client, app, tokens, reporting):
    """Activities recorded, corrected and deleted; a snapshot and its manual values; the
    structure; a submission: each is in the next identical read, cached a moment before."""
    own, admin = tokens.headers("org-1042"), tokens.admin()
    before = await read(graphql, own)
    await read(graphql, own)  # now kept

    made = (await graphql(RECORD, {"id": "cache-1"}, own))["data"]["recordActivity"]["activityId"]
    after_record = await read(graphql, own)
    assert after_record["activities"]["totalCount"] == before["activities"]["totalCount"] + 1

    await graphql(f'mutation {{ correctActivity(id: "{made}", input: {{status: "cancelled"}}) {{ status }} }}', {}, own)
    statuses = {e["node"]["activityId"]: e["node"]["status"] for e in (await read(graphql, own))["activities"]["edges"]}
    assert statuses[made] == "cancelled"

    await graphql(f'mutation {{ deleteActivity(id: "{made}") {{ activityId }} }}', {}, own)
    assert (await read(graphql, own))["activities"]["totalCount"] == before["activities"]["totalCount"]

    trigger = 'mutation { triggerAggregation(organizationId: "org-1042", periodId: "2024") { snapshot { snapshotId } } }'
    snapshot_id = (await graphql(trigger, {}, own))["data"]["triggerAggregation"]["snapshot"]["snapshotId"]
    await app.state.jobs.wait_idle()  # the background run's completion is an event: it moves the version
    assert any(v["value"] is not None for v in values_of(await read(graphql, own), snapshot_id))

    set_value = 'mutation ($s: ID!) { setFieldValue(snapshotId: $s, fieldKey: "antall_arsverk", value: 7) { value } }'
    await graphql(set_value, {"s": snapshot_id}, own)
    values = {v["fieldKey"]: v["value"] for v in values_of(await read(graphql, own), snapshot_id)}
    assert values["antall_arsverk"] == "7"

    section = '{ section(id: "hjelpetiltak") { title } }'
    assert (await graphql(section))["data"]["section"]["title"] == "Hjelpetiltak"
    await graphql(section)
    body = {"section_title": "Hjelpetiltak (nytt)", "section_order": 3}
    current = (await client.get("/api/v1/report-sections/hjelpetiltak")).json()
    changed = await client.put("/api/v1/report-sections/hjelpetiltak", json={**body, "fields": current["fields"]}, headers=admin)
    assert changed.status_code == 200, changed.text
    assert (await graphql(section))["data"]["section"]["title"] == "Hjelpetiltak (nytt)"

    await fill_manual(graphql, own, snapshot_id)
    report = await graphql(f'mutation {{ generateReport(snapshotId: "{snapshot_id}") {{ reportId }} }}', {}, own)
    report_id = report["data"]["generateReport"]["reportId"]
    submitted = await graphql(f'mutation {{ submitReport(reportId: "{report_id}") {{ version }} }}', {}, own)
    assert submitted["data"]["submitReport"] == {"version": 1}, submitted
    assert (await read(graphql, own))["submissions"] == [{"version": 1, "reviewState": "SUBMITTED"}]


async def test_one_principals_answer_never_reaches_another(graphql, tokens, reporting):
    query = "{ viewer { subject organizations { organizationId } } organizations { totalCount } }"
    kari = await graphql(query, {}, tokens.headers("org-1042", subject="kari"))
    ola = await graphql(query, {}, tokens.headers("org-2077", subject="ola"))
    again = await graphql(query, {}, tokens.headers("org-1042", subject="kari"))
    assert kari == again
    assert kari["data"]["viewer"]["subject"] == "kari" and ola["data"]["viewer"]["subject"] == "ola"
    assert ola["data"]["viewer"]["organizations"] == [{"organizationId": "org-2077"}]
    anonymous = "{ viewer { subject organizations { organizationId } } }"
    assert (await graphql(anonymous, {}, tokens.headers("org-1042", subject="kari")))["data"]["viewer"]["subject"] == "kari"
    assert (await graphql(anonymous))["data"]["viewer"] == {"subject": None, "organizations": []}


async def test_errors_and_mutations_are_never_kept(graphql, app, tokens, reporting):
    cache = app.state.response_cache
    forbidden = '{ organization(id: "org-2077") { name } }'
    for _ in range(2):
        assert error_codes(await graphql(forbidden, {}, tokens.headers("org-1042"))) == ["FORBIDDEN"]
    for n in range(2):
        await graphql(RECORD, {"id": f"twice-{n}"}, tokens.headers("org-1042"))
    assert cache.stats["entries"] == 0


async def test_off_by_a_setting(settings):
    async with started_app(settings.model_copy(update={"response_cache_mb": 0})) as app:
        await make_organization(id="org-1042")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            for _ in range(2):
                response = await http.post("/graphql", json={"query": "{ periods { totalCount } }"})
                assert response.json() == {"data": {"periods": {"totalCount": 0}}}
        assert app.state.response_cache.stats == {"entries": 0, "bytes": 0, "hits": 0, "misses": 0}


def test_memory_is_bounded_least_recently_used_out():
    from bufdir_reporting.response_cache import Cached, ResponseCache

    cache = ResponseCache(max_bytes=8_000)
    for n in range(40):
        cache.put(bytes([n]) * 20, Cached(b"x" * 500, 200, "application/json"))
    assert cache.stats["bytes"] <= 8_000 and cache.stats["entries"] == 8_000 // 520
    assert cache.get(bytes([0]) * 20) is None and cache.get(bytes([39]) * 20) is not None
    cache.put(b"big" * 10, Cached(b"y" * 2_000, 200, "application/json"))  # over an eighth of the room: not kept
    assert cache.get(b"big" * 10) is None


PERIODS = "{ periods { totalCount } }"
DIGEST = hashlib.sha256(PERIODS.encode()).hexdigest()


async def test_automatic_persisted_queries_as_apollo_sends_them(client, reporting):
    hashed = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": DIGEST}}}
    unknown = await client.post("/graphql", json=hashed)
    assert unknown.status_code == 200 and error_codes(unknown.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert unknown.json()["errors"][0]["message"] == "PersistedQueryNotFound"  # what Apollo's link looks for
    registered = await client.post("/graphql", json={**hashed, "query": PERIODS})
    assert registered.json() == {"data": {"periods": {"totalCount": 6}}}
    by_hash = await client.post("/graphql", json=hashed)
    assert by_hash.json() == registered.json()
    as_get = await client.get("/graphql", params={"extensions": '{"persistedQuery":{"version":1,"sha256Hash":"' + DIGEST + '"}}'})
    assert as_get.json() == registered.json()
    wrong = await client.post("/graphql", json={**hashed, "query": "{ periods { totalCount pageInfo { hasNextPage } } }"})
    assert wrong.status_code == 400 and error_codes(wrong.json()) == ["BAD_REQUEST"]


async def test_a_repeated_rest_get_is_answered_as_it_was_and_a_write_is_seen(client, tokens, reporting):
    own, admin = tokens.headers("org-1042"), tokens.admin()
    first = await client.get("/api/v1/report-sections/hjelpetiltak")
    with counting_statements() as counter:
        again = await client.get("/api/v1/report-sections/hjelpetiltak")
    assert len(counter.statements) == 1 and "FROM data_change" in counter.statements[0]
    assert (again.status_code, again.content, again.headers["content-type"]) == (
        first.status_code,
        first.content,
        first.headers["content-type"],
    )
    assert again.headers["x-request-id"] != first.headers["x-request-id"]  # the outer middleware still ran
    changed = {"section_title": "Hjelpetiltak (nytt)", "section_order": 3, "fields": first.json()["fields"]}
    assert (await client.put("/api/v1/report-sections/hjelpetiltak", json=changed, headers=admin)).status_code == 200
    assert (await client.get("/api/v1/report-sections/hjelpetiltak")).json()["section_title"] == "Hjelpetiltak (nytt)"

    records = "/api/v1/report-records"
    mine = await client.get(records, params={"org_id": "org-1042"}, headers=own)
    assert mine.status_code == 200
    theirs = await client.get(records, params={"org_id": "org-1042"}, headers=tokens.headers("org-2077"))
    assert theirs.status_code == 403  # the same path, another principal: never the kept answer
    anonymous = await client.get(records, params={"org_id": "org-1042"})
    assert anonymous.status_code == 401


async def test_a_version_read_under_way_is_never_shared_with_a_later_arrival():
    """Requests that arrive together share one read of the version; one that arrives while a
    read is under way waits for the next, which starts after it arrived (so it sees every write
    committed before it came)."""
    import asyncio

    from bufdir_reporting.response_cache import VersionReads

    started: list[asyncio.Event] = []
    release: list[asyncio.Event] = []

    async def read(scopes):
        number = len(started)
        started.append(asyncio.Event())
        release.append(asyncio.Event())
        started[number].set()
        await release[number].wait()
        return dict.fromkeys(scopes, number)

    reads = VersionReads(read)
    early = [asyncio.ensure_future(reads.version()) for _ in range(3)]
    while not started:
        await asyncio.sleep(0)
    late = [asyncio.ensure_future(reads.version()) for _ in range(2)]  # arrive while read 0 is under way
    await asyncio.sleep(0)
    release[0].set()
    assert [await f for f in early] == [(0,)] * 3
    while len(started) < 2:
        await asyncio.sleep(0)
    assert not any(f.done() for f in late)
    release[1].set()
    assert [await f for f in late] == [(1,)] * 2
    assert reads.statements == 2


async def test_a_kept_answer_is_counted_under_its_route_in_the_metrics(client, graphql, tokens, reporting):
    """A hit never reaches the router, which names the route: hits were counted as 'unmatched'."""
    for _ in range(3):
        assert (await client.get("/api/v1/report-sections/hjelpetiltak")).status_code == 200
        await read(graphql, tokens.headers("org-1042"))
    scraped = (await client.get("/metrics")).text
    assert 'route="/api/v1/report-sections/{section_id}",status="200"} 3.0' in scraped, scraped
    assert 'method="POST",route="/graphql",status="200"} 3.0' in scraped
    assert 'route="unmatched"' not in scraped


async def test_a_request_the_router_refuses_is_never_answered_from_the_cache(client, tokens, reporting):
    """Found by the graphql-http audit: extensions of 0 or false were taken for none, so such a
    request got the kept answer of the same query without them (200) instead of a 400."""
    body = {"query": "{ periods { totalCount } }"}
    for _ in range(2):
        assert (await client.post("/graphql", json=body)).status_code == 200
    refusals: tuple[object, ...] = (0, False, "", [], 5)
    for refused in refusals:
        answer = await client.post("/graphql", json={**body, "extensions": refused})
        assert answer.status_code == 400, (refused, answer.text)


async def test_a_hit_carries_the_headers_of_the_answer_it_repeats(settings, tokens):
    """A hit is answered before the middleware stack (bench S7): what the stack adds to an answer
    — security headers, CORS for the request's Origin, Vary, Content-Language naming every
    language the answer is in — is sent again as the miss had it; the request id is the hit's
    own (the one it offered, if any), and it leaves its own access log line under that id."""
    import logging

    from bufdir_reporting.envelope import request_id

    from .factories import make_reporting_world

    lines: list[tuple[str, str | None]] = []

    class Lines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append((record.getMessage(), request_id.get()))

    access = logging.getLogger("bufdir_reporting.access")
    handler, level = Lines(), access.level
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    titles = "{ sections { edges { node { sectionId title english: title(language: EN) } } } }"
    origin = "https://app.example.no"
    try:
        async with started_app(settings.model_copy(update={"cors_origins": [origin]})) as app:
            await make_reporting_world()
            cache = app.state.response_cache
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                own = tokens.headers("org-1042")
                asked = [
                    ("POST", "/graphql", {"query": titles}, {**own, "Origin": origin, "Accept-Language": "nn"}),
                    (
                        "POST",
                        "/graphql",
                        {"query": OVERVIEW, "variables": {"org": "org-1042"}},
                        {**own, "Origin": "https://elsewhere.example"},
                    ),
                    ("GET", "/graphql", None, {"Accept-Language": "en", "Accept": "application/graphql-response+json"}),
                    ("GET", "/api/v1/report-sections/hjelpetiltak", None, {"Origin": origin, "Accept-Language": "en"}),
                    ("GET", "/api/v1/report-records", None, {**own, "Accept-Language": "nb"}),
                ]
                answered = {}
                for method, path, body, headers in asked:
                    params = {"query": PERIODS} if method == "GET" and path == "/graphql" else {"org_id": "org-1042"}
                    if path.startswith("/api/v1/report-sections"):
                        params = {}
                    hits = cache.hits
                    miss = await http.request(method, path, json=body, params=params, headers=headers)
                    assert miss.status_code == 200 and cache.hits == hits, (path, miss.text)
                    lines.clear()
                    hit = await http.request(method, path, json=body, params=params, headers={**headers, "X-Request-Id": "hit-1"})
                    assert cache.hits == hits + 1, path
                    assert hit.content == miss.content
                    assert hit.headers["x-request-id"] == "hit-1" and miss.headers["x-request-id"] != "hit-1"
                    assert [(k, v) for k, v in hit.headers.multi_items() if k != "x-request-id"] == [
                        (k, v) for k, v in miss.headers.multi_items() if k != "x-request-id"
                    ], path
                    assert lines == [(f"{method} {path} 200", "hit-1")], lines
                    answered[path, method, headers.get("Origin")] = hit.headers
        first = answered["/graphql", "POST", origin]
        assert first["content-language"] == "nn, en" and first["access-control-allow-origin"] == origin
        assert first["x-content-type-options"] == "nosniff" and "content-security-policy" in first
        assert "access-control-allow-origin" not in answered["/graphql", "POST", "https://elsewhere.example"]
        assert answered["/api/v1/report-sections/hjelpetiltak", "GET", origin]["access-control-allow-origin"] == origin
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
