"""The production image, compose.yaml and the README's PostgreSQL deployment start with an
empty record (no sample statements unless asked for), and compose passes every setting the
bot reads through to it."""

from __future__ import annotations

import re

from tests.test_packaging import COMPOSE, README, compose_services_by_text, final_stage, settings_variables


def image_environment() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction in final_stage():
        if instruction.keyword == "ENV":
            for name, value in re.findall(r'([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)', instruction.arguments):
                env[name] = value.strip('"')
    return env


def compose_bot_environment() -> dict[str, str]:
    bot = compose_services_by_text(COMPOSE.read_text(encoding="utf-8"))["bot"]
    block = re.search(r"^(\s+)environment:[ \t]*\n((?:\1[ \t]+.*\n)*)", bot, re.MULTILINE)
    assert block, "the bot service has no environment"
    return {
        name: value.strip().strip("\"'")
        for name, value in re.findall(r"^\s+([A-Z_][A-Z0-9_]*):[ \t]*(.*)$", block[2], re.MULTILINE)
    }


def test_the_image_does_not_load_the_sample_corpus() -> None:
    assert image_environment().get("DIPLOBOT_LOAD_SAMPLE") == "false"


def test_compose_does_not_load_the_sample_corpus_unless_asked() -> None:
    assert compose_bot_environment()["DIPLOBOT_LOAD_SAMPLE"] == "${DIPLOBOT_LOAD_SAMPLE:-false}"


def test_compose_passes_every_setting_through() -> None:
    env = compose_bot_environment()

    missing = settings_variables() - set(env)
    assert not missing, f"compose.yaml does not pass {sorted(missing)} to the bot"
    for name in ("DIPLOBOT_SEMANTIC", "DIPLOBOT_WEBHOOK_SECRET"):
        assert env[name] in ("", f"${{{name}}}") or env[name].startswith(f"${{{name}:-"), (
            f"{name} must come from the environment or .env"
        )


def test_the_readme_postgresql_deployment_does_not_load_the_sample_corpus() -> None:
    """`diplobot run` loads the sample into an empty record unless told not to, and a
    statement once recorded can only be retracted: the deployment example says not to."""
    section = README.read_text(encoding="utf-8").split("## PostgreSQL", 1)[1].split("\n## ", 1)[0]
    commands = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert commands, "the PostgreSQL section shows no commands"
    lines = commands[1].splitlines()
    assert any(line.startswith("export DIPLOBOT_LOAD_SAMPLE=false") for line in lines)
    assert [line for line in lines if not line.startswith("export ")] == ["diplobot db upgrade", "diplobot run"]
