"""The console script as a user runs it, on real databases.

The commands run in this process, through ``cli.main`` with the environment, working directory,
stdout and stderr of their own (``run_cli``): an interpreter per command, which imports the whole
app before it reads its arguments, cost the suite more than the commands did. What only a
process of its own shows runs as one: ``serve`` (its signals, its log), the console entry point
(``--version``), and what a fresh interpreter imports.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from bufdir_reporting.cli import main
from bufdir_reporting.config import Settings

from . import services
from .conftest import _create_database

CLI = [sys.executable, "-m", "bufdir_reporting.cli"]


def run_cli(*args: str, env: dict[str, str], cwd: Path | None = None, inherit: bool = True) -> subprocess.CompletedProcess[str]:
    """``bufdir-reporting ARGS`` with ``env`` added to this process's environment (or, with
    ``inherit=False``, as the whole of it) and run in ``cwd``: what the command prints and the
    exit status the console script would end with (``sys.exit(main())``; a traceback on stderr
    and 1 for an exception that escaped)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with _as_a_process(env={**os.environ, **env} if inherit else env, cwd=cwd):
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                status = main(list(args))
            except SystemExit as exc:  # argparse: --help, --version, a usage error
                status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:
                traceback.print_exc()
                status = 1
    return subprocess.CompletedProcess([*CLI, *args], status, stdout.getvalue(), stderr.getvalue())


@contextlib.contextmanager
def _as_a_process(*, env: dict[str, str], cwd: Path | None) -> Iterator[None]:
    """What a command may change for the rest of its process, given back when it ends: the
    environment and working directory, the garbage collector (``import`` freezes it and runs it
    less often, cli.data.fewer_collections), and Tortoise's SQL cache per table, which does not
    tell SQLite from PostgreSQL (tests.live.new_app)."""
    saved_env, saved_cwd, threshold = dict(os.environ), os.getcwd(), gc.get_threshold()
    EXECUTOR_CACHE.clear()
    os.environ.clear()
    os.environ.update(env)
    if cwd is not None:
        os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        gc.unfreeze()
        gc.set_threshold(*threshold)
        EXECUTOR_CACHE.clear()


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'fresh' / 'bufdir.sqlite3'}"
    server = request.getfixturevalue("postgres_server")
    name = f"bufdir_cli_{uuid.uuid4().hex[:10]}"
    asyncio.run(_create_database(server, name))
    return services.with_database(server, name)


@pytest.fixture(params=["sqlite", "postgres"])
def migrated_empty_database(request, tmp_path, migrated) -> str:
    """An empty database as ``migrate`` leaves it (a copy of the session's, conftest's
    ``Migrated``), for the commands whose test is what they do next: ``demo-data`` and ``import``
    migrate first, finding nothing to do. ``serve``'s test migrates an ``empty_database``."""
    if request.param == "sqlite":
        (tmp_path / "fresh").mkdir()
        return migrated.sqlite(tmp_path / "fresh" / "bufdir.sqlite3")
    return migrated.postgres(request.getfixturevalue("postgres_server"), f"bufdir_cli_{uuid.uuid4().hex[:10]}")


def test_token_prints_only_a_token_with_the_requested_claims(tmp_path):
    env = {"BUFDIR_VAR_DIR": str(tmp_path), "BUFDIR_TOKEN_SECRET": "k" * 40}
    result = run_cli("token", "--org", "org-1042", "--org", "org-2077", "--subject", "kari", env=env)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert "\n" not in token
    claims = jwt.decode(token, "k" * 40, algorithms=["HS256"], audience="bufdir-reporting-api")
    assert claims["sub"] == "kari"
    assert claims["orgs"] == ["org-1042", "org-2077"]
    assert claims["roles"] == []
    admin = run_cli("token", "--admin", env=env).stdout.strip()
    assert jwt.decode(admin, "k" * 40, algorithms=["HS256"], audience="bufdir-reporting-api")["roles"] == ["admin"]
    reviewer = run_cli("token", "--reviewer", "--subject", "saksbehandler", env=env).stdout.strip()
    assert jwt.decode(reviewer, "k" * 40, algorithms=["HS256"], audience="bufdir-reporting-api")["roles"] == ["reviewer"]


def test_token_signs_with_the_servers_secret_or_says_in_one_line_where_it_looked(tmp_path):
    server_dir, elsewhere = tmp_path / "service", tmp_path / "elsewhere"
    server_dir.mkdir()
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUFDIR_")}
    secret = Settings(var_dir=server_dir / "var").signing_secret  # what the server generates on first start

    here = run_cli("token", "--org", "org-1042", cwd=server_dir, env=env, inherit=False)
    assert here.returncode == 0, here.stderr
    assert jwt.decode(here.stdout.strip(), secret, algorithms=["HS256"], audience="bufdir-reporting-api")["orgs"] == ["org-1042"]

    lost = run_cli("token", "--org", "org-1042", cwd=elsewhere, env=env, inherit=False)
    assert lost.returncode == 2 and lost.stdout == ""
    assert lost.stderr.count("\n") == 1 and "no token secret at" in lost.stderr and "BUFDIR_VAR_DIR" in lost.stderr
    assert not (elsewhere / "var").exists(), "no second secret the server would not know"

    pointed = run_cli("token", "--admin", cwd=elsewhere, env={**env, "BUFDIR_VAR_DIR": str(server_dir / "var")}, inherit=False)
    assert jwt.decode(pointed.stdout.strip(), secret, algorithms=["HS256"], audience="bufdir-reporting-api")["roles"] == ["admin"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--org", "org-1042", "--ttl-hours", "0"], "--ttl-hours: must be a whole number of hours from 1 to"),
        (["--org", "org-1042", "--ttl-hours", "-3"], "--ttl-hours: must be a whole number of hours from 1 to"),
        (["--org", "org-1042", "--ttl-hours", "lots"], "--ttl-hours: must be a whole number of hours from 1 to"),
        ([], "a token with no --org and no role reads public data only"),
        (["--orgs", "org-1042"], "unrecognized arguments: --orgs"),
    ],
    ids=["zero-ttl", "negative-ttl", "word-ttl", "no-scope", "misspelt-flag"],
)
def test_token_refuses_what_would_make_a_useless_token(tmp_path, args, expected):
    result = run_cli("token", *args, env={"BUFDIR_VAR_DIR": str(tmp_path), "BUFDIR_TOKEN_SECRET": "k" * 40})
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
    assert expected in result.stderr.splitlines()[-1]


def test_a_public_only_token_is_made_when_asked_for(tmp_path):
    result = run_cli("token", "--public-only", env={"BUFDIR_VAR_DIR": str(tmp_path), "BUFDIR_TOKEN_SECRET": "k" * 40})
    claims = jwt.decode(result.stdout.strip(), "k" * 40, algorithms=["HS256"], audience="bufdir-reporting-api")
    assert claims["orgs"] == [] and claims["roles"] == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://db/x", "BUFDIR_DATABASE_URL must start with"),
        ("postgres://nobody@127.0.0.1:1/none", "cannot reach the database"),
    ],
    ids=["malformed", "unreachable"],
)
def test_bad_database_configuration_stops_with_one_clear_line(tmp_path, url, expected):
    result = run_cli("migrate", env={"BUFDIR_DATABASE_URL": url, "BUFDIR_VAR_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(error_lines) == 1 and expected in error_lines[0]


def test_demo_data_refuses_a_database_that_holds_data(migrated_empty_database, tmp_path):
    env = {"BUFDIR_DATABASE_URL": migrated_empty_database, "BUFDIR_VAR_DIR": str(tmp_path)}
    first = run_cli("demo-data", "--activities", "200", env=env)
    assert first.returncode == 0, first.stderr
    assert "activities: 200/200" in first.stderr
    assert not (tmp_path / "demo-loading").exists(), "the loader's marker goes when it has loaded"
    again = run_cli("demo-data", "--activities", "200", env=env)
    assert again.returncode == 2
    assert "already holds data" in again.stderr


GRACE = 40


def test_serve_demo_migrates_loads_and_answers_graphql(empty_database, tmp_path):
    port = services.free_port()
    env = {
        **os.environ,
        "BUFDIR_DATABASE_URL": empty_database,
        "BUFDIR_VAR_DIR": str(tmp_path / "var"),
        "BUFDIR_PORT": str(port),
        "BUFDIR_SHUTDOWN_GRACE_SECONDS": str(GRACE),
        "BUFDIR_LOG_FORMAT": "console",  # as at a terminal, where a person reads the token
    }
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [*CLI, "serve", "--demo", "--activities", "300"], env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        with httpx.Client(timeout=2) as http:  # one for the wait, not one per try (32 ms of CPU each, test_replicas)
            while time.monotonic() < deadline:
                try:
                    if http.get(f"{base}/graphql", headers={"Accept": "text/html"}).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None, log.read_text()
                time.sleep(0.2)
            else:
                pytest.fail(f"serve did not answer in time:\n{log.read_text()}")
        page = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"})
        assert "graphiql" in page.text.lower()
        token = re.search(r"^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$", log.read_text(), re.MULTILINE)
        assert token, log.read_text()
        result = httpx.post(
            f"{base}/graphql",
            json={"query": '{ organizations { totalCount } period(id: "rp-2024-q4") { name } }'},
            headers={"Authorization": f"Bearer {token.group(1)}"},
        ).json()
        assert result == {"data": {"organizations": {"totalCount": 9}, "period": {"name": "4. kvartal 2024"}}}

        # the token block comes after the server's start-up lines, where a person sees it
        lines = log.read_text().splitlines()
        started = max(i for i, line in enumerate(lines) if "Uvicorn running on" in line)
        assert started < lines.index(token.group(1)), log.read_text()
        assert not any("Tortoise-ORM started" in line for line in lines), "no library reprs at start-up"

        # Ctrl-C with a live SSE client: the stream ends at once with a last comment, the process
        # exits well before the grace period, and nothing is logged as a failure.
        received: list[str] = []

        def listen() -> None:
            url = f"{base}/api/v1/aggregated-report-data/watch?organization_id=org-1042&period_id=2024"
            with httpx.stream("GET", url, headers={"Authorization": f"Bearer {token.group(1)}"}, timeout=60) as stream:
                received.extend(stream.iter_lines())

        listener = threading.Thread(target=listen)
        listener.start()
        time.sleep(1.0)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=GRACE / 2)
        listener.join(timeout=5)
        assert not listener.is_alive() and received[-2].startswith(": the server is shutting down"), received
        output = log.read_text()
        assert "Traceback" not in output and "CancelledError" not in output, output[-3000:]
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)


def test_serve_logging_json_writes_every_start_up_line_as_json_and_no_token(tmp_path):
    """Where the log is JSON (not a terminal), the migration lines and the ready message were
    plain text in the JSON stream, the demo's admin token with them."""
    port = services.free_port()
    env = {
        **os.environ,
        "BUFDIR_DATABASE_URL": f"sqlite://{tmp_path / 'fresh.sqlite3'}",
        "BUFDIR_VAR_DIR": str(tmp_path / "var"),
        "BUFDIR_PORT": str(port),
        "BUFDIR_LOG_FORMAT": "json",
    }
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen([*CLI, "serve", "--demo", "--activities", "100"], env=env, stdout=output, stderr=output)
    try:
        deadline = time.monotonic() + 90
        while "ready: " not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    lines = [json.loads(line) for line in log.read_text().splitlines()]  # each one JSON, or this fails
    messages = [line["message"] for line in lines]
    assert any(m.startswith("migrating ") for m in messages) and any(m.startswith("demo data loaded") for m in messages)
    (ready,) = [line for line in lines if line["message"].startswith("ready: ")]
    assert ready["graphql"] == f"http://127.0.0.1:{port}/graphql" and "bufdir-reporting token --admin" in ready["message"]
    assert "eyJ" not in log.read_text(), "no bearer token in a log others read"
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"]) for line in lines)


def test_version_prints_the_installed_version():
    """The console entry point itself, in a process of its own, as people type it knowing the
    package (``python -m bufdir_reporting``: "cannot be directly executed", outsider)."""
    from importlib.metadata import version

    package = [sys.executable, "-m", "bufdir_reporting"]
    result = subprocess.run([*package, "--version"], capture_output=True, text=True, check=False, timeout=120)
    assert (result.returncode, result.stdout) == (0, f"bufdir-reporting {version('bufdir-reporting')}\n")


def test_help_says_what_the_command_is_in_plain_words():
    """``--help`` began "``bufdir-reporting``: serve, …", a docstring's markup (outsider)."""
    said = run_cli("--help", env={})
    assert said.returncode == 0 and "``" not in said.stdout
    assert "The Bufdir reporting API: serve it, migrate its database, import activities" in " ".join(said.stdout.split())


def test_a_wrong_option_is_refused_with_the_usage_of_the_command_it_was_given_to():
    """``import a.csv --dryrun`` printed the usage of ``bufdir-reporting {serve,migrate,…}``, not of
    ``import`` (polish5); an option before any command is still the top level's."""
    for args, usage, refusal in (
        (["import", "a.csv", "--dryrun"], "usage: bufdir-reporting import ", "bufdir-reporting import: error: "),
        (["token", "--org", "a", "--nope"], "usage: bufdir-reporting token ", "bufdir-reporting token: error: "),
        (["--nope", "migrate"], "usage: bufdir-reporting [-h]", "bufdir-reporting: error: "),
    ):
        said = run_cli(*args, env={})
        assert said.returncode == 2 and said.stderr.startswith(usage), said.stderr
        wrong = next(arg for arg in args if arg in ("--dryrun", "--nope"))
        assert f"{refusal}unrecognized arguments: {wrong}" in said.stderr


def test_a_command_while_another_process_loads_the_demo_says_so(tmp_path):
    """``import`` while ``serve --demo`` was loading the demo said "is not a known organisation" of
    organisations not loaded yet (polish5): it says the demo is loading. A marker whose loader
    has died is nothing."""
    path = tmp_path / "a.csv"
    path.write_text(CSV_HEADER)
    env = {"BUFDIR_VAR_DIR": str(tmp_path), "BUFDIR_DATABASE_URL": f"sqlite://{tmp_path / 'none.sqlite3'}"}
    loader = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        (tmp_path / "demo-loading").write_text(str(loader.pid))
        said = run_cli("import", str(path), env=env)
        assert said.returncode == 2 and "the demo data is still being loaded into" in said.stderr, said.stderr
        assert f"(process {loader.pid}, serve --demo or demo-data)" in said.stderr
    finally:
        loader.kill()
        loader.wait()
    gone = run_cli("import", str(path), env=env)
    assert gone.returncode == 2 and "still being loaded" not in gone.stderr and "no database at" in gone.stderr


def test_import_where_there_is_no_database_says_so_in_one_line(tmp_path):
    """Run from another directory, the default SQLite path names no database: no traceback, and
    no empty database file left behind."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    path = elsewhere / "a.csv"
    path.write_text("organization_id;source_system;activity_type;category;status;occurred_at\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUFDIR_")}
    lost = run_cli("import", str(path), cwd=elsewhere, env=env, inherit=False)
    assert lost.returncode == 2 and "Traceback" not in lost.stderr
    assert lost.stderr.strip().splitlines()[-1].startswith("bufdir-reporting: error: no database at ")
    assert not (elsewhere / "var").exists()
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")
    unmigrated = run_cli("import", str(path), env={"BUFDIR_DATABASE_URL": f"sqlite://{empty}", "BUFDIR_VAR_DIR": str(tmp_path)})
    assert unmigrated.returncode == 2 and "has no tables yet: run bufdir-reporting migrate first" in unmigrated.stderr
    assert "Traceback" not in unmigrated.stderr


CSV_HEADER = "organization_id,source_system,external_id,activity_type,category,status,location,occurred_at,participant_count,hours,participant_refs\n"


def test_import_validates_first_reports_rows_and_is_idempotent(migrated_empty_database, tmp_path):
    env = {"BUFDIR_DATABASE_URL": migrated_empty_database, "BUFDIR_VAR_DIR": str(tmp_path)}
    assert run_cli("demo-data", "--activities", "50", env=env).returncode == 0
    rows = [
        "org-1042,fagsystem-cis,imp-1,family_guidance,foreldre_barn,completed,Oslo,2025-05-01T10:00:00Z,3,1.5,p1;p2\n",
        "org-1042,fagsystem-cis,imp-2,home_support,ungdom,completed,,2025-05-02T10:00:00Z,1,2,\n",
        "org-1042,fagsystem-cis,imp-3,home_support,voksne,completed,,2025-05-03T10:00:00Z,1,2,\n",
    ]
    broken = tmp_path / "broken.csv"
    broken.write_text(CSV_HEADER + "".join(rows))
    dry = run_cli("import", str(broken), "--dry-run", env=env)
    assert dry.returncode == 2
    assert "line 4, category 'voksne': unknown Bufdir category" in dry.stderr and "nothing was written" in dry.stderr
    # counted in English, as every word of the command line is (it said "(1 errors)", polish5)
    assert "checked 3 rows (1 error)\n" in dry.stderr and "1 of 3 rows has errors; nothing was written" in dry.stderr
    good = tmp_path / "good.csv"
    good.write_text(CSV_HEADER + "".join(rows[:2]))
    assert "2 rows, all valid" in run_cli("import", str(good), "--dry-run", env=env).stderr
    first = run_cli("import", str(good), env=env)
    assert first.returncode == 0, first.stderr
    assert "imported 2 rows: 2 new, 0 updated" in first.stderr and "written 2\n" in first.stderr
    again = run_cli("import", str(good), env=env)
    assert "imported 2 rows: 0 new, 2 updated" in again.stderr
    lines = tmp_path / "more.jsonl"
    lines.write_text(
        '{"organization_id": "org-1042", "source_system": "fagsystem-cis", "external_id": "imp-1", '
        '"activity_type": "family_guidance", "category": "foreldre_barn", "status": "cancelled", '
        '"occurred_at": "2025-05-01T10:00:00Z"}\n'
    )
    assert "imported 1 row: 0 new, 1 updated" in run_cli("import", str(lines), env=env).stderr
    missing = run_cli("import", str(tmp_path / "nope.csv"), env=env)
    assert missing.returncode == 2 and "no such file" in missing.stderr


@pytest.mark.one_database
async def test_a_started_server_keeps_its_secret_so_token_works_before_any_request(settings, tmp_path):
    """`serve`, then `token` in another terminal: the server made its secret at start-up (it made
    it at the first request carrying a token, so `token` said there was none)."""
    from .live import started_app

    var = tmp_path / "var"
    fresh = settings.model_copy(update={"token_secret": None, "var_dir": var})
    fresh.__dict__.pop("signing_secret", None)  # nothing cached from the fixture's settings
    async with started_app(fresh):
        assert (var / "token-secret").is_file()
        env = {k: v for k, v in os.environ.items() if not k.startswith("BUFDIR_")} | {"BUFDIR_VAR_DIR": str(var)}
        made = await asyncio.to_thread(run_cli, "token", "--org", "org-1042", env=env)
    assert made.returncode == 0, made.stderr
    secret = (var / "token-secret").read_text(encoding="utf-8").strip()
    assert jwt.decode(made.stdout.strip(), secret, algorithms=["HS256"], audience="bufdir-reporting-api")["orgs"] == ["org-1042"]


def test_the_cli_and_the_import_start_without_the_report_layout_libraries():
    """openpyxl and the PDF's layout libraries cost every CLI command 0.3 s of start-up (bench
    S8's import); they are imported when a report is first rendered."""
    probe = (
        "import sys, bufdir_reporting.cli, bufdir_reporting.importing, bufdir_reporting.demo, "
        "bufdir_reporting.resolvers.reporting.records; "
        "print(sorted({'openpyxl', 'weasyprint', 'pydyf'} & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_import_command_starts_without_the_demo_data_or_the_pub_sub_clients(tmp_path):
    """Each CLI start paid for the demo package (35 ms) and redis-py with broadcaster (40 ms):
    the demo is imported by the commands that load it, the pub/sub backends when a hub connects."""
    template = tmp_path / "t.csv"
    probe = (
        "import sys, bufdir_reporting.cli as cli, bufdir_reporting.resolvers.activities; "
        f"cli.main(['import', '--template', {str(template)!r}]); "
        "print(sorted(m for m in ('bufdir_reporting.demo', 'redis', 'broadcaster') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert template.exists() and result.stdout.strip() == "[]"


def test_the_default_database_lives_under_the_var_dir(tmp_path):
    """It stayed at ./var/bufdir.sqlite3 whatever BUFDIR_VAR_DIR said (in the image, / is the
    working directory: /var/bufdir.sqlite3, which its user cannot write)."""
    var = tmp_path / "state"
    env = {k: v for k, v in os.environ.items() if k != "BUFDIR_DATABASE_URL"} | {"BUFDIR_VAR_DIR": str(var)}
    result = run_cli("migrate", env=env, cwd=tmp_path, inherit=False)
    assert result.returncode == 0, result.stderr
    assert (var / "bufdir.sqlite3").is_file() and not (tmp_path / "var").exists()
