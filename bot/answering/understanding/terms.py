"""What is left of a question for the searches: its text with time expressions (and the
subject's name) cut out, its content words grouped into concepts with the record's own
words for them, and the question as the sentence model reads it, with the names of
parties spelled out."""

from __future__ import annotations

from bot.answering.understanding.mentions import Matched, Mention
from bot.answering.understanding.tokens import Token
from bot.answering.understanding.words import GRAMMAR, STANCES, TOPICS
from storage.actors import normalize_name
from storage.search import query_terms


def concepts(
    question: str, content: str, tokens: list[Token], mentions: list[Mention], removed: list[tuple[int, int]]
) -> tuple[tuple[str, ...], ...]:
    """The content's search terms, grouped: a topic named in other words ("peacekeepers")
    is one concept with the record's word for it ("troops") as an alternative."""
    terms = [
        term for term in query_terms(content) if term not in GRAMMAR.question_filler and term not in STANCES.stance_of
    ]
    groups: list[tuple[str, ...]] = []
    grouped: set[str] = set()
    for mention in mentions:
        if mention.kind != "topic" or mention.topic is None or mention.start < 0:
            continue
        char_start, char_end = tokens[mention.start].start, tokens[mention.end - 1].end
        if any(a <= char_start < b for a, b in removed):
            continue
        words = [term for term in query_terms(question[char_start:char_end]) if term in terms and term not in grouped]
        if not words:
            continue
        heads = [head for head in TOPICS.record_words.get(mention.topic, ()) if head not in words]
        groups.append(tuple(dict.fromkeys([*words, *heads])))
        grouped.update(words)
    ordered: list[tuple[str, ...]] = []
    irregular_verbs = GRAMMAR.irregular_verbs
    for term in terms:
        if term in grouped:
            group = next(group for group in groups if term in group)
            if group not in ordered:
                ordered.append(group)
        elif term in irregular_verbs:
            ordered.append((term, irregular_verbs[term]))
        else:
            ordered.append((term,))
    return tuple(ordered)


def without(question: str, covered: list[tuple[int, int]]) -> str:
    """The question with the `covered` character ranges cut out."""
    out, last = [], 0
    for start, end in sorted(covered):
        out.append(question[last:start])
        last = max(last, end)
    out.append(question[last:])
    return " ".join("".join(out).split())


def spelled_out(question: str, tokens: list[Token], matched: list[Matched], covered: list[tuple[int, int]]) -> str:
    """The question for the model: time expressions out, and capitals and seats of
    government replaced by the party's name, which is how the record names sides
    ("Washington" -> "United States")."""
    pieces: list[tuple[int, int, str]] = [(a, b, "") for a, b in covered]
    for start, end, refs in matched:
        if any(ref.kind == "speaker" for ref in refs):
            continue
        side_refs = [ref for ref in refs if ref.kind == "side" and ref.capital]
        if not side_refs:
            continue
        ref = side_refs[0]
        before = tokens[start - 1].norm if start > 0 else ""
        if before in GRAMMAR.place_prepositions:  # "in Kyiv": the city
            continue
        if normalize_name(ref.name) == " ".join(t.norm for t in tokens[start:end]):
            continue
        pieces.append((tokens[start].start, tokens[end - 1].end, ref.name))
    out, last = [], 0
    for start, end, replacement in sorted(pieces):
        if start < last:
            continue
        out.append(question[last:start])
        out.append(replacement)
        last = end
    out.append(question[last:])
    return " ".join("".join(out).split())
