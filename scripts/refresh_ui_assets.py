"""Fetch the browser assets GraphiQL and the OpenAPI page need into bufdir_reporting/ui/assets/.

The service serves every script, stylesheet and font its pages use itself: the networks it runs
on often cannot reach a CDN, and a strict Content-Security-Policy forbids third-party scripts.
Each package is taken from the npm registry at the pinned version, its tarball checked against
the registry's sha512 integrity, and each file's sha256 written to assets.json, which the test
suite checks the committed files against.

    python scripts/refresh_ui_assets.py          # fetch the pinned versions, rewrite assets.json
    python scripts/refresh_ui_assets.py --check  # verify the committed files (no network)

To move to a newer version, change PINNED below and run it again, then check in a browser that
neither page keeps a token: scripts/check_ui_storage.py.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

UI = Path(__file__).resolve().parent.parent / "bufdir_reporting" / "ui"
ASSETS = UI / "assets"
MANIFEST = UI / "assets.json"
REGISTRY = "https://registry.npmjs.org"

# package, version, license, {file in the package: name served under /ui/assets/}
PINNED: list[tuple[str, str, str, dict[str, str]]] = [
    ("react", "18.2.0", "MIT", {"umd/react.production.min.js": "react.production.min.js", "LICENSE": "LICENSE.react"}),
    (
        "react-dom",
        "18.2.0",
        "MIT",
        {"umd/react-dom.production.min.js": "react-dom.production.min.js", "LICENSE": "LICENSE.react-dom"},
    ),
    (
        "graphiql",
        "3.8.3",
        "MIT",
        {"graphiql.min.js": "graphiql.min.js", "graphiql.min.css": "graphiql.min.css", "LICENSE": "LICENSE.graphiql"},
    ),
    # The explorer plugin ships no LICENSE file; it is MIT like the graphiql repository it comes from.
    (
        "@graphiql/plugin-explorer",
        "1.0.2",
        "MIT",
        {"dist/index.umd.js": "graphiql-plugin-explorer.umd.js", "dist/style.css": "graphiql-plugin-explorer.css"},
    ),
    (
        "swagger-ui-dist",
        "5.35.0",
        "Apache-2.0",
        {
            "swagger-ui-bundle.js": "swagger-ui-bundle.js",
            "swagger-ui.css": "swagger-ui.css",
            "LICENSE": "LICENSE.swagger-ui",
            "NOTICE": "NOTICE.swagger-ui",
        },
    ),
]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return bytes(response.read())


def fetch() -> None:
    ASSETS.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict[str, str]] = {}
    for package, version, licence, files in PINNED:
        meta = json.loads(_get(f"{REGISTRY}/{package}/{version}"))
        tarball = _get(meta["dist"]["tarball"])
        algorithm, _, expected = meta["dist"]["integrity"].partition("-")
        if algorithm != "sha512" or base64.b64encode(hashlib.sha512(tarball).digest()).decode() != expected:
            sys.exit(f"{package}@{version}: the tarball does not match the registry's integrity")
        with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
            for inside, served in files.items():
                member = archive.extractfile(f"package/{inside}")
                if member is None:
                    sys.exit(f"{package}@{version}: no file {inside}")
                data = member.read()
                (ASSETS / served).write_bytes(data)
                manifest[served] = {
                    "package": f"{package}@{version}",
                    "file": inside,
                    "license": licence,
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
        print(f"{package}@{version}: {len(files)} files")
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def check() -> int:
    manifest = json.loads(MANIFEST.read_text())
    wrong = [
        name
        for name, entry in manifest.items()
        if not (ASSETS / name).is_file() or hashlib.sha256((ASSETS / name).read_bytes()).hexdigest() != entry["sha256"]
    ]
    for name in wrong:
        print(f"{name}: missing or changed; run python scripts/refresh_ui_assets.py", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify the committed files against assets.json")
    if parser.parse_args().check:
        sys.exit(check())
    fetch()
