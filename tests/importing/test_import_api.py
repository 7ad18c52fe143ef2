"""The import over the API, for frontends: upload, read the dry run's report, commit as background
work, follow it by polling and by subscription; REST and GraphQL (multipart request spec)."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import httpx
import openpyxl
import pytest
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

from bufdir_reporting.auth import issue_token
from bufdir_reporting.models import Activity, ActivityImport, Organization, OrganizationKind
from bufdir_reporting.resolvers.base import jobs

from ..conftest import error_of
from ..factories import context_for
from ..live import emptied, live_server

BASE = "/api/v1/activities/import"
HEADER = ["Organisasjon", "Kildesystem", "Ekstern ID", "Aktivitetstype", "Kategori", "Status", "Sted", "Dato", "Timer"]


def excel_csv(org: str, rows: int = 2, *, category: str = "ungdom") -> bytes:
    """As Excel saves "CSV" on a Norwegian Windows: semicolons, Windows-1252, decimal commas."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for n in range(rows):
        writer.writerow(
            [org, "fagsystem-famweb", f"x-{n}", "group_activity", category, "completed", "Tromsø", "15.03.2024 10:30", "1,5"]
        )
    return out.getvalue().encode("cp1252")


async def org(id_: str = "org-tromso") -> str:
    await Organization.create(id=id_, name="Frivilligsentralen Tromsø", kind=OrganizationKind.VOLUNTEER_ORGANIZATION)
    return id_


async def test_upload_check_commit_and_poll_over_rest(client, app, tokens):
    own = tokens.headers(await org(), subject="kari")
    checked = await client.post(BASE, files={"file": ("aktiviteter.csv", excel_csv("org-tromso"), "text/csv")}, headers=own)
    assert checked.status_code == 201, checked.text
    body = checked.json()
    assert (body["status"], body["rows"], body["error_count"]) == ("checked", 2, 0)
    assert body["form"] == "CSV, Windows-1252, ';'-separated"
    assert await Activity.all().count() == 0, "the check writes nothing"

    committed = await client.post(f"{BASE}/{body['import_id']}/commit", headers=own)
    assert committed.status_code == 202 and committed.json()["status"] == "writing"
    await app.state.jobs.wait_idle()
    done = (await client.get(f"{BASE}/{body['import_id']}", headers=own)).json()
    assert (done["status"], done["created"], done["updated"], done["written"]) == ("done", 2, 0, 2)
    assert await Activity.filter(organization_id="org-tromso").count() == 2
    again = await client.post(f"{BASE}/{body['import_id']}/commit", headers=own)
    assert again.status_code == 409 and error_of(again)["details"]["status"] == "done"
    kept = await ActivityImport.get(id=body["import_id"])  # the file goes when the import ends; what it told stays
    assert kept.content == b"" and (kept.filename, kept.rows, kept.created) == ("aktiviteter.csv", 2, 2)


async def test_a_refused_upload_lists_its_rows_and_cannot_be_committed(client, tokens):
    own = tokens.headers(await org(), subject="kari")
    refused = await client.post(
        BASE, files={"file": ("aktiviteter.csv", excel_csv("org-tromso", 3, category="voksne"), "text/csv")}, headers=own
    )
    body = refused.json()
    assert (body["status"], body["error_count"]) == ("refused", 3)
    assert body["errors"][0] == {
        "line": 2,
        "column": "Kategori",  # as the file's header wrote it
        "value": "voksne",
        "message": "unknown Bufdir category; known: annet, eldre, foreldre_barn, funksjonsnedsettelse, ungdom",
    }
    commit = await client.post(f"{BASE}/{body['import_id']}/commit", headers=own)
    assert commit.status_code == 409 and error_of(commit)["code"] == "CONFLICT"
    kept = await ActivityImport.get(id=body["import_id"])
    assert kept.content == b"" and kept.error_count == 3 and kept.errors[0]["value"] == "voksne"


async def test_a_status_and_a_row_past_its_header_are_refused_in_the_uploaders_words(client, tokens):
    """A status written as a person would ('Fullført') was told to look like family_guidance, an
    activity type; a row with a cell past its header (references unquoted in a ';'-file) was
    imported without it (outsider). Both are refused, said in the language asked."""
    own = tokens.headers(await org(), subject="kari")
    header = ";".join([*HEADER, "Deltakerreferanser"])
    good = "org-tromso;fagsystem-famweb;x-1;group_activity;ungdom;completed;Tromsø;15.03.2024 10:30;1,5"
    content = f"{header}\r\n{good.replace('completed', 'Fullført')};p-1\r\n{good.replace('x-1', 'x-2')};p-1;p-2\r\n"
    file = {"file": ("aktiviteter.csv", content.encode("cp1252"), "text/csv")}
    body = (await client.post(BASE, files=file, headers={**own, "Accept-Language": "nn"})).json()
    assert (body["status"], body["error_count"]) == ("refused", 2)
    assert body["errors"] == [
        {
            "line": 2,
            "column": "Status",
            "value": "Fullført",
            "message": "skriv med små bokstavar og understrek, til dømes completed, planned eller cancelled",
        },
        {
            "line": 3,
            "column": "K",
            "value": "p-2",
            "message": "linja har 11 celler, men overskrifta berre 10 kolonnar; ei celle som sjølv inneheld skiljeteiknet "
            "(som deltakarreferansar skilde med ;) må stå i hermeteikn, slik Excel skriv henne",
        },
    ]


async def test_an_upload_is_refused_in_an_uploaders_words_naming_its_input(client, tokens):
    """An upload was told "--sheet is for .xlsx workbooks" naming ``file``, and to "see import
    --help or --template" for an unknown column: a command line an uploader has no way to run
    (outsider). The API names its own input and leaves the command line out."""
    own = tokens.headers(await org(), subject="kari")
    text = {"file": ("aktiviteter.csv", excel_csv("org-tromso"), "text/csv")}
    sheet = await client.post(BASE, files=text, data={"sheet": "Ark1"}, headers=own)
    assert sheet.status_code == 422
    assert (error_of(sheet)["details"]["field"], error_of(sheet)["message"]) == (
        "sheet",
        "sheet is for .xlsx workbooks; this file is text",
    )
    unknown = {"file": ("aktiviteter.csv", b"Dato;Hvem\r\n15.02.2026;x\r\n", "text/csv")}
    column = await client.post(BASE, files=unknown, headers=own)
    assert column.status_code == 422 and error_of(column)["details"]["field"] == "file"
    assert error_of(column)["message"].startswith("unknown column 'Hvem'; the columns are: organization_id, ")
    assert "--" not in error_of(column)["message"]


async def test_an_import_is_the_uploaders_and_rows_for_others_are_refused(client, tokens):
    own = tokens.headers(await org(), subject="kari")
    other_org = await org("org-elsewhere")
    upload = (await client.post(BASE, files={"file": ("a.csv", excel_csv("org-tromso"), "text/csv")}, headers=own)).json()
    stranger = tokens.headers(other_org, subject="ola")
    assert (await client.get(f"{BASE}/{upload['import_id']}", headers=stranger)).status_code == 404
    assert (await client.post(f"{BASE}/{upload['import_id']}/commit", headers=stranger)).status_code == 404
    assert (await client.get(f"{BASE}/{upload['import_id']}")).status_code == 401
    theirs = await client.post(BASE, files={"file": ("b.csv", excel_csv("org-tromso"), "text/csv")}, headers=stranger)
    assert theirs.json()["status"] == "refused"
    assert theirs.json()["errors"][0]["message"] == "is not an organisation you may write for"


async def test_an_import_is_its_organisations_not_its_subjects(client, graphql, tokens):
    """Many tokens share a subject (the CLI's default, a fagsystem's account): the same subject
    acting for another organisation neither reads nor commits an import, nor follows it, and the
    organisation's other users do."""
    await org("org-a")
    theirs = tokens.headers(await org("org-b"), subject="bufdir-cli")
    upload = (await client.post(BASE, files={"file": ("b.csv", excel_csv("org-b"), "text/csv")}, headers=theirs)).json()
    assert upload["status"] == "checked"
    same_subject = tokens.headers("org-a", subject="bufdir-cli")
    for response in (
        await client.get(f"{BASE}/{upload['import_id']}", headers=same_subject),
        await client.post(f"{BASE}/{upload['import_id']}/commit", headers=same_subject),
    ):
        assert response.status_code == 404, response.text
        assert "b.csv" not in response.text
    missing = await client.get(f"{BASE}/imp-does-not-exist", headers=same_subject)
    assert error_of(missing)["message"].replace("imp-does-not-exist", "ID") == error_of(
        await client.get(f"{BASE}/{upload['import_id']}", headers=same_subject)
    )["message"].replace(upload["import_id"], "ID"), "another organisation's import answers exactly like a missing one"
    query = "query ($id: ID!) { activityImport(id: $id) { status filename } }"
    foreign = await graphql(query, {"id": upload["import_id"]}, headers=same_subject)
    assert foreign["data"]["activityImport"] is None and foreign["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await client.get(f"{BASE}/{upload['import_id']}", headers=theirs)).json()["status"] == "checked", "not refused"

    reviewer = tokens.reviewer()
    assert (await client.get(f"{BASE}/{upload['import_id']}", headers=reviewer)).status_code == 200
    assert (await client.post(f"{BASE}/{upload['import_id']}/commit", headers=reviewer)).status_code == 403
    colleague = tokens.headers("org-b", subject="ola")
    assert (await client.get(f"{BASE}/{upload['import_id']}", headers=colleague)).json()["filename"] == "b.csv"
    assert (await client.post(f"{BASE}/{upload['import_id']}/commit", headers=colleague)).status_code == 202


async def test_an_import_naming_two_organisations_is_read_by_those_who_hold_both(client, tokens):
    both = tokens.headers(await org("org-a"), await org("org-b"), subject="vendor")
    rows = excel_csv("org-a") + excel_csv("org-b").split(b"\r\n", 1)[1]
    upload = (await client.post(BASE, files={"file": ("ab.csv", rows, "text/csv")}, headers=both)).json()
    assert (upload["status"], upload["rows"]) == ("checked", 4)
    assert (
        await client.get(f"{BASE}/{upload['import_id']}", headers=tokens.headers("org-a", subject="vendor"))
    ).status_code == 404
    assert (await client.get(f"{BASE}/{upload['import_id']}", headers=both)).status_code == 200


async def test_a_workbook_uploads_and_a_wrong_file_is_refused_whole(client, tokens):
    own = tokens.headers(await org(), subject="kari")
    workbook = openpyxl.Workbook()
    for cells in csv.reader(io.StringIO(excel_csv("org-tromso").decode("cp1252")), delimiter=";"):
        workbook.active.append(cells)
    data = io.BytesIO()
    workbook.save(data)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = await client.post(BASE, files={"file": ("a.xlsx", data.getvalue(), xlsx)}, headers=own)
    assert sheet.json()["status"] == "checked" and sheet.json()["rows"] == 2
    wrong = await client.post(BASE, files={"file": ("a.pdf", b"%PDF-1.7", "application/pdf")}, headers=own)
    assert wrong.status_code == 422 and error_of(wrong)["details"]["field"] == "file"
    pipes = await client.post(BASE, files={"file": ("a.csv", b"a|b|c\n1|2|3\n", "text/csv")}, headers=own)
    assert pipes.status_code == 422 and "separated by something other than" in error_of(pipes)["message"]


async def test_an_upload_over_the_limit_is_413(client, tokens, settings):
    own = tokens.headers(await org(), subject="kari")
    huge = b"x" * (settings.max_upload_bytes + 1)
    response = await client.post(BASE, files={"file": ("a.csv", huge, "text/csv")}, headers=own)
    assert response.status_code == 413 and error_of(response)["details"]["max_bytes"] == settings.max_upload_bytes


GRAPHQL_CHECK = "mutation ($file: Upload!) { checkActivityImport(file: $file) { importId status rows errorCount form } }"


async def test_the_graphql_multipart_request_checks_commits_and_polls(client, app, tokens):
    own = tokens.headers(await org(), subject="kari")
    operations = json.dumps({"query": GRAPHQL_CHECK, "variables": {"file": None}})
    response = await client.post(
        "/graphql",
        data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("aktiviteter.csv", excel_csv("org-tromso"), "text/csv")},
        headers=own,
    )
    checked = response.json()["data"]["checkActivityImport"]
    assert (checked["status"], checked["rows"], checked["errorCount"]) == ("CHECKED", 2, 0)
    commit = await client.post(
        "/graphql",
        json={
            "query": "mutation ($id: ID!) { commitActivityImport(importId: $id) { status } }",
            "variables": {"id": checked["importId"]},
        },
        headers=own,
    )
    assert commit.json()["data"]["commitActivityImport"]["status"] == "WRITING"
    await app.state.jobs.wait_idle()
    polled = await client.post(
        "/graphql",
        json={
            "query": "query ($id: ID!) { activityImport(id: $id) { status created written } }",
            "variables": {"id": checked["importId"]},
        },
        headers=own,
    )
    assert polled.json()["data"]["activityImport"] == {"status": "DONE", "created": 2, "written": 2}


async def test_a_subscriber_follows_a_committed_import_to_its_end(settings, monkeypatch):
    """Three chunks (of two rows), the write begun once the subscriber has its first answer: it
    follows a write under way, whatever the machine's speed. It took 12,000 rows (three chunks
    of 5,000) to be likely under way when the subscriber came (5 s of CPU on SQLite)."""
    from bufdir_reporting.importing.uploads import writing

    monkeypatch.setattr("bufdir_reporting.importing.CHUNK", 2)
    followed = asyncio.Event()
    import_stored = writing.import_stored

    async def once_followed(*args, **kwargs):
        await followed.wait()
        return await import_stored(*args, **kwargs)

    async with live_server(settings) as (address, app):
        await emptied()
        await org()
        token = issue_token(settings, subject="kari", organizations=["org-tromso"])
        headers = {"Authorization": f"Bearer {token}"}
        import httpx

        async with httpx.AsyncClient(base_url=f"http://{address}", headers=headers) as http:
            upload = (await http.post(BASE, files={"file": ("a.csv", excel_csv("org-tromso", 6), "text/csv")})).json()
            assert upload["status"] == "checked", upload
            monkeypatch.setattr(writing, "import_stored", once_followed)  # the commit's write; the check is done
            transport = WebsocketsTransport(
                url=f"ws://{address}/graphql",
                init_payload=headers,
                subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
            )
            seen = []
            async with Client(transport=transport) as session:
                await http.post(f"{BASE}/{upload['import_id']}/commit")
                progress = gql(
                    "subscription ($id: ID!) { activityImportProgress(importId: $id) { status written rows created } }"
                )
                progress.variable_values = {"id": upload["import_id"]}
                async with asyncio.timeout(60):
                    async for event in session.subscribe(progress):
                        seen.append(event["activityImportProgress"])
                        followed.set()
        assert seen[-1] == {"status": "DONE", "written": 6, "rows": 6, "created": 6}, seen
        assert all(step["status"] in ("WRITING", "DONE") for step in seen)
        assert [step["written"] for step in seen] == sorted(step["written"] for step in seen), "progress only grows"
        await app.state.jobs.wait_idle()


async def test_an_import_is_one_node_in_every_answer_its_progress_included(settings):
    """ActivityImport has the one id rule's id: the check, the commit, polling, node(id:) and
    every progress event answer the same ActivityImport under the same id, so a normalising
    cache (keyed by __typename and id) merges them into one object."""
    async with live_server(settings) as (address, app):
        await emptied()
        await org()
        token = issue_token(settings, subject="kari", organizations=["org-tromso"])
        headers = {"Authorization": f"Bearer {token}"}
        fields = "__typename id importId status written filename errors { line }"
        async with httpx.AsyncClient(base_url=f"http://{address}", headers=headers) as http:

            async def ask(query: str, **variables: object) -> dict:
                answer = (await http.post("/graphql", json={"query": query, "variables": variables})).json()
                assert "errors" not in answer, answer
                return dict(answer["data"])

            operations = json.dumps(
                {
                    "query": f"mutation ($file: Upload!) {{ checkActivityImport(file: $file) {{ {fields} }} }}",
                    "variables": {"file": None},
                }
            )
            checked = (
                await http.post(
                    "/graphql",
                    data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
                    files={"0": ("aktiviteter.csv", excel_csv("org-tromso", 3), "text/csv")},
                )
            ).json()
            assert "errors" not in checked, checked
            checked = checked["data"]["checkActivityImport"]
            node_id = checked["id"]
            assert checked["__typename"] == "ActivityImport" and node_id != checked["importId"]
            transport = WebsocketsTransport(
                url=f"ws://{address}/graphql", init_payload=headers, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL]
            )
            seen = []
            async with Client(transport=transport) as session:
                progress = gql(f"subscription ($id: ID!) {{ activityImportProgress(importId: $id) {{ {fields} }} }}")
                progress.variable_values = {"id": node_id}  # the global ID names it as well as the key
                async with asyncio.timeout(60):
                    async for event in session.subscribe(progress):
                        seen.append(event["activityImportProgress"])
                        if len(seen) == 1:
                            committed = await ask(
                                f"mutation ($id: ID!) {{ commitActivityImport(importId: $id) {{ {fields} }} }}", id=node_id
                            )
            polled = await ask(f"query ($id: ID!) {{ activityImport(id: $id) {{ {fields} }} }}", id=node_id)
            node = await ask(f"query ($id: ID!) {{ node(id: $id) {{ ... on ActivityImport {{ {fields} }} }} }}", id=node_id)
        answers = [checked, committed["commitActivityImport"], *seen, polled["activityImport"], node["node"]]
        assert {(a["__typename"], a["id"], a["importId"], a["filename"]) for a in answers} == {
            ("ActivityImport", node_id, checked["importId"], "aktiviteter.csv")
        }
        assert seen[0]["status"] == "CHECKED" and seen[-1] == polled["activityImport"]
        assert seen[-1]["status"] == "DONE" and seen[-1]["written"] == 3 and seen[-1]["errors"] == []
        await app.state.jobs.wait_idle()


async def _committed_then_orphaned(client, tokens, *, rows: int = 3, attempts: int = 1, language: str | None = None) -> str:
    """An import committed by a replica that then died mid-write: its row says writing, owned
    by a process that stopped beating; nothing of it was written (its transaction went with it)."""
    from datetime import UTC, datetime, timedelta

    from bufdir_reporting.models import ActivityImport

    own = tokens.headers(await org(), subject="kari") | ({"Accept-Language": language} if language else {})
    upload = (await client.post(BASE, files={"file": ("a.csv", excel_csv("org-tromso", rows), "text/csv")}, headers=own)).json()
    await ActivityImport.filter(id=upload["import_id"]).update(
        status="writing",
        committed_by="kari",
        owner="dead-replica:4242",
        attempts=attempts,
        heartbeat_at=datetime.now(UTC) - timedelta(hours=1),
    )
    return upload["import_id"]


async def test_an_import_whose_writer_died_is_taken_over_and_written_once(app, client, tokens, settings):
    from bufdir_reporting.importing import uploads
    from bufdir_reporting.models import ActivityImport
    from bufdir_reporting.resolvers.base.context import Context

    import_id = await _committed_then_orphaned(client, tokens)
    fresh = await ActivityImport.create(
        id="imp-alive", created_by="ola", filename="b.csv", content=b"x", status="writing", owner="live:1", attempts=1
    )
    system = Context(settings=settings, jobs=app.state.jobs, events=app.state.events)
    from datetime import timedelta

    assert await uploads.recover(system, stale_after=timedelta(seconds=settings.stale_job_seconds)) == [import_id]
    await app.state.jobs.wait_idle()
    done = await ActivityImport.get(id=import_id)
    assert (done.status, done.created, done.attempts, done.owner) == ("done", 3, 2, jobs.OWNER)
    assert await Activity.filter(organization_id="org-tromso").count() == 3
    assert (await ActivityImport.get(id=fresh.id)).status == "writing", "a writer that still beats is left alone"
    assert await uploads.recover(system, stale_after=timedelta(seconds=settings.stale_job_seconds)) == []


async def test_an_import_that_never_finishes_fails_after_its_attempts(app, client, tokens, settings):
    from datetime import timedelta

    from bufdir_reporting.importing import uploads
    from bufdir_reporting.models import ActivityImport
    from bufdir_reporting.resolvers.base.context import Context

    import_id = await _committed_then_orphaned(client, tokens, attempts=uploads.MAX_ATTEMPTS)
    system = Context(settings=settings, jobs=app.state.jobs, events=app.state.events)
    await uploads.recover(system, stale_after=timedelta(seconds=settings.stale_job_seconds))
    await app.state.jobs.wait_idle()
    failed = await ActivityImport.get(id=import_id)
    assert failed.status == "failed" and "never finished; nothing was written" in failed.failure
    assert failed.content == b""
    assert await Activity.all().count() == 0


async def test_an_import_stopped_by_a_shutdown_is_taken_over_by_the_next_start(settings, tokens, monkeypatch):
    """A replica stopping (SIGTERM) cancels the write: its transaction is undone, and the next
    start (or another replica's sweep) writes the import, without counting the stopped attempt.
    The write is held after its first chunk (of two rows, in its transaction) until the shutdown
    cancels it: it took 12,000 rows (three chunks of 5,000) to be likely still writing when the
    shutdown came (5.7 s of CPU on SQLite)."""
    from bufdir_reporting.events import ActivityImportProgress
    from bufdir_reporting.models import ActivityImport
    from bufdir_reporting.resolvers.base import notify

    from ..live import started_app

    monkeypatch.setattr("bufdir_reporting.importing.CHUNK", 2)
    held = asyncio.Event()
    tell = notify.tell

    async def holding(ctx, event):
        await tell(ctx, event)
        if getattr(event, "written", 0) and not held.is_set():  # the first write's first chunk
            held.set()
            await asyncio.Event().wait()  # until the shutdown cancels the write

    monkeypatch.setattr(notify, "tell", holding)  # the module uploads calls it through
    async with (
        started_app(settings) as first,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=first), base_url="http://testserver") as http,
    ):
        own = tokens.headers(await org(), subject="kari")
        files = {"file": ("a.csv", excel_csv("org-tromso", 6), "text/csv")}
        upload = (await http.post(BASE, files=files, headers=own)).json()
        async with first.state.events.subscribe(ActivityImportProgress.channel(upload["import_id"])) as progress:
            assert (await http.post(f"{BASE}/{upload['import_id']}/commit", headers=own)).status_code == 202
            async with asyncio.timeout(60):
                async for delivery in progress:
                    if delivery.event.written > 0:  # the first chunk is in, the transaction open
                        break
        await first.state.jobs.shutdown()  # what the lifespan's end does on SIGTERM
        stopped = await ActivityImport.get(id=upload["import_id"])
        assert (stopped.status, stopped.attempts) == ("writing", 0)
        assert await Activity.all().count() == 0, "the interrupted transaction left nothing"

    async with started_app(settings, empty=False) as second:
        await second.state.jobs.wait_idle()
        done = await ActivityImport.get(id=upload["import_id"])
        assert (done.status, done.created, done.attempts) == ("done", 6, 1)
        assert await Activity.all().count() == 6


async def test_a_writer_that_lost_its_claim_commits_nothing(app, client, tokens, settings, monkeypatch):
    """The rows and the outcome commit together, and only while the writer holds its claim: a
    writer taken over meanwhile (it stopped beating, another replica took the import) leaves no
    rows behind, so the import is never written twice."""
    from bufdir_reporting.importing import uploads
    from bufdir_reporting.models import ActivityImport
    from bufdir_reporting.resolvers.base import notify

    own = tokens.headers(await org(), subject="kari")
    upload = (await client.post(BASE, files={"file": ("a.csv", excel_csv("org-tromso", 3), "text/csv")}, headers=own)).json()
    await ActivityImport.filter(id=upload["import_id"]).update(status="writing", committed_by="kari", owner=None)

    async def taken_over(ctx, progress):  # while the rows are written, as they are told
        await ActivityImport.filter(id=progress.import_id).update(owner="another-replica:7")

    monkeypatch.setattr(notify, "tell", taken_over)
    await uploads.run(context_for(settings, app), import_id=upload["import_id"])
    assert await Activity.all().count() == 0
    assert (await ActivityImport.get(id=upload["import_id"])).status != "done"


async def test_the_import_reads_and_checks_a_chunk_at_a_time_off_the_event_loop(settings, tmp_path, app, monkeypatch):
    import threading

    import bufdir_reporting.importing as importing
    from bufdir_reporting.resolvers import activities

    await org()
    monkeypatch.setattr(importing, "CHUNK", 100)
    seen: list[tuple[int, bool]] = []
    real = activities.parse_numbered

    def parse(rows):
        rows = list(rows)
        seen.append((len(rows), threading.current_thread() is threading.main_thread()))
        return real(rows)

    monkeypatch.setattr(activities, "parse_numbered", parse)
    path = tmp_path / "a.csv"
    path.write_bytes(excel_csv("org-tromso", 450))
    from bufdir_reporting.auth import SYSTEM
    from bufdir_reporting.resolvers.base.context import Context

    report = await importing.import_file(Context(settings=settings, principal=SYSTEM), path, dry_run=False)
    assert (report.rows, report.result.created) == (450, 450)
    assert [size for size, _ in seen] == [100, 100, 100, 100, 50, 0]
    assert not any(on_loop for _, on_loop in seen), "rows are parsed and their fields checked off the event loop"


async def test_progress_delivered_after_the_subscriber_read_a_later_state_is_not_sent(app, settings):
    """Pub/sub delivers an event after the database has moved on: a subscriber that read 2
    written rows must not be told 1 afterwards (under load it was told 12000, then 5000)."""
    from bufdir_reporting.events import ActivityImportProgress
    from bufdir_reporting.importing import uploads
    from bufdir_reporting.models import ActivityImport, ImportStatus

    upload = await ActivityImport.create(
        id="imp-lag", created_by="ola", filename="a.csv", content=b"x", status=ImportStatus.WRITING, rows=3, written=2
    )
    ctx = context_for(settings, app, admin=True)
    stream = await uploads.follow_progress(ctx, import_id=upload.id)
    seen = [await anext(stream)]  # subscribed, and read where the import stands
    channel = ActivityImportProgress.channel(upload.id)
    await app.state.events.publish(channel, ActivityImportProgress.of(upload).model_copy(update={"written": 1}), None)
    upload.status, upload.written = ImportStatus.DONE, 3
    await app.state.events.publish(channel, ActivityImportProgress.of(upload), None)
    async with asyncio.timeout(10):
        seen += [state async for state in stream]
    assert [(state.progress.status, state.progress.written) for state in seen] == [("writing", 2), ("done", 3)]
    assert [state.stored is not None for state in seen] == [True, True], "the first and last carry the import as stored"


async def test_a_graphql_follower_is_never_told_progress_going_back(settings):
    """The same lag through the GraphQL subscription, which takes the use case's steps as they
    are: the stale step is left out, and the end is the import as stored."""
    from bufdir_reporting.events import ActivityImportProgress
    from bufdir_reporting.models import ImportStatus

    async with live_server(settings) as (address, app):
        await emptied()
        await org()
        upload = await ActivityImport.create(
            id="imp-lag-gql", created_by="kari", organization_ids=["org-tromso"], filename="a.csv", content=b"x",
            status=ImportStatus.WRITING, rows=3, written=2,
        )  # fmt: skip
        token = issue_token(settings, subject="kari", organizations=["org-tromso"])
        transport = WebsocketsTransport(
            url=f"ws://{address}/graphql",
            init_payload={"Authorization": f"Bearer {token}"},
            subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        )
        progress = gql("subscription ($id: ID!) { activityImportProgress(importId: $id) { status written filename } }")
        progress.variable_values = {"id": upload.id}
        channel = ActivityImportProgress.channel(upload.id)
        seen = []
        async with Client(transport=transport) as session, asyncio.timeout(20):
            async for event in session.subscribe(progress):
                seen.append(event["activityImportProgress"])
                if len(seen) == 1:  # the first step is read: now the lagging one, then the end
                    stale = ActivityImportProgress.of(upload).model_copy(update={"written": 1})
                    await app.state.events.publish(channel, stale, None)
                    await ActivityImport.filter(id=upload.id).update(status=ImportStatus.DONE, written=3)
                    await upload.refresh_from_db()
                    await app.state.events.publish(channel, ActivityImportProgress.of(upload), None)
        assert seen == [
            {"status": "WRITING", "written": 2, "filename": "a.csv"},
            {"status": "DONE", "written": 3, "filename": "a.csv"},
        ]


async def test_a_poller_reads_how_far_a_write_got_from_the_database(app, client, tokens, settings, monkeypatch):
    """Any replica answers a poll from the database, where ``written`` stayed 0 until the
    heartbeat, 100 s into a write. The write is held after its first chunk (of two rows), inside
    its transaction, while the poll reads; PostgreSQL only: SQLite is one process's."""
    if settings.database_dialect == "sqlite":
        pytest.skip("one SQLite connection holds the write's transaction: a poll waits for its end")
    from bufdir_reporting.resolvers.base import notify

    monkeypatch.setattr("bufdir_reporting.importing.CHUNK", 2)
    held, release = asyncio.Event(), asyncio.Event()
    tell = notify.tell

    async def holding(ctx, event):
        await tell(ctx, event)
        if getattr(event, "written", 0) and not release.is_set():
            held.set()
            await release.wait()

    monkeypatch.setattr(notify, "tell", holding)  # the module uploads calls it through
    own = tokens.headers(await org(), subject="kari")
    upload = (await client.post(BASE, files={"file": ("a.csv", excel_csv("org-tromso", 6), "text/csv")}, headers=own)).json()
    await client.post(f"{BASE}/{upload['import_id']}/commit", headers=own)
    try:
        async with asyncio.timeout(10):
            await held.wait()
            while (polled := (await client.get(f"{BASE}/{upload['import_id']}", headers=own)).json())["written"] == 0:
                await asyncio.sleep(0.05)
        assert (polled["status"], polled["written"]) == ("writing", 2)
    finally:
        release.set()
    await app.state.jobs.wait_idle()
    done = (await client.get(f"{BASE}/{upload['import_id']}", headers=own)).json()
    assert (done["status"], done["written"]) == ("done", 6)


async def test_the_heartbeats_count_moves_the_imports_version(app):
    """A poller's answer is cached under the versions of what it read; the heartbeat wrote the new
    count without moving any, so a cached "written 0" was served for the whole write (CI)."""
    from tortoise.expressions import Q

    from bufdir_reporting.importing.uploads import writing
    from bufdir_reporting.models import ImportStatus
    from bufdir_reporting.resolvers.base import changes

    upload = await ActivityImport.create(
        id="imp-beat", created_by="ola", filename="a.csv", content=b"x", status=ImportStatus.WRITING, rows=3, written=0
    )
    scope = changes.import_scope(upload.id)
    before = await changes.newest([scope, changes.EVERYTHING])
    upload.written = 2
    progressed = asyncio.Event()
    progressed.set()
    beating = asyncio.create_task(writing._heartbeat(upload, Q(id=upload.id), 60, progressed))
    try:
        async with asyncio.timeout(10):
            while (await ActivityImport.get(id=upload.id)).written != 2:
                await asyncio.sleep(0.02)
            while (after := await changes.newest([scope, changes.EVERYTHING])) == before:
                await asyncio.sleep(0.02)
    finally:
        beating.cancel()
    assert after[scope] is not None and after[changes.EVERYTHING] != before[changes.EVERYTHING]


async def test_a_committed_import_speaks_its_requesters_language_with_no_request(app, client, tokens, settings):
    """The commit runs as a job, with no request and so no Accept-Language: its errors were
    English whatever the requester asked. The import keeps the language asked (the uploader's,
    then the committer's) and the job says what became of it in that language."""
    from datetime import timedelta

    from bufdir_reporting.importing import uploads
    from bufdir_reporting.resolvers.base.context import Context

    import_id = await _committed_then_orphaned(client, tokens, attempts=uploads.MAX_ATTEMPTS, language="nn")
    assert (await ActivityImport.get(id=import_id)).language == "nn"
    system = Context(settings=settings, jobs=app.state.jobs, events=app.state.events)
    await uploads.recover(system, stale_after=timedelta(seconds=settings.stale_job_seconds))
    await app.state.jobs.wait_idle()
    failed = await ActivityImport.get(id=import_id)
    assert failed.failure == "skrivinga vart byrja 3 gonger utan å bli ferdig; ingenting vart skrive"

    own = tokens.headers("org-tromso", subject="kari")
    file = {"file": ("b.csv", excel_csv("org-tromso", 1), "text/csv")}
    upload = (await client.post(BASE, files=file, headers={**own, "Accept-Language": "nn"})).json()
    committed = await client.post(f"{BASE}/{upload['import_id']}/commit", headers={**own, "Accept-Language": "en"})
    assert committed.status_code == 202
    assert (await ActivityImport.get(id=upload["import_id"])).language == "en", "the committer's language, asked at commit"
    await app.state.jobs.wait_idle()
