"""Names in a question that the record does not know: a speaker it has never heard
("What did Erdogan say ...") and proper names that resolve to nothing it holds
("Navalny", "Kakhovka"). Either may mean the record cannot answer."""

from __future__ import annotations

from bot.answering.record_index import RecordFacts
from bot.answering.understanding.mentions import Matched
from bot.answering.understanding.tokens import Token
from bot.answering.understanding.words import GRAMMAR, STANCES, TIME_WORDS


def unknown_speaker(
    tokens: list[Token], subject_start: int | None, matched: list[Matched], skip: set[int]
) -> str | None:
    """A capitalised name in the subject's place that the record does not know ("What did
    Erdogan say ..."): the record has nothing said by them."""
    if subject_start is None or subject_start == 0 or subject_start >= len(tokens):
        return None
    if _title_case(tokens):
        return None
    known = {index for start, end, _ in matched for index in range(start, end)} | skip
    name: list[Token] = []
    index = subject_start
    while index < len(tokens) and tokens[index].text[:1].isupper() and index not in known:
        name.append(tokens[index])
        index += 1
    if not name or name[0].norm in GRAMMAR.common_capitalised:
        return None
    following = tokens[index].norm if index < len(tokens) else ""
    if following and not (following in STANCES.verbs or following == "s" or tokens[index].text[:1].islower()):
        return None
    text = " ".join(dict.fromkeys(token.text for token in name))
    if text.upper() == text and len(text) <= 5:
        return None  # an abbreviation we do not know is more likely an organisation than a person
    return text


def _title_case(tokens: list[Token]) -> bool:
    """Title Case Or SHOUTING: then capitals say nothing about names."""
    rest = [token.text for token in tokens[1:] if token.text.isalpha()]
    lower = sum(1 for word in rest if word[:1].islower())
    return lower < 2 and len(rest) - lower >= 3


def unknown_names(tokens: list[Token], matched: list[Matched], skip: set[int], facts: RecordFacts) -> tuple[str, ...]:
    """Capitalised words that resolve to no speaker, place or party of the record, but
    not where a sentence opens ("Thanks! What did ..."), whose capital its place explains.
    Latin script only: Russian and Ukrainian inflect names, and an inflected form
    ("Крыме") is not a word the index holds."""
    if _title_case(tokens):
        return ()
    record_sides = {side.casefold() for side in facts.sides}
    resolved: set[int] = set(skip)
    for start, end, refs in matched:
        for ref in refs:
            if ref.kind in {"speaker", "place", "topic"} or (
                ref.kind == "side" and any(side.casefold() in record_sides for side in ref.sides)
            ):
                resolved.update(range(start, end))
    names: list[list[Token]] = []
    previous = -2
    for index, token in enumerate(tokens):
        if index in resolved or token.opens or not token.text[:1].isupper() or token.norm in GRAMMAR.common_capitalised:
            continue
        if not token.text.isascii() or token.norm in TIME_WORDS.months or len(token.norm) < 2:
            continue
        if index == previous + 1 and names:
            names[-1].append(token)  # "Nord Stream", "Kim Jong Un": one name
        else:
            names.append([token])
        previous = index
    return tuple(dict.fromkeys(" ".join(token.text for token in name) for name in names))
