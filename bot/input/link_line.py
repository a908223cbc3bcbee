"""Reading `/link ID KIND ID`: admins type the kind where it comes to them (`/link 1 2
contradicts`, `/link суперечить 1 2`), so it is read wherever it stands among the three
arguments, as long as exactly one reading has a kind and two statements. Which statements
the keys name is the record's to say; nothing here reads the record."""

from __future__ import annotations

from dataclasses import dataclass

from bot.input.labels import link_kind_of, link_kinds
from bot.input.statement_keys import StatementKey, statement_key
from storage.models import LinkKind


@dataclass(frozen=True)
class LinkLine:
    """`from_key` KIND `to_key`: the first statement typed stands to the second as `kind`."""

    from_key: StatementKey
    kind: LinkKind
    to_key: StatementKey


def parse_link(text: str) -> LinkLine | None:
    """The link `text` asks for; None when no single reading of it has a kind and two
    statements (the usage is then shown). A `BadValue` when two statement numbers stand
    with one word that is no kind: that word is named, with the kinds."""
    words = text.split()
    if len(words) < 3:
        return None
    splits = [
        (words[:-2], words[-2], words[-1]),
        (words[1:-1], words[0], words[-1]),
        (words[2:], words[0], words[1]),
    ]
    read = {
        line for kind_words, first, second in splits if (line := _read(" ".join(kind_words), first, second)) is not None
    }
    if read:
        return read.pop() if len(read) == 1 else None
    unknown = {
        " ".join(kind_words)
        for kind_words, first, second in splits
        if _numbered(first) and _numbered(second) and not any(_numbered(word) for word in kind_words)
    }
    if len(unknown) == 1:
        link_kind_of(unknown.pop())  # raises: it is no kind
    return None


def _read(kind_text: str, first: str, second: str) -> LinkLine | None:
    kind = link_kinds().key_of(kind_text)
    from_key, to_key = statement_key(first), statement_key(second)
    if kind is None or from_key is None or to_key is None or _is_kind(first) or _is_kind(second):
        return None
    return LinkLine(from_key, LinkKind(kind), to_key)


def _is_kind(word: str) -> bool:
    return link_kinds().key_of(word) is not None


def _numbered(word: str) -> bool:
    key = statement_key(word)
    return key is not None and key.number is not None
