"""The vocabulary of one record: every phrase a question may use for one of its speakers,
sides, places or topics, and what the phrase refers to.

It joins the general words (bot.answering.understanding.words: names of parties, places
and topics) with the record's own facts (its speakers' aliases and roles, its sides and
places), so that only what the record holds is ever matched, under the record's own
spelling ("United States" or "USA"). Built once per version of the facts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.answering.record_index import KnownActor, RecordFacts
from bot.answering.understanding.tokens import WORD
from bot.answering.understanding.words import GRAMMAR, PLACES, SIDES, TOPICS, SideWords
from storage.actors import normalize_name
from storage.models import Topic


@dataclass(frozen=True)
class Ref:
    """What a phrase refers to."""

    kind: str  # "speaker", "side", "place", "topic"
    sides: tuple[str, ...] = ()
    primary: tuple[str, ...] = ()
    actor_ids: tuple[int, ...] = ()
    places: tuple[str, ...] = ()
    topic: Topic | None = None
    certain: bool = True
    upper_only: bool = False  # "US" but not "us"
    capital: bool = False
    institution: bool = False
    partial: bool = False  # a first name or surname alone
    name: str = ""


@dataclass
class Vocabulary:
    """Phrases (as tuples of normalised words) and what each refers to, built once per
    version of the record's facts."""

    phrases: dict[tuple[str, ...], list[Ref]] = field(default_factory=dict)
    longest: int = 1
    actors: dict[int, KnownActor] = field(default_factory=dict)
    role_bags: list[tuple[frozenset[str], int]] = field(default_factory=list)
    facts: RecordFacts = field(default_factory=RecordFacts)

    def add(self, phrase: str, ref: Ref) -> None:
        key = tuple(normalize_name(phrase).split())
        if not key:
            return
        refs = self.phrases.setdefault(key, [])
        if ref not in refs:
            refs.append(ref)
        self.longest = max(self.longest, len(key))


_vocabularies: dict[int, Vocabulary] = {}


def vocabulary(facts: RecordFacts) -> Vocabulary:
    """The vocabulary for these facts (cached by the facts' version)."""
    key = id(facts)
    cached = _vocabularies.get(key)
    if cached is not None and cached.facts is facts:
        return cached
    vocab = _build_vocabulary(facts)
    if len(_vocabularies) > 16:
        _vocabularies.clear()
    _vocabularies[key] = vocab
    return vocab


def role_words(text: str, vocab: Vocabulary) -> list[str]:
    """Words of a role or question with parties folded ("Russian", "of Russia" -> @russia)."""
    tokens = [normalize_name(match.group()) for match in WORD.finditer(text)]
    tokens = [GRAMMAR.spelling.get(token, token) for token in tokens if token]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        matched = False
        for length in range(min(vocab.longest, len(tokens) - i), 0, -1):
            refs = [
                ref
                for ref in vocab.phrases.get(tuple(tokens[i : i + length]), [])
                if ref.kind == "side" and not ref.institution
            ]
            if refs:
                out.append("@" + normalize_name(refs[0].name))
                i += length
                matched = True
                break
        if not matched:
            out.append(tokens[i])
            i += 1
    return out


def _build_vocabulary(facts: RecordFacts) -> Vocabulary:
    vocab = Vocabulary(facts=facts)
    _add_sides(vocab, facts)
    _add_speakers(vocab, facts)
    # Roles, as bags of words with parties folded to one token each.
    for actor in facts.actors:
        for role in actor.roles:
            bag = frozenset(role_words(role, vocab)) - GRAMMAR.generic_role_words
            if len(bag) >= 2 and any(not word.startswith("@") for word in bag):
                vocab.role_bags.append((bag, actor.id))
    _add_places(vocab, facts)
    for topic, phrases in TOPICS.words.items():
        for phrase in phrases:
            vocab.add(
                phrase, Ref("topic", topic=topic, upper_only=phrase.isupper() and len(phrase) <= 4, name=topic.value)
            )
    return vocab


def _record_side(record_sides: Sequence[str], words: SideWords) -> tuple[str, ...]:
    """The record's own spelling of a party ("United States" or "USA"), or its common name."""
    keys = {normalize_name(name) for name in words.names}
    found = tuple(side for side in record_sides if normalize_name(side) in keys)
    return found or (words.side,)


def _add_sides(vocab: Vocabulary, facts: RecordFacts) -> None:
    covered: set[str] = set()
    for words in SIDES.sides:
        primary = _record_side(facts.sides, words)
        members = tuple(
            side for member in words.members for side in _record_side(facts.sides, SideWords(member, (member,)))
        )
        sides = tuple(dict.fromkeys((*primary, *members)))
        covered.update(normalize_name(side) for side in primary)
        for name in words.names:
            vocab.add(name, Ref("side", sides, primary, upper_only=name.isupper() and len(name) <= 3, name=words.side))
        for name in words.institutions:
            vocab.add(name, Ref("side", sides, primary, institution=True, name=words.side))
        for name in words.capitals:
            vocab.add(name, Ref("side", sides, primary, capital=True, name=words.side))
        # An adjective is not the party itself ("Russian soldiers"); a noun for its
        # people is ("the Russians").
        for name in words.adjectives:
            vocab.add(name, Ref("side", sides, primary, certain=False, name=words.side))
        for name in words.people:
            vocab.add(name, Ref("side", sides, primary, certain=True, name=words.side))
    for side in facts.sides:  # parties of the record no list above knows
        if normalize_name(side) not in covered:
            vocab.add(side, Ref("side", (side,), (side,), name=side))


def _is_person_name(name: str) -> bool:
    parts = name.split()
    return (
        2 <= len(parts) <= 4
        and all(part[0].isupper() or part in GRAMMAR.name_particles for part in parts)
        and all(part.isalpha() or "-" in part for part in parts)
    )


def _add_speakers(vocab: Vocabulary, facts: RecordFacts) -> None:
    """Every alias; surnames and first names of people when they are unambiguous."""
    side_names = {normalize_name(side) for side in facts.sides}
    vocab.actors = {actor.id: actor for actor in facts.actors}
    short_names: dict[str, set[int]] = {}
    for actor in facts.actors:
        for alias in actor.aliases:
            key = tuple(normalize_name(alias).split())
            # "The Kremlin", "the United States": a body whose name is also how people
            # name the whole party; asking about it is asking about the party.
            institutional = any(ref.kind == "side" for ref in vocab.phrases.get(key, []))
            vocab.add(
                alias,
                Ref(
                    "speaker",
                    (actor.side,) if actor.side else (),
                    actor_ids=(actor.id,),
                    name=actor.name,
                    institution=institutional,
                ),
            )
        for alias in actor.aliases:
            if _is_person_name(alias):
                parts = alias.split()
                for part in (parts[0], parts[-1]):
                    if len(part) >= 4 and normalize_name(part) not in side_names:
                        short_names.setdefault(normalize_name(part), set()).add(actor.id)
    for word, ids in short_names.items():
        if len(ids) == 1 and (word,) not in vocab.phrases:
            actor = vocab.actors[next(iter(ids))]
            vocab.add(
                word,
                Ref(
                    "speaker",
                    (actor.side,) if actor.side else (),
                    actor_ids=(actor.id,),
                    name=actor.name,
                    partial=True,
                ),
            )


def _add_places(vocab: Vocabulary, facts: RecordFacts) -> None:
    """Places of the record, with the other names readers use."""
    record_places = {normalize_name(place): place for place in facts.places}
    for place in facts.places:
        vocab.add(place, Ref("place", places=(place,), name=place))
    for canonical, others in PLACES.aliases.items():
        key = normalize_name(canonical)
        parts = tuple(
            record_places[normalize_name(part)]
            for part in PLACES.parts.get(canonical, ())
            if normalize_name(part) in record_places
        )
        target = ((record_places[key],) if key in record_places else ()) + parts
        if not target:
            continue
        for name in (canonical, *others):
            vocab.add(name, Ref("place", places=target, name=target[0]))
