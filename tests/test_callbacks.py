"""Callback data: each kind reads back what it wrote, keeps the wire format that buttons
already sent out carry, and reads nothing of another kind."""

from __future__ import annotations

import pytest

from bot.presentation.callbacks import AddButton, ChannelUnlinkButton, PageButton, SettingsButton


@pytest.mark.parametrize(
    ("button", "wire"),
    [
        (PageButton("1f", 5), "pg:1f:5"),
        (SettingsButton("time"), "ds:time"),
        (SettingsButton("ti", "0630"), "ds:ti:0630"),
        (SettingsButton("z", "America/New_York"), "ds:z:America/New_York"),
        (AddButton("a1b2c3", "ok"), "add:a1b2c3:ok"),
        (AddButton("a1b2c3", "t", "security_guarantees"), "add:a1b2c3:t:security_guarantees"),
        (ChannelUnlinkButton(-1001234567890, "yes"), "cu:-1001234567890:yes"),
    ],
)
def test_the_wire_format_is_stable_and_reads_back(
    button: PageButton | SettingsButton | AddButton | ChannelUnlinkButton, wire: str
) -> None:
    assert button.encode() == wire
    assert len(wire.encode()) <= 64
    assert type(button).parse(wire) == button
    assert type(button).PATTERN.match(wire)


@pytest.mark.parametrize("wire", ["pg:1f", "pg:1f:x", "pg:1f:5:6", "ds:time", "add:a1b2c3:ok", ""])
def test_a_page_button_reads_only_its_own_form(wire: str) -> None:
    assert PageButton.parse(wire) is None


@pytest.mark.parametrize("wire", ["ds", "pg:1f:5", "add:a1b2c3:ok"])
def test_a_settings_button_reads_only_its_own_kind(wire: str) -> None:
    assert SettingsButton.parse(wire) is None


@pytest.mark.parametrize("wire", ["add:a1b2c3", "add:a:b:c:d", "ds:ti:0630", "pg:1f:5"])
def test_an_add_button_reads_only_its_own_form(wire: str) -> None:
    assert AddButton.parse(wire) is None


def test_a_step_pattern_takes_the_buttons_of_its_steps_only() -> None:
    topics = AddButton.step_pattern("t")
    assert topics.match("add:a1b2c3:t:talks") and topics.match("add:ffffff:t:done")
    assert not topics.match("add:a1b2c3:ok") and not topics.match("add:a1b2c3:tx:talks")
    decision = AddButton.step_pattern("ok", "no")
    assert decision.match("add:a1b2c3:ok") and decision.match("add:a1b2c3:no")
    assert not decision.match("add:a1b2c3:u:none")


@pytest.mark.parametrize("wire", ["cu:-100123", "cu:x:yes", "cu:-100123:maybe", "cu:-100123:yes:1", "cx:-100123:1"])
def test_a_channel_unlink_button_reads_only_its_own_form(wire: str) -> None:
    assert ChannelUnlinkButton.parse(wire) is None
