"""The container image and the compose file, read as a container runtime reads them (Docker is
not run here)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def final_stage() -> list[str]:
    """The last stage's instructions, continuation lines joined, comments left out."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    last_from = max(i for i, line in enumerate(lines) if line.upper().startswith("FROM "))
    return lines[last_from:]


def runs_as() -> tuple[str, str]:
    (user,) = [line.split(None, 1)[1] for line in final_stage() if line.upper().startswith("USER ")]
    uid, _, gid = user.partition(":")
    return uid, gid


def test_the_image_runs_as_a_numeric_user_kubernetes_can_check():
    """runAsNonRoot refuses a named USER ("image has non-numeric user, cannot verify user is non-root")."""
    uid, gid = runs_as()
    assert uid.isdigit() and int(uid) != 0 and (gid == "" or gid.isdigit()), (uid, gid)


def test_every_folder_compose_mounts_a_volume_on_is_made_in_the_image_for_its_user():
    """A named volume mounted where the image has no folder comes up owned by root: the service's
    user could not write the report files."""
    uid, gid = runs_as()
    made: dict[str, tuple[str | None, str | None]] = {}
    for line in final_stage():
        if not line.upper().startswith("RUN "):
            continue
        for command in re.split(r"&&|;", line[4:]):
            words = shlex.split(command)
            if words[:2] == ["install", "-d"]:
                options = dict(zip(words[2::2], words[3::2], strict=False))
                for folder in (w for w in words[2:] if w.startswith("/")):
                    made[folder] = (options.get("-o"), options.get("-g"))
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    named = set(compose.get("volumes") or {})
    built = {name for name, service in compose["services"].items() if "build" in service}
    mounts = {
        spec.split(":")[1]
        for name in built
        for spec in compose["services"][name].get("volumes", [])
        if spec.split(":")[0] in named
    }
    assert mounts, "the app's services mount the reports volume"
    for folder in mounts:
        assert made.get(folder) == (uid, gid or uid), f"{folder} is not made in the image for {uid}:{gid}"
