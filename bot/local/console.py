"""The terminal console: the very Application and handlers of the Telegram bot, with
`LocalBotApi` as the transport, so the bot can be tried, demonstrated and administered
on the server without Telegram."""

from __future__ import annotations

import asyncio
import itertools
import shlex
import sys
import tempfile
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TextIO

from bot.app import build_application
from bot.config import Settings
from bot.local.bot_api import BOT_USER, Answer, ApiCall, LocalBotApi, LocalUser, Refusal

CONSOLE_USER_ID = 1
PROMPT = "you> "
INLINE_MENTION = f"@{BOT_USER['username']}".casefold()
INTRO = (
    "diplobot console. Type a question or a command (/help). "
    f"Press a button by typing its number; {INLINE_MENTION} WORDS is inline mode; "
    ":doc PATH [caption] sends a file; :quit leaves."
)


class _TerminalText(HTMLParser):
    """Telegram's HTML subset as terminal text: bold and italics as ANSI styles when the
    output is a terminal, links with their address, code in backticks."""

    def __init__(self, styled: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.styled = styled
        self.parts: list[str] = []
        self._links: list[str] = []

    def _style(self, code: str) -> None:
        if self.styled:
            self.parts.append(f"\033[{code}m")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("b", "strong"):
            self._style("1")
        elif tag in ("i", "em"):
            self._style("3")
        elif tag == "code":
            self.parts.append("`")
        elif tag == "a":
            self._links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("b", "strong", "i", "em"):
            self._style("0")
        elif tag == "code":
            self.parts.append("`")
        elif tag == "a" and self._links:
            href = self._links.pop()
            if href:
                self.parts.append(f" <{href}>")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def terminal_text(html: str, *, styled: bool = False) -> str:
    parser = _TerminalText(styled)
    parser.feed(html)
    parser.close()
    return unescape("".join(parser.parts))


class ConsoleView:
    """Prints what the bot sends and remembers the newest buttons, numbered."""

    def __init__(self, out: TextIO, styled: bool, folder: Path | None = None) -> None:
        self.out = out
        self.styled = styled
        self.buttons: list[tuple[dict[str, Any], str]] = []
        self.folder = folder

    def show(self, call: ApiCall, result: Answer) -> None:
        if isinstance(result, Refusal):
            if call.method in ("getChat", "getChatMember"):
                chat = call.params.get("chat_id")
                self.out.write(f"console: no chat {chat} here; channels and groups exist on Telegram only\n")
        elif call.method in ("sendMessage", "editMessageText"):
            prefix = "bot (edited)> " if call.method == "editMessageText" else "bot> "
            self.out.write(prefix + terminal_text(str(call.params.get("text", "")), styled=self.styled) + "\n")
            self._buttons(call, result)
        elif call.method in ("sendDocument", "sendPhoto") and isinstance(result, dict):
            part = "document" if call.method == "sendDocument" else "photo"
            name, data = call.files.get(part, (part, b""))
            path = self._save(Path(name).name, data)
            caption = terminal_text(str(call.params.get("caption", "")), styled=self.styled)
            kind = "file" if part == "document" else "picture"
            self.out.write(f"bot> [{kind} saved: {path}] {caption}\n")
            self._buttons(call, result)
        elif call.method == "editMessageReplyMarkup":
            self._buttons(call, result)
        elif call.method == "answerInlineQuery":
            self._inline_results(call.params)
        elif call.method == "answerCallbackQuery" and call.params.get("text"):
            self.out.write(f"bot (notice)> {call.params['text']}\n")
        self.out.flush()

    def _inline_results(self, params: dict[str, Any]) -> None:
        """What the chooser above the reader's keyboard would list; choosing one posts it,
        which needs Telegram."""
        results = params.get("results") or []
        button = params.get("button")
        if not results:
            note = f": {button['text']}" if isinstance(button, dict) and button.get("text") else ""
            self.out.write(f"inline> nothing{note}\n")
        for result in results:
            title = str(result.get("title", ""))
            description = str(result.get("description", "")).replace("\n", " ")
            self.out.write(f"inline> {title} · {description}\n")
        if results:
            more = " (more when scrolled)" if params.get("next_offset") else ""
            count = f"{len(results)} result" + ("" if len(results) == 1 else "s")
            self.out.write(f"inline> {count}{more}; in Telegram, choosing one posts it in that chat\n")

    def _save(self, name: str, data: bytes) -> Path:
        """A file the bot sent, in the console's own folder (made when the first comes, in
        the temporary directory, and kept after the console ends), never over another."""
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="diplobot-console-"))
        stem, suffix = Path(name).stem or "file", Path(name).suffix
        path = self.folder / f"{stem}{suffix}"
        for number in itertools.count(2):
            if not path.exists():
                break
            path = self.folder / f"{stem}-{number}{suffix}"
        path.write_bytes(data)
        return path

    def _buttons(self, call: ApiCall, result: Answer) -> None:
        markup = call.params.get("reply_markup")
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        if not rows or not isinstance(result, dict):
            return
        self.buttons = [
            (result, button["callback_data"]) for row in rows for button in row if "callback_data" in button
        ]
        labels = [button["text"] for row in rows for button in row if "callback_data" in button]
        self.out.write("   " + "  ".join(f"[{number}] {label}" for number, label in enumerate(labels, 1)) + "\n")


async def _read_line() -> str | None:
    line = await asyncio.to_thread(sys.stdin.readline)
    return line if line else None


async def run_console(
    settings: Settings, *, user_id: int = CONSOLE_USER_ID, admin: bool = False, files: Path | None = None
) -> None:
    """`files`: the folder (made already) for what the bot sends (pictures, exports); by
    default a new temporary one, named on the line of the first file."""
    if admin:
        settings = settings.model_copy(update={"admin_ids": settings.admin_ids | {user_id}})
    view = ConsoleView(sys.stdout, styled=sys.stdout.isatty(), folder=files)
    api = LocalBotApi(on_call=view.show)
    application = build_application(settings, request=api, rate_limited=False)
    async with application:
        await application.post_init(application)  # type: ignore[misc]
        await application.start()
        user = LocalUser(application, api, user_id, first_name="Console")
        role = "an admin" if settings.is_admin(user_id) else "a reader"
        print(f"{INTRO}\nYou are user {user_id}, {role}.", flush=True)
        try:
            await _converse(user, view)
        finally:
            await application.stop()
            await application.post_shutdown(application)  # type: ignore[misc]


async def _converse(user: LocalUser, view: ConsoleView) -> None:
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            print(PROMPT, end="", flush=True)
        line = await _read_line()
        if line is None:
            return
        text = line.strip()
        if not text:
            continue
        if text in (":quit", ":q", ":exit"):
            return
        if text.startswith(":doc "):
            await _send_document(user, text[5:])
        elif text.casefold().startswith(INLINE_MENTION):
            await user.inline(text[len(INLINE_MENTION) :].strip())
        elif text.isdigit() and 1 <= int(text) <= len(view.buttons):
            message, data = view.buttons[int(text) - 1]
            await user.press(message, data)
        else:
            await user.send(text)


async def _send_document(user: LocalUser, arguments: str) -> None:
    parts = shlex.split(arguments)
    if not parts:
        print("usage: :doc PATH [caption]")
        return
    path = Path(parts[0]).expanduser()
    if not path.is_file():
        print(f"no such file: {path}")
        return
    await user.send_document(path.name, path.read_bytes(), " ".join(parts[1:]) or None)
