"""Question understanding: what a reader's question says about who, where, what and when,
and what is left for the text search.

`understand(question, facts, today=...)` is a pure function. It recognises

* speakers, by every alias the record holds (Cyrillic too), by surname or unique first
  name, and by the roles they spoke in ("the Russian foreign minister");
* sides, by name, capital, seat of government and demonym ("Moscow", "the Kremlin",
  "Kyiv", "Washington", "American", "Brussels", "the EU", "European leaders");
* topics by their common names ("truce", "peacekeepers", "POWs"), and places, with the
  spellings and adjectives readers use;
* time: months and years ("in August", "since June", "before May 2025", "between March
  and May"), relative dates against `today` ("last week", "this month", "three days
  ago"), and events the record itself dates ("after the Alaska summit": the first time
  the record has talks at that place).

Mentions the question is certain about become filters: a time expression, and the side
of the one the question asks about ("What did Moscow demand ...", "Did the Kremlin ...",
"Putin's conditions ..."). Everything else - the side of an adjective ("American
soldiers"), a speaker named by role, a topic, a place - becomes a boost, because readers
name places and topics that the statements answering them do not list. What remains of
the question is the query for the text index; the model reads the question with its
references spelled out ("Washington" -> "United States").

The vocabularies are general knowledge of the domain, not of any question set: country
names, capitals and demonyms, names of institutions, topic synonyms, months."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from storage.actors import normalize_name
from storage.models import Stance, Topic
from storage.search import query_terms
from bot.answering.record_index import KnownActor, RecordFacts

# -- general vocabularies -------------------------------------------------------------

EU_MEMBERS = (
    "Austria", "Belgium", "Bulgaria", "Croatia", "Cyprus", "Czech Republic", "Denmark",
    "Estonia", "Finland", "France", "Germany", "Greece", "Hungary", "Ireland", "Italy",
    "Latvia", "Lithuania", "Luxembourg", "Malta", "Netherlands", "Poland", "Portugal",
    "Romania", "Slovakia", "Slovenia", "Spain", "Sweden",
)
EUROPE = (*EU_MEMBERS, "European Union", "United Kingdom", "Norway", "Switzerland", "Iceland")
WEST = (*EUROPE, "United States", "Canada", "NATO", "Japan", "Australia", "New Zealand", "G7")


@dataclass(frozen=True)
class SideWords:
    """How people refer to one party. `names`, `capitals` and `institutions` name it
    (certain); `demonyms` are adjectives ("American soldiers"), certain only when they
    qualify a word for the party itself ("the Russian side", "American officials").
    `members` are the other parties a group name covers ("the EU": its member states)."""

    side: str
    names: tuple[str, ...] = ()
    capitals: tuple[str, ...] = ()
    institutions: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()
    members: tuple[str, ...] = ()


def _s(side: str, names: str = "", capitals: str = "", institutions: str = "",
       demonyms: str = "", members: Iterable[str] = ()) -> SideWords:
    split = lambda value: tuple(part.strip() for part in value.split("|") if part.strip())  # noqa: E731
    return SideWords(side, (side, *split(names)), split(capitals), split(institutions), split(demonyms), tuple(members))


SIDE_WORDS: tuple[SideWords, ...] = (
    _s("Russia", "Russian Federation|RF|Россия|Росія|РФ", "Moscow|Москва",
       "Kremlin|the Kremlin|Кремль|Russian government|Russian authorities|Russian side|Russian delegation",
       "Russian|Russians|российский|російський"),
    _s("Ukraine", "Україна|Украина", "Kyiv|Kiev|Київ|Киев",
       "Bankova|Verkhovna Rada|Ukrainian government|Ukrainian authorities|Ukrainian side|Ukrainian delegation",
       "Ukrainian|Ukrainians|украинский|український"),
    _s("United States", "United States of America|USA|U.S.|U.S.A.|America|США", "Washington|Вашингтон",
       "White House|Pentagon|State Department|Trump administration|US administration|American administration|Congress|US government|American government",
       "American|Americans|US-"),
    _s("United Kingdom", "UK|U.K.|Britain|Great Britain|England", "London|Лондон",
       "Downing Street|Whitehall|British government", "British|Briton|Britons|English"),
    _s("France", "Франция|Франція", "Paris|Париж", "Elysee|Élysée|Élysée Palace|French government", "French"),
    _s("Germany", "Германия|Німеччина", "Berlin|Берлин", "German government|Chancellery|Bundestag", "German|Germans"),
    _s("Poland", "", "Warsaw", "Polish government", "Polish|Poles"),
    _s("Italy", "", "Rome", "Italian government", "Italian|Italians"),
    _s("Spain", "", "Madrid", "", "Spanish"),
    _s("Netherlands", "Holland|the Netherlands", "Amsterdam|The Hague", "", "Dutch"),
    _s("Belgium", "", "", "", "Belgian"),
    _s("Sweden", "", "Stockholm", "", "Swedish"),
    _s("Finland", "", "Helsinki", "", "Finnish"),
    _s("Denmark", "", "Copenhagen", "", "Danish"),
    _s("Norway", "", "Oslo", "", "Norwegian"),
    _s("Estonia", "", "Tallinn", "", "Estonian"),
    _s("Latvia", "", "Riga", "", "Latvian"),
    _s("Lithuania", "", "Vilnius", "", "Lithuanian"),
    _s("Hungary", "", "Budapest", "", "Hungarian"),
    _s("Slovakia", "", "Bratislava", "", "Slovak"),
    _s("Czech Republic", "Czechia", "Prague", "", "Czech"),
    _s("Romania", "", "Bucharest", "", "Romanian"),
    _s("Bulgaria", "", "Sofia", "", "Bulgarian"),
    _s("Greece", "", "Athens", "", "Greek"),
    _s("Austria", "", "Vienna", "", "Austrian"),
    _s("Portugal", "", "Lisbon", "", "Portuguese"),
    _s("Ireland", "", "Dublin", "", "Irish"),
    _s("Switzerland", "", "Bern", "", "Swiss"),
    _s("Moldova", "", "Chisinau", "", "Moldovan"),
    _s("Belarus", "Белоруссия|Беларусь", "Minsk|Минск", "Lukashenko", "Belarusian"),
    _s("Georgia", "", "Tbilisi", "", "Georgian"),
    _s("Turkey", "Türkiye|Turkiye", "Ankara", "Turkish government", "Turkish|Turks"),
    _s("China", "PRC|People's Republic of China|Китай", "Beijing|Пекин", "Chinese government|Zhongnanhai", "Chinese"),
    _s("India", "", "New Delhi|Delhi", "", "Indian"),
    _s("Japan", "", "Tokyo", "", "Japanese"),
    _s("Canada", "", "Ottawa", "", "Canadian|Canadians"),
    _s("Australia", "", "Canberra", "", "Australian"),
    _s("Iran", "", "Tehran", "", "Iranian"),
    _s("North Korea", "DPRK", "Pyongyang", "", "North Korean"),
    _s("Saudi Arabia", "Saudis|KSA", "", "", "Saudi"),
    _s("Qatar", "", "Doha", "", "Qatari"),
    _s("United Arab Emirates", "UAE|Emirates", "Abu Dhabi", "", "Emirati"),
    _s("Israel", "", "Jerusalem", "", "Israeli"),
    _s("Brazil", "", "Brasilia", "", "Brazilian"),
    _s("South Africa", "", "Pretoria", "", "South African"),
    _s("Holy See", "Vatican|the Vatican", "", "Pope", ""),
    _s("NATO", "North Atlantic Alliance|НАТО", "", "NATO allies|the Alliance", ""),
    _s("United Nations", "UN|U.N.|ООН", "", "UN Security Council|Security Council", ""),
    _s("G7", "G-7|Group of Seven", "", "", ""),
    _s("European Union", "EU|E.U.|ЕС|ЄС", "Brussels|Брюссель",
       "European Commission|the Commission|European Council|European Parliament|EU leaders", "",
       members=EU_MEMBERS),
    _s("Europe", "Europeans|European countries|European leaders|European capitals|European allies|European governments",
       "", "", "European", members=EUROPE),
    _s("the West", "Western countries|Western leaders|Western allies|Western governments|the Western allies",
       "", "", "Western", members=WEST),
)

#: Nouns after a demonym that make it name the party itself ("the Russian side").
PARTY_NOUNS = frozenset(
    """side government authorities officials official leadership delegation delegations
    negotiators negotiator diplomats diplomat president presidents prime minister ministers
    foreign ministry administration leader leaders spokesman spokeswoman spokesperson envoy
    envoys chancellor parliament presidency embassy""".split()
)

TOPIC_WORDS: dict[Topic, tuple[str, ...]] = {
    Topic.ceasefire: (
        "ceasefire", "ceasefires", "cease-fire", "cease fire", "truce", "truces", "armistice",
        "stop the fighting", "end the fighting", "pause in fighting",
        "moratorium on strikes", "перемирие", "перемир'я", "прекращение огня",
    ),
    Topic.prisoners: (
        "prisoner", "prisoners", "POW", "POWs", "prisoners of war", "prisoner of war", "captives",
        "captive", "detainees", "prisoner swap", "prisoner exchange", "пленные", "полонені",
    ),
    Topic.foreign_troops: (
        "peacekeepers", "peacekeeper", "peacekeeping", "peacekeeping force", "foreign troops",
        "troops", "soldiers", "boots on the ground", "ground troops", "ground forces",
        "reassurance force", "contingent", "deploy troops",
        "troop deployment", "military presence", "миротворцы", "миротворці",
    ),
    Topic.security_guarantees: (
        "security guarantee", "security guarantees", "guarantee", "guarantees", "guarantor",
        "guarantors", "security assurances", "assurances", "protection", "safeguards",
        "article 5", "collective defence", "collective defense", "гарантии безопасности",
        "гарантії безпеки",
    ),
    Topic.sanctions: (
        "sanction", "sanctions", "tariff", "tariffs", "embargo", "price cap", "secondary tariffs",
        "secondary sanctions", "economic pressure", "blacklist", "санкции", "санкції",
    ),
    Topic.territory: (
        "territory", "territories", "territorial", "land", "lands", "annexation", "annexed",
        "annex", "occupied", "occupation", "border", "borders", "regions", "land swap",
        "concessions", "cede", "withdraw", "withdrawal", "территории", "території",
    ),
    Topic.nato: ("NATO", "the Alliance", "NATO membership", "alliance membership", "НАТО"),
    Topic.talks: (
        "talks", "negotiations", "negotiate", "negotiating", "negotiators", "summit", "meeting",
        "delegation", "delegations", "round of talks", "mediation", "mediator", "dialogue",
        "переговоры", "переговори",
    ),
    Topic.peace_terms: (
        "peace deal", "peace plan", "peace agreement", "peace terms", "peace settlement",
        "settlement", "peace treaty", "terms", "conditions", "demands", "memorandum",
        "framework", "ultimatum", "end the war", "ending the war", "мирный план", "мирний план",
    ),
    Topic.battlefield: (
        "offensive", "front line", "frontline", "front", "battlefield", "advance", "advances",
        "captured", "capture", "villages", "village", "fighting", "attack", "attacks",
        "counteroffensive", "breakthrough", "наступление", "наступ",
    ),
}

#: The word the record itself uses for a topic, searched for as well when a reader uses
#: another ("soldiers" -> "troops", "POWs" -> "prisoners").
TOPIC_HEADS: dict[Topic, tuple[str, ...]] = {
    Topic.ceasefire: ("ceasefire",),
    Topic.prisoners: ("prisoners",),
    Topic.foreign_troops: ("troops",),
    Topic.security_guarantees: ("guarantees",),
    Topic.sanctions: ("sanctions",),
    Topic.territory: ("territory",),
    Topic.nato: ("nato",),
    Topic.talks: ("talks",),
}

#: Other names of places readers use (adjectives, older or Russian spellings, the region a
#: city stands for). Only places the record holds are ever matched.
PLACE_WORDS: dict[str, tuple[str, ...]] = {
    "Crimea": ("Crimean", "Krym", "Крым", "Крим"),
    "Donetsk": ("Donetsk region", "Donetsk oblast", "Донецк", "Донецьк"),
    "Luhansk": ("Lugansk", "Luhansk region", "Луганск", "Луганськ"),
    "Donbas": ("Donbass", "Донбасс", "Донбас"),
    "Zaporizhzhia": ("Zaporizhia", "Zaporozhye", "Zaporizhzhya", "Запорожье", "Запоріжжя"),
    "Kherson": ("Херсон",),
    "Kharkiv": ("Kharkov", "Харьков", "Харків"),
    "Odesa": ("Odessa", "Одесса", "Одеса"),
    "Kyiv": ("Kiev", "Киев", "Київ"),
    "Dnipropetrovsk": ("Dnipropetrovsk region", "Dnipropetrovsk oblast", "Днепропетровск", "Дніпропетровськ"),
    "Dnipro River": ("Dnipro", "Dnieper", "Днепр", "Дніпро"),
    "Black Sea": ("Чёрное море", "Чорне море"),
    "Alaska": ("Anchorage", "Аляска"),
    "Istanbul": ("Стамбул",),
    "Geneva": ("Женева",),
    "Riyadh": (),
    "Jeddah": ("Jidda",),
    "Kursk": ("Курск",),
    "Belgorod": ("Белгород",),
    "Bakhmut": ("Artemovsk",),
    "Pokrovsk": (),
    "Zaporizhzhia nuclear plant": ("Zaporizhzhia nuclear power plant", "ZNPP"),
}
#: A region and the places inside it: asking about Donbas is asking about these too.
PLACE_PARTS: dict[str, tuple[str, ...]] = {"Donbas": ("Donetsk", "Luhansk")}

EVENT_NOUNS = frozenset(
    "summit talks meeting meetings negotiations round conference call visit forum".split()
)

MONTHS = {
    name: number
    for number in range(1, 13)
    for name in {calendar.month_name[number].lower(), calendar.month_abbr[number].lower()}
}
MONTHS["sept"] = 9
SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 2)}
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple of": 2, "a few": 3,
    "several": 3,
}

AUXILIARIES = frozenset(
    "did does do has have had will would is are was were can could should might may must shall".split()
)
LEADING_WORDS = frozenset(
    "what why how when where which who whom whose so and then now please tell me us about ok okay well".split()
)
DETERMINERS = frozenset("the a an".split())
PASSIVE_MARKERS = frozenset("be been being".split())
IRREGULAR_PARTICIPLES = frozenset("told sent given made held taken sought thought meant said hit struck won lost left".split())
#: Russian and Ukrainian questions put the verb first ("Что сказал Путин ...", "Що заявив
#: Зеленський ..."); these are their question words and speech verbs, transliterated as
#: `normalize_name` does.
SLAVIC_LEADING = frozenset("chto shcho kak yak kogda koly pochemu chomu o pro".split())
SLAVIC_SPEECH_VERBS = frozenset(
    """skazal skazala skazali skazav zayavil zayavila zayavili zayavyv predlozhil predlozhila
    proponuvav trebuet trebuyut vymagaye khochet khoche khotel dumaet dumaye obeshchal
    poobitsyav otvetil vidpoviv govoril govorit kazav kazhe""".split()
)
#: Prepositions that end the subject's noun phrase ("tariffs for Russia"); "of" does not
#: ("the head of the Ukrainian delegation").
PHRASE_BREAKS = frozenset("for against on about with to from in at over toward towards into after before since".split())
PLACE_PREPOSITIONS = frozenset("in at to into near around inside from visiting visit via towards toward".split())
#: Verbs of saying and of taking a position: asked with one of these, the subject is the
#: speaker ("What did Moscow demand", "Did Ukraine accept"), and a filter on its side is safe.
STANCE_VERBS = frozenset(
    """say said says saying tell told tells want wants wanted demand demands demanded
    propose proposes proposed offer offers offered reject rejects rejected accept accepts
    accepted warn warns warned claim claims claimed deny denies denied think thinks thought
    insist insists insisted threaten threatens threatened promise promises promised agree
    agrees agreed refuse refuses refused call calls called announce announces announced
    respond responds responded plan plans planned intend intends intended hope hopes hoped
    expect expects expected believe believes believed argue argues argued suggest suggests
    suggested ask asks asked urge urges urged admit admits admitted confirm confirms
    confirmed signal signals signalled signaled welcome welcomes welcomed condemn condemns
    condemned oppose opposes opposed support supports supported back backs backed rule
    ruled commit commits committed pledge pledges pledged vow vows vowed consider considers
    considered mean means meant describe describes described seek seeks sought need needs
    needed push pushes pushed discuss discusses discussed talk talks talked recognise
    recognises recognised recognize recognizes recognized reiterate reiterated repeat
    repeated stress stressed emphasise emphasised emphasize emphasized declare declared
    state stated comment commented react reacted reply replied object objected complain
    complained criticise criticised criticize criticized praise praised dismiss dismissed
    acknowledge acknowledged concede conceded predict predicted assess assessed outline
    outlined present presented request requested invite invited float floated hint hinted
    insist demand position stance view views envisage envisaged expect accept""".split()
)
#: Verbs of doing: asked "Did Washington stop ...", the answer may be anyone's report, so
#: the subject's side only ranks higher.
ACTION_VERBS = frozenset(
    """send sends sent stop stops stopped give gives gave end ends ended reach reaches
    reached sign signs signed make makes made do does attack attacks attacked capture
    captures captured withdraw withdraws withdrew withdrawn deploy deploys deployed meet
    meets met win wins won lose loses lost launch launches launched strike strikes struck
    hit hits receive receives received use uses used return returns returned resign resigns
    resigned join joins joined hold holds held take takes took taken leave leaves left move
    moves moved cross crosses crossed enter enters entered lift lifts lifted impose imposes
    imposed happen happens happened come comes came go goes went get gets got break breaks
    broke violate violates violated release releases released free frees freed exchange
    exchanges exchanged agree""".split()
) - STANCE_VERBS
VERBS = STANCE_VERBS | ACTION_VERBS
GENERIC_ROLE_WORDS = frozenset(
    """of the and for to a an at after before on in with statement readout joint call as
    reported head""".split()
)
SPELLING = {"defence": "defense", "organisation": "organization"}
#: Words that can begin a question capitalised without naming anyone.
COMMON_CAPITALISED = frozenset(
    """i we you they he she it people anyone anybody everyone somebody someone nobody
    officials leaders the this that these those there here""".split()
)

#: Verbs and nouns that say what kind of statement is asked for ("What did London
#: promise ...": a commitment); they rank such statements higher, and the record is not
#: expected to use the same word.
STANCE_WORDS: dict[Stance, tuple[str, ...]] = {
    Stance.commitment: ("promise", "promised", "promises", "pledge", "pledged", "pledges", "vow", "vowed",
                        "vows", "commit", "commits", "committed", "commitment", "commitments"),
    Stance.demand: ("demand", "demands", "demanded", "insist", "insists", "insisted"),
    Stance.warning: ("threaten", "threatens", "threatened", "threat", "threats", "warn", "warns", "warned",
                     "warning", "warnings"),
    Stance.proposal: ("propose", "proposes", "proposed", "proposal", "proposals", "suggest", "suggests",
                      "suggested", "suggestion"),
    Stance.offer: ("offer", "offers", "offered"),
    Stance.rejection: ("reject", "rejects", "rejected", "rejection", "refuse", "refuses", "refused", "refusal",
                       "dismiss", "dismissed", "rebuff", "rebuffed"),
    Stance.acceptance: ("accept", "accepts", "accepted", "acceptance", "welcome", "welcomes", "welcomed",
                        "endorse", "endorsed", "approve", "approved"),
    Stance.denial: ("deny", "denies", "denied", "denial", "refute", "refuted"),
    Stance.claim: ("claim", "claims", "claimed"),
    Stance.appeal: ("urge", "urges", "urged", "appeal", "appeals", "appealed"),
}
STANCE_OF = {word: stance for stance, words in STANCE_WORDS.items() for word in words}

#: Irregular English verb forms and their base form, so that "sent" finds "sending".
IRREGULAR_VERBS: dict[str, str] = {
    form: base
    for base, forms in {
        "send": "sent", "say": "said", "give": "gave given", "take": "took taken", "make": "made",
        "meet": "met", "hold": "held", "leave": "left", "lose": "lost", "win": "won", "strike": "struck stricken",
        "seek": "sought", "bring": "brought", "think": "thought", "tell": "told", "begin": "began begun",
        "break": "broke broken", "choose": "chose chosen", "fall": "fell fallen", "fight": "fought",
        "freeze": "froze frozen", "get": "got gotten", "keep": "kept", "know": "knew known", "lead": "led",
        "mean": "meant", "pay": "paid", "run": "ran", "rise": "rose risen", "see": "saw seen", "sell": "sold",
        "speak": "spoke spoken", "spend": "spent", "stand": "stood", "throw": "threw thrown",
        "write": "wrote written", "build": "built", "buy": "bought", "catch": "caught", "deal": "dealt",
        "draw": "drew drawn", "drive": "drove driven", "fly": "flew flown", "forbid": "forbade forbidden",
        "forgive": "forgave forgiven", "hide": "hid hidden", "feel": "felt", "find": "found", "go": "went gone",
        "grow": "grew grown", "shoot": "shot", "shake": "shook shaken", "stick": "stuck",
        "swear": "swore sworn", "undertake": "undertook undertaken", "withdraw": "withdrew withdrawn",
    }.items()
    for form in forms.split()
}

#: Words of asking rather than of what is asked ("What came out of ...", "What happened
#: in ..."): not searched for, so the record is not blamed for lacking them.
QUESTION_FILLER = frozenset(
    """happen happens happened happening come comes came coming out go goes going went get
    gets got know knows known news latest update updates anything something everything
    thing things stuff regarding concerning situation exactly really actually whether
    please many much kind sort lot react reacts reacted reaction reactions respond responds
    responded response responses comment comments commented""".split()
)

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


# -- the result -----------------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    """One recognised reference in the question."""

    kind: str  # "speaker", "side", "place", "topic", "role"
    text: str
    start: int  # token positions [start, end)
    end: int
    #: The parties a filter on this mention admits ("the EU": the Union and its members)...
    sides: tuple[str, ...] = ()
    #: ... and the party it names first, for boosts and display.
    primary: tuple[str, ...] = ()
    actor_ids: tuple[int, ...] = ()
    places: tuple[str, ...] = ()
    topic: Topic | None = None
    certain: bool = True
    #: The one the question asks about ("What did Moscow ..."), or inside that phrase.
    subject: bool = False
    in_subject: bool = False


@dataclass(frozen=True)
class TimeSpan:
    since: date | None
    until: date | None
    label: str
    #: For "after/before an event": the event's date, answers closest to it first.
    anchor: date | None = None
    anchor_after: bool = True


@dataclass(frozen=True)
class Understanding:
    question: str
    #: What is left for the full-text index (time expressions taken out).
    query: str
    #: What is asked apart from who and when ("What did Putin say last week?": nothing).
    content: str
    #: The question as the model reads it: time taken out, names of parties spelled out.
    semantic_query: str
    #: The content as search terms, each with the words that stand for the same thing in
    #: the record ("soldiers" -> also "troops", "truce" -> also "ceasefire").
    concepts: tuple[tuple[str, ...], ...] = ()
    #: Words that say what kind of statement is asked for ("promise"): searched for, but
    #: not expected; and the stances they name, which rank higher.
    framing: tuple[str, ...] = ()
    stances: tuple[Stance, ...] = ()
    #: Filters: the statement's side is one of these; its date overlaps since..until.
    sides: tuple[str, ...] | None = None
    since: date | None = None
    until: date | None = None
    #: Boosts.
    speakers: tuple[int, ...] = ()
    boost_sides: tuple[str, ...] = ()
    topics: tuple[Topic, ...] = ()
    places: tuple[str, ...] = ()
    anchor: date | None = None
    anchor_after: bool = True
    recent: bool = False
    #: A person the question asks about whom the record has never heard speak.
    unknown_speaker: str | None = None
    #: Proper names in the question that name nothing the record knows as a speaker,
    #: party or place ("Navalny", "Kakhovka", "Belarus"): if the record never mentions
    #: them either, it cannot answer.
    names: tuple[str, ...] = ()
    mentions: tuple[Mention, ...] = ()
    #: For display: what was taken as certain ("Russia", "Jul 2025") ...
    labels: tuple[str, ...] = ()
    #: ... and what only ranks higher ("Vladimir Putin", "ceasefire", "Donetsk").
    hints: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """What was understood, for display: "Russia · since Aug 2025"."""
        return " · ".join(self.labels)

    @property
    def has_filters(self) -> bool:
        return self.sides is not None or self.since is not None or self.until is not None


# -- the vocabulary of one record -------------------------------------------------------


@dataclass(frozen=True)
class _Ref:
    kind: str
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

    phrases: dict[tuple[str, ...], list[_Ref]] = field(default_factory=dict)
    longest: int = 1
    actors: dict[int, KnownActor] = field(default_factory=dict)
    role_bags: list[tuple[frozenset[str], int]] = field(default_factory=list)
    facts: RecordFacts = field(default_factory=RecordFacts)

    def add(self, phrase: str, ref: _Ref) -> None:
        key = tuple(normalize_name(phrase).split())
        if not key:
            return
        refs = self.phrases.setdefault(key, [])
        if ref not in refs:
            refs.append(ref)
        self.longest = max(self.longest, len(key))


def _record_side(record_sides: Sequence[str], words: SideWords) -> tuple[str, ...]:
    """The record's own spelling of a party ("United States" or "USA"), or its common name."""
    keys = {normalize_name(name) for name in words.names}
    found = tuple(side for side in record_sides if normalize_name(side) in keys)
    return found or (words.side,)


def _is_person_name(name: str) -> bool:
    parts = name.split()
    particles = {"von", "der", "de", "van", "la", "le", "bin", "al", "da", "di"}
    return 2 <= len(parts) <= 4 and all(part[0].isupper() or part in particles for part in parts) and all(
        part.isalpha() or "-" in part for part in parts
    )


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


def _build_vocabulary(facts: RecordFacts) -> Vocabulary:
    vocab = Vocabulary(facts=facts)
    side_names = {normalize_name(side) for side in facts.sides}
    # Parties.
    covered: set[str] = set()
    for words in SIDE_WORDS:
        primary = _record_side(facts.sides, words)
        members = tuple(
            side for member in words.members for side in _record_side(facts.sides, SideWords(member, (member,)))
        )
        sides = tuple(dict.fromkeys((*primary, *members)))
        covered.update(normalize_name(side) for side in primary)
        for name in words.names:
            vocab.add(name, _Ref("side", sides, primary, upper_only=name.isupper() and len(name) <= 3, name=words.side))
        for name in words.institutions:
            vocab.add(name, _Ref("side", sides, primary, institution=True, name=words.side))
        for name in words.capitals:
            vocab.add(name, _Ref("side", sides, primary, capital=True, name=words.side))
        for name in words.demonyms:
            # A plural demonym is a noun for the party's people ("the Russians"); the
            # adjective ("Russian soldiers") is not the party itself.
            plural = name.endswith("ns") or name in {"Poles", "Turks", "Britons", "Brits"}
            vocab.add(name.rstrip("-"), _Ref("side", sides, primary, certain=plural, name=words.side))
    for side in facts.sides:  # parties of the record no list above knows
        if normalize_name(side) not in covered:
            vocab.add(side, _Ref("side", (side,), (side,), name=side))
    # Speakers: every alias; surnames and first names of people when they are unambiguous.
    vocab.actors = {actor.id: actor for actor in facts.actors}
    short_names: dict[str, set[int]] = {}
    for actor in facts.actors:
        for alias in actor.aliases:
            key = tuple(normalize_name(alias).split())
            # "The Kremlin", "the United States": a body whose name is also how people
            # name the whole party; asking about it is asking about the party.
            institutional = any(ref.kind == "side" for ref in vocab.phrases.get(key, []))
            vocab.add(alias, _Ref(
                "speaker", (actor.side,) if actor.side else (), actor_ids=(actor.id,), name=actor.name,
                institution=institutional,
            ))
        for alias in actor.aliases:
            if _is_person_name(alias):
                parts = alias.split()
                for part in (parts[0], parts[-1]):
                    if len(part) >= 4 and normalize_name(part) not in side_names:
                        short_names.setdefault(normalize_name(part), set()).add(actor.id)
    for word, ids in short_names.items():
        if len(ids) == 1 and (word,) not in vocab.phrases:
            actor = vocab.actors[next(iter(ids))]
            vocab.add(word, _Ref(
                "speaker", (actor.side,) if actor.side else (), actor_ids=(actor.id,), name=actor.name, partial=True,
            ))
    # Roles, as bags of words with parties folded to one token each.
    for actor in facts.actors:
        for role in actor.roles:
            bag = frozenset(_role_words(role, vocab)) - GENERIC_ROLE_WORDS
            if len(bag) >= 2 and any(not word.startswith("@") for word in bag):
                vocab.role_bags.append((bag, actor.id))
    # Places of the record, with the other names readers use.
    record_places = {normalize_name(place): place for place in facts.places}
    for place in facts.places:
        vocab.add(place, _Ref("place", places=(place,), name=place))
    for canonical, others in PLACE_WORDS.items():
        key = normalize_name(canonical)
        parts = tuple(record_places[normalize_name(part)] for part in PLACE_PARTS.get(canonical, ()) if normalize_name(part) in record_places)
        target = ((record_places[key],) if key in record_places else ()) + parts
        if not target:
            continue
        for name in (canonical, *others):
            vocab.add(name, _Ref("place", places=target, name=target[0]))
    # Topics.
    for topic, phrases in TOPIC_WORDS.items():
        for phrase in phrases:
            vocab.add(phrase, _Ref("topic", topic=topic, upper_only=phrase.isupper() and len(phrase) <= 4, name=topic.value))
    return vocab


def _role_words(text: str, vocab: Vocabulary) -> list[str]:
    """Words of a role or question with parties folded ("Russian", "of Russia" -> @russia)."""
    tokens = [normalize_name(match.group()) for match in _TOKEN.finditer(text)]
    tokens = [SPELLING.get(token, token) for token in tokens if token]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        matched = False
        for length in range(min(vocab.longest, len(tokens) - i), 0, -1):
            refs = [
                ref for ref in vocab.phrases.get(tuple(tokens[i : i + length]), [])
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


# -- time -----------------------------------------------------------------------------

_MONTH = r"(?P<{n}>january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
_YEAR = r"(?P<{n}>(?:19|20)\d\d)"


def _m(name: str) -> str:
    return _MONTH.format(n=name)


def _y(name: str) -> str:
    return _YEAR.format(n=name)


_PREP = r"(?P<prep>in|during|throughout|over|on|since|from|after|following|before|until|till|til|through|by|as of|prior to|ahead of)"
_PART = r"(?:(?P<part>early|mid|late|the (?:start|beginning|end|middle) of|the first half of|the second half of)[ -]?)?"
_TIME_PATTERNS = [
    ("between", re.compile(
        rf"\b(?:between|from)\s+{_m('m1')}(?:\s+{_y('y1')})?\s+(?:and|to|until|till|through|-)\s+{_m('m2')}(?:\s+{_y('y2')})?\b", re.I)),
    ("iso", re.compile(rf"\b(?:{_PREP}\s+)?(?P<iso>(?:19|20)\d\d-\d\d(?:-\d\d)?)\b", re.I)),
    ("day_month", re.compile(rf"\b(?:{_PREP}\s+)?(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_m('m')}(?:,?\s+{_y('y')})?\b", re.I)),
    ("month_day", re.compile(rf"\b(?:{_PREP}\s+)?{_m('m')}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+{_y('y')})?\b", re.I)),
    ("month_year", re.compile(rf"\b(?:{_PREP}\s+)?{_PART}{_m('m')},?\s+{_y('y')}\b", re.I)),
    ("month", re.compile(rf"\b{_PREP}\s+{_PART}{_m('m')}\b", re.I)),
    ("part_month", re.compile(rf"\b(?P<part>early|mid|late)[ -]{_m('m')}\b", re.I)),
    ("season", re.compile(rf"\b(?:{_PREP}\s+)?(?:the\s+|this\s+|last\s+)?(?P<season>spring|summer|autumn|fall|winter)(?:\s+(?:of\s+)?{_y('y')})?\b", re.I)),
    ("year", re.compile(rf"\b{_PREP}\s+{_y('y')}\b", re.I)),
    ("relative", re.compile(
        r"\b(?:(?P<prep>in|during|over|since|from|before|after|until)\s+)?(?P<rel>(?:the\s+)?(?:last|past|previous|this|current)\s+(?:(?P<n>\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|couple of|few)\s+)?(?P<unit>days?|weeks?|months?|years?)|today|yesterday|this morning|tonight|last night|so far this (?P<unit2>week|month|year))\b", re.I)),
    ("ago", re.compile(r"\b(?P<n>\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a couple of|a few|several)\s+(?P<unit>days?|weeks?|months?|years?)\s+ago\b", re.I)),
    ("recent", re.compile(r"\b(?:recently|lately|latest|most recent|newest|nowadays|currently|these days|right now)\b", re.I)),
]
_EVENT = re.compile(
    r"\b(?P<prep>after|since|following|before|ahead of|prior to|until|in the run-up to|at|during)\s+the\s+"
    r"(?:(?P<place1>[\w'’ .-]{2,40}?)\s+(?P<noun1>summit|talks|meeting|negotiations|round of talks|round|conference|call|visit|forum)"
    r"|(?P<noun2>summit|talks|meeting|negotiations|conference|forum)\s+(?:in|at)\s+(?P<place2>[\w'’ .-]{2,40}?))(?=$|[\s?.!,;:])",
    re.I,
)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _latest_month(month: int, anchor: date) -> int:
    """The year of the most recent `month` not after `anchor`."""
    return anchor.year if month <= anchor.month else anchor.year - 1


def _label_month(year: int, month: int) -> str:
    return f"{calendar.month_abbr[month]} {year}"


def _apply_prep(prep: str | None, start: date, end: date, label: str) -> TimeSpan:
    prep = (prep or "in").lower()
    if prep in {"since", "from", "as of"}:
        return TimeSpan(start, None, f"since {label}")
    if prep in {"after", "following"}:
        return TimeSpan(end + timedelta(days=1), None, f"after {label}")
    if prep in {"before", "prior to", "ahead of"}:
        return TimeSpan(None, start - timedelta(days=1), f"before {label}")
    if prep in {"until", "till", "til", "through", "by"}:
        return TimeSpan(None, end, f"until {label}")
    return TimeSpan(start, end, label)


def _number(word: str | None) -> int:
    if not word:
        return 1
    word = word.lower()
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word, NUMBER_WORDS.get(word.replace(" of", ""), 1))


def _part_of_month(part: str | None, year: int, month: int) -> tuple[date, date]:
    start, end = date(year, month, 1), _month_end(year, month)
    part = (part or "").lower()
    if part in {"early", "the start of", "the beginning of", "the first half of"}:
        return start, date(year, month, 15)
    if part in {"late", "the end of", "the second half of"}:
        return date(year, month, 16), end
    if part in {"mid", "the middle of"}:
        return date(year, month, 8), date(year, month, 23)
    return start, end


def _relative(match: re.Match[str], today: date) -> TimeSpan | None:
    rel = match.group("rel").lower()
    prep = (match.group("prep") or "").lower()
    if rel == "today" or rel in {"this morning", "tonight"}:
        span = TimeSpan(today, today, "today")
    elif rel == "yesterday":
        day = today - timedelta(days=1)
        span = TimeSpan(day, day, "yesterday")
    elif rel == "last night":
        span = TimeSpan(today - timedelta(days=1), today, "last night")
    else:
        unit = (match.group("unit") or match.group("unit2") or "").lower().rstrip("s")
        n = _number(match.group("n"))
        rolling = "past" in rel or match.group("n") is not None
        if rel.startswith("so far this") or ("this" in rel or "current" in rel):
            if unit == "week":
                start = today - timedelta(days=today.weekday())
            elif unit == "month":
                start = today.replace(day=1)
            elif unit == "year":
                start = today.replace(month=1, day=1)
            else:
                start = today
            span = TimeSpan(start, today, f"this {unit}")
        elif rolling:
            days = {"day": 1, "week": 7, "month": 31, "year": 366}[unit] * n
            span = TimeSpan(today - timedelta(days=days), today, f"the past {n} {unit}s" if n > 1 else f"the past {unit}")
        elif unit == "week":
            # "Last week": the previous calendar week and this one so far, since a reader
            # asking on a Wednesday means Monday's words too.
            span = TimeSpan(today - timedelta(days=today.weekday() + 7), today, "last week")
        elif unit == "month":
            first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
            span = TimeSpan(first, today, "last month")
        elif unit == "year":
            span = TimeSpan(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), f"{today.year - 1}")
        else:
            day = today - timedelta(days=1)
            span = TimeSpan(day, today, "yesterday")
    if prep in {"since", "from"}:
        return TimeSpan(span.since, None, f"since {span.label}")
    if prep == "before":
        return TimeSpan(None, span.since and span.since - timedelta(days=1), f"before {span.label}")
    if prep == "after":
        return TimeSpan(span.until and span.until + timedelta(days=1), None, f"after {span.label}")
    return span


def _ago(match: re.Match[str], today: date) -> TimeSpan:
    n = _number(match.group("n"))
    unit = match.group("unit").lower().rstrip("s")
    days = {"day": 1, "week": 7, "month": 30, "year": 365}[unit]
    center = today - timedelta(days=days * n)
    slack = timedelta(days=max(1, days // 2))
    return TimeSpan(center - slack, min(today, center + slack), f"{n} {unit}{'s' if n > 1 else ''} ago")


def _parse_time(question: str, today: date, month_anchor: date) -> tuple[list[TimeSpan], list[tuple[int, int]], bool]:
    """Time spans found, the character ranges they cover, and whether recency was asked."""
    spans: list[TimeSpan] = []
    covered: list[tuple[int, int]] = []
    recent = False

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in covered)

    for kind, pattern in _TIME_PATTERNS:
        for match in pattern.finditer(question):
            if not free(match.start(), match.end()):
                continue
            span: TimeSpan | None = None
            groups = match.groupdict()
            if kind == "between":
                m1, m2 = MONTHS[groups["m1"].lower()], MONTHS[groups["m2"].lower()]
                y2 = int(groups["y2"]) if groups.get("y2") else _latest_month(m2, month_anchor)
                y1 = int(groups["y1"]) if groups.get("y1") else (y2 if m1 <= m2 else y2 - 1)
                span = TimeSpan(date(y1, m1, 1), _month_end(y2, m2),
                                f"{_label_month(y1, m1)} – {_label_month(y2, m2)}")
            elif kind == "iso":
                parts = [int(part) for part in groups["iso"].split("-")]
                try:
                    if len(parts) == 3:
                        day = date(*parts)
                        span = _apply_prep(groups.get("prep"), day, day, day.isoformat())
                    else:
                        span = _apply_prep(groups.get("prep"), date(parts[0], parts[1], 1),
                                           _month_end(parts[0], parts[1]), _label_month(parts[0], parts[1]))
                except ValueError:
                    span = None
            elif kind in {"day_month", "month_day"}:
                month = MONTHS[groups["m"].lower()]
                year = int(groups["y"]) if groups.get("y") else _latest_month(month, month_anchor)
                try:
                    day = date(year, month, int(groups["day"]))
                except ValueError:
                    continue
                span = _apply_prep(groups.get("prep"), day, day, f"{day.day} {calendar.month_abbr[month]} {year}")
            elif kind in {"month_year", "month", "part_month"}:
                word = groups["m"].lower()
                if kind == "month" and word in {"may", "march", "mar"} and groups["prep"].lower() in {"by", "on", "over"}:
                    continue  # "by may", "on march": too likely a verb
                month = MONTHS[word]
                year = int(groups["y"]) if groups.get("y") else _latest_month(month, month_anchor)
                start, end = _part_of_month(groups.get("part"), year, month)
                part = (groups.get("part") or "").lower()
                label = f"{part + ' ' if part else ''}{_label_month(year, month)}"
                span = _apply_prep(groups.get("prep"), start, end, label)
            elif kind == "season":
                if not (groups.get("prep") or groups.get("y") or re.search(r"\b(this|last)\s", match.group(0), re.I)):
                    continue
                first, last = SEASONS[groups["season"].lower()]
                if groups.get("y"):
                    year = int(groups["y"])
                else:
                    year = month_anchor.year if (month_anchor.month >= first or first == 12) else month_anchor.year - 1
                    if re.search(r"\blast\s", match.group(0), re.I):
                        year -= 1
                start = date(year, first, 1)
                end = _month_end(year + (1 if last < first else 0), last)
                span = _apply_prep(groups.get("prep"), start, end, f"{groups['season'].lower()} {year}")
            elif kind == "year":
                year = int(groups["y"])
                span = _apply_prep(groups.get("prep"), date(year, 1, 1), date(year, 12, 31), str(year))
            elif kind == "relative":
                span = _relative(match, today)
            elif kind == "ago":
                span = _ago(match, today)
            elif kind == "recent":
                recent = True
                covered.append((match.start(), match.end()))
                continue
            if span is not None:
                spans.append(span)
                covered.append((match.start(), match.end()))
    return spans, covered, recent


def _combine(spans: Sequence[TimeSpan]) -> TimeSpan | None:
    if not spans:
        return None
    since = max((span.since for span in spans if span.since), default=None)
    until = min((span.until for span in spans if span.until), default=None)
    anchor = next((span for span in spans if span.anchor), None)
    return TimeSpan(since, until, " · ".join(span.label for span in spans),
                    anchor.anchor if anchor else None, anchor.anchor_after if anchor else True)


# -- reading the question ----------------------------------------------------------------


@dataclass
class _Token:
    text: str
    norm: str
    start: int
    end: int


def _tokens(question: str) -> list[_Token]:
    out = []
    for match in _TOKEN.finditer(question):
        norm = normalize_name(match.group())
        if norm:
            for piece in norm.split():
                out.append(_Token(match.group(), piece, match.start(), match.end()))
    return out


def _event(question: str, vocab: Vocabulary, covered: list[tuple[int, int]]) -> tuple[list[TimeSpan], list[Mention]]:
    """"After the Alaska summit": the record's first talks at that place date the event."""
    spans: list[TimeSpan] = []
    places: list[Mention] = []
    for match in _EVENT.finditer(question):
        if any(not (match.end() <= a or match.start() >= b) for a, b in covered):
            continue
        place_text = (match.group("place1") or match.group("place2") or "").strip()
        words = tuple(normalize_name(place_text).split())
        # The place may be preceded by adjectives ("the first Istanbul talks"): try suffixes.
        refs: list[_Ref] = []
        for start in range(len(words)):
            refs = [ref for ref in vocab.phrases.get(words[start:], []) if ref.kind in {"place", "side"}]
            if refs:
                break
        place = None
        for ref in refs:
            if ref.kind == "place":
                place = ref.places[0]
                break
            if ref.kind == "side" and ref.capital:
                # A capital names the city here, not the party ("the Moscow talks").
                place = next((p for p in vocab.facts.places if normalize_name(p) == normalize_name(place_text)), None)
        if place is None or place not in vocab.facts.events:
            continue
        day = vocab.facts.events[place]
        prep = match.group("prep").lower()
        noun = (match.group("noun1") or match.group("noun2")).lower()
        label = f"the {place} {noun}"
        if prep in {"after", "since", "following"}:
            spans.append(TimeSpan(day, None, f"after {label}", anchor=day, anchor_after=True))
        elif prep in {"before", "ahead of", "prior to", "until", "in the run-up to"}:
            spans.append(TimeSpan(None, day, f"before {label}", anchor=day, anchor_after=False))
        places.append(Mention("place", place, -1, -1, places=(place,), certain=False))
        if spans and spans[-1].anchor == day:
            covered.append((match.start(), match.end()))  # "at the Alaska summit" stays content
    return spans, places


def _match_mentions(tokens: list[_Token], vocab: Vocabulary, skip: set[int]) -> list[tuple[int, int, list[_Ref]]]:
    found = []
    i = 0
    while i < len(tokens):
        if i in skip:
            i += 1
            continue
        hit = None
        for length in range(min(vocab.longest, len(tokens) - i), 0, -1):
            if any(j in skip for j in range(i, i + length)):
                continue
            key = tuple(token.norm for token in tokens[i : i + length])
            refs = vocab.phrases.get(key)
            if not refs:
                continue
            original = tokens[i].text
            refs = [ref for ref in refs if not ref.upper_only or (length > 1 or original.isupper())]
            # "Dmitry" alone may be the record's Dmitry Peskov; "Dmitry Medvedev" is not.
            neighbours = [tokens[j] for j in (i - 1, i + length) if 0 < j < len(tokens)]
            if any(token.text[:1].isupper() and token.text.isalpha() for token in neighbours):
                refs = [ref for ref in refs if not ref.partial]
            if refs:
                hit = (i, i + length, refs)
                break
        if hit:
            found.append(hit)
            i = hit[1]
        else:
            i += 1
    return found


def _subject_positions(tokens: list[_Token]) -> tuple[int | None, int, bool]:
    """Where the question's subject starts (a token index, or None), where its noun phrase
    ends (the first verb or preposition after it), and whether it is passive ("Has China
    been proposed ..."), where the subject is not the one who speaks."""
    words = [token.norm for token in tokens]
    i = 0
    while i < len(words) and (words[i] in LEADING_WORDS or words[i] in SLAVIC_LEADING):
        i += 1
    # "Which bank did Russia ...", "What weapons deal did Zelensky ...": a few nouns may
    # stand between the question word and the auxiliary.
    j = i
    while j < min(len(words), i + 3) and words[j] not in AUXILIARIES and words[j] not in VERBS:
        j += 1
    start: int | None
    if i < len(words) and (words[i] in AUXILIARIES or (i > 0 and words[i] in SLAVIC_SPEECH_VERBS)):
        start = i + 1
    elif i > 0 and j < len(words) and words[j] in AUXILIARIES and words[0] in {"which", "what", "how", "whose"}:
        start = j + 1
    elif i == 0:
        start = 0  # a bare noun phrase: "Kremlin conditions for ..."
    else:
        start = None
    if start is None:
        return None, 0, False
    while start < len(words) and words[start] in DETERMINERS:
        start += 1
    end = start
    while end < len(words) and words[end] not in VERBS and words[end] not in PHRASE_BREAKS:
        end += 1
    passive = any(word in PASSIVE_MARKERS for word in words[start:end]) or (
        start > 0 and words[start - 1] in {"is", "are", "was", "were"} and end < len(words)
        and (words[end].endswith("ed") or words[end] in IRREGULAR_PARTICIPLES)
    )
    return start, end, passive


def understand(
    question: str,
    facts: RecordFacts,
    *,
    today: date | None = None,
    vocab: Vocabulary | None = None,
) -> Understanding:
    """What the question asks about; see the module's docstring."""
    today = today or date.today()
    vocab = vocab or vocabulary(facts)
    # A month without a year is the latest such month the record can speak of: asked in
    # 2026 of a record that ends in 2025, "in July" is July 2025.
    month_anchor = min(today, facts.last_date) if facts.last_date else today

    time_spans, covered, recent = _parse_time(question, today, month_anchor)
    event_spans, event_places = _event(question, vocab, covered)
    time_spans += event_spans

    tokens = _tokens(question)
    skip = {index for index, token in enumerate(tokens) if any(a <= token.start < b for a, b in covered)}
    matched = _match_mentions(tokens, vocab, skip)
    subject_start, subject_end, passive = _subject_positions(tokens)

    mentions: list[Mention] = list(event_places)
    words = [token.norm for token in tokens]
    # Whether the subject is the speaker: asked with a verb of saying or of taking a
    # position ("What did Moscow demand"), or as a bare phrase ("Kremlin conditions for
    # ..."); not when asked what it did ("Did Washington stop ...").
    main_verb = words[subject_end] if subject_start is not None and subject_end < len(words) else None
    asked_with_auxiliary = subject_start is not None and subject_start > 0 and any(
        word in AUXILIARIES for word in words[:subject_start]
    )
    bare_phrase = subject_start == 0 and not asked_with_auxiliary and main_verb not in VERBS
    speaks = not passive and (
        main_verb in STANCE_VERBS
        or bool(subject_start and words[subject_start - 1] in SLAVIC_SPEECH_VERBS)
        or (main_verb not in VERBS and not asked_with_auxiliary)
    )
    asks_who = bool(words) and words[0] in {"who", "which", "whose"} and subject_start is None
    according_to = {start for start, _, _ in matched if start > 1 and words[start - 1] == "to" and words[start - 2] == "according"}
    previous_subject_end: int | None = None
    for start, end, refs in matched:
        before = words[start - 1] if start > 0 else ""
        after = words[end] if end < len(words) else ""
        if after == "s" and end + 1 < len(words):  # possessive: "Putin's"
            after = words[end + 1]
        if any(ref.capital for ref in refs) and (before not in PLACE_PREPOSITIONS or start in according_to):
            refs = [ref for ref in refs if ref.kind != "place"]  # "with Kyiv": the government
        kinds = {ref.kind for ref in refs}
        if asks_who:
            # "Who said ...", "Which side ...": the speaker is what is asked for.
            is_subject = False
        else:
            head = subject_start is not None and start == subject_start and speaks
            if head and bare_phrase:
                # A question that is only a noun phrase names its speaker for certain when
                # it starts with a speaker, a possessive or "X on ..." ("Lavrov on
                # guarantees", "Moscow's demands"); "European countries as the first line
                # of defence" is about them, not by them.
                following = words[end] if end < len(words) else ""
                head = "speaker" in kinds or following in {"s", "on", "about"}
            coordinated = (
                previous_subject_end is not None and before in {"and", "or", "nor"} and start == previous_subject_end + 1
            )
            according = start in according_to
            if according_to and not according:
                # "Moscow's aim according to Kyiv": Kyiv speaks; Moscow is what it speaks of.
                head = coordinated = False
            by = before == "by" or (before == "from" and "speaker" in kinds)
            speaking = after in STANCE_VERBS and before not in PLACE_PREPOSITIONS and (
                subject_start is None or start <= subject_end
            )
            is_subject = head or coordinated or according or by or speaking
        in_subject_phrase = (
            not asks_who and not (according_to and start not in according_to)
            and subject_start is not None and subject_start <= start < subject_end
        )
        text = question[tokens[start].start : tokens[end - 1].end]
        for ref in refs:
            if ref.kind == "side":
                if ref.capital and before in PLACE_PREPOSITIONS and start not in according_to:
                    # "in Kyiv": the city, not the government.
                    places = tuple(p for p in facts.places if normalize_name(p) == words[start])
                    if places:
                        mentions.append(Mention("place", text, start, end, places=places, certain=False))
                    continue
                certain = ref.certain or after in PARTY_NOUNS
                mentions.append(Mention(
                    "side", text, start, end, sides=ref.sides if certain else ref.primary, primary=ref.primary,
                    certain=certain, subject=is_subject, in_subject=in_subject_phrase,
                ))
            elif ref.kind == "speaker":
                mentions.append(Mention(
                    "speaker", text, start, end, sides=ref.sides, primary=ref.sides,
                    actor_ids=() if ref.institution else ref.actor_ids,
                    subject=is_subject, in_subject=in_subject_phrase,
                ))
            elif ref.kind == "place":
                mentions.append(Mention("place", text, start, end, places=ref.places, certain=False))
            elif ref.kind == "topic":
                mentions.append(Mention("topic", text, start, end, topic=ref.topic, certain=False))
        if is_subject and kinds & {"side", "speaker"}:
            previous_subject_end = end - 1

    # Speakers named by a role they held in the record ("the Russian foreign minister").
    question_bag = set(_role_words(question, vocab))
    role_ids = tuple(dict.fromkeys(actor_id for bag, actor_id in vocab.role_bags if bag <= question_bag))
    for actor_id in role_ids:
        actor = vocab.actors[actor_id]
        side = (actor.side,) if actor.side else ()
        mentions.append(Mention("role", actor.name, -1, -1, sides=side, primary=side, actor_ids=(actor_id,), certain=False))

    unknown = None if asks_who else _unknown_speaker(tokens, subject_start, matched, skip)
    names = _unknown_names(tokens, matched, skip, facts)

    # Filters: the parties of the question's subject, when named for certain.
    deciding = [m for m in mentions if m.subject and m.certain and m.kind in {"side", "speaker"} and m.sides]
    sides = tuple(dict.fromkeys(side for mention in deciding for side in mention.sides)) or None
    span = _combine(time_spans)

    # Boosts: who the subject names less certainly, speakers by name or role, topics, places.
    speakers = tuple(dict.fromkeys(
        actor_id for mention in mentions
        if mention.kind == "role" or (mention.kind == "speaker" and (mention.subject or mention.in_subject))
        for actor_id in mention.actor_ids
    ))
    boost_sides = tuple(dict.fromkeys(
        side for mention in mentions
        if mention.kind == "role" or (mention.kind in {"side", "speaker"} and (mention.subject or mention.in_subject))
        for side in mention.primary
    ))
    topics = tuple(dict.fromkeys(mention.topic for mention in mentions if mention.topic is not None))
    places = tuple(dict.fromkeys(place for mention in mentions if mention.kind == "place" for place in mention.places))

    remaining = _without(question, covered)
    named = [
        (tokens[m.start].start, tokens[m.end - 1].end) for m in mentions
        if m.start >= 0 and m.kind in {"speaker", "side"} and (m.subject or m.in_subject)
    ]
    content = _without(question, covered + named)
    concepts = _concepts(question, content, tokens, mentions, covered + named)
    framing = tuple(term for term in query_terms(content) if term in STANCE_OF)
    stances = tuple(dict.fromkeys(STANCE_OF[term] for term in framing))
    labels: list[str] = list(dict.fromkeys(mention.primary[0] for mention in deciding if mention.primary))
    if span and (span.since or span.until):
        labels.append(span.label)
    hints = [vocab.actors[actor_id].name for actor_id in speakers]
    hints += [topic.value.replace("_", " ") for topic in topics]
    hints += [stance.value for stance in stances]
    hints += list(places)
    if recent:
        hints.append("most recent first")

    return Understanding(
        question=question,
        query=remaining,
        content=content,
        concepts=concepts,
        framing=framing,
        stances=stances,
        semantic_query=_spelled_out(question, tokens, matched, covered),
        sides=sides,
        since=span.since if span else None,
        until=span.until if span else None,
        speakers=speakers,
        boost_sides=boost_sides,
        topics=topics,
        places=places,
        anchor=span.anchor if span else None,
        anchor_after=span.anchor_after if span else True,
        recent=recent,
        unknown_speaker=unknown,
        names=names,
        mentions=tuple(mentions),
        labels=tuple(labels),
        hints=tuple(dict.fromkeys(hints)),
    )


def _unknown_speaker(tokens: list[_Token], subject_start: int | None, matched: list[tuple[int, int, list[_Ref]]], skip: set[int]) -> str | None:
    """A capitalised name in the subject's place that the record does not know ("What did
    Erdogan say ..."): the record has nothing said by them."""
    if subject_start is None or subject_start == 0 or subject_start >= len(tokens):
        return None
    if _title_case(tokens):
        return None
    known = {index for start, end, _ in matched for index in range(start, end)} | skip
    name: list[_Token] = []
    index = subject_start
    while index < len(tokens) and tokens[index].text[:1].isupper() and index not in known:
        name.append(tokens[index])
        index += 1
    if not name or name[0].norm in COMMON_CAPITALISED:
        return None
    following = tokens[index].norm if index < len(tokens) else ""
    if following and not (following in VERBS or following == "s" or tokens[index].text[:1].islower()):
        return None
    text = " ".join(dict.fromkeys(token.text for token in name))
    if text.upper() == text and len(text) <= 5:
        return None  # an abbreviation we do not know is more likely an organisation than a person
    return text


def _title_case(tokens: list[_Token]) -> bool:
    """Title Case Or SHOUTING: then capitals say nothing about names."""
    rest = [token.text for token in tokens[1:] if token.text.isalpha()]
    lower = sum(1 for word in rest if word[:1].islower())
    return lower < 2 and len(rest) - lower >= 3


def _unknown_names(
    tokens: list[_Token], matched: list[tuple[int, int, list[_Ref]]], skip: set[int], facts: RecordFacts
) -> tuple[str, ...]:
    """Capitalised words (not the first) that resolve to no speaker, place or party of the
    record. Latin script only: Russian and Ukrainian inflect names, and an inflected form
    ("Крыме") is not a word the index holds."""
    if len(tokens) < 2:
        return ()
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
    names: list[list[_Token]] = []
    previous = -2
    for index, token in enumerate(tokens[1:], start=1):
        if index in resolved or not token.text[:1].isupper() or token.norm in COMMON_CAPITALISED:
            continue
        if not token.text.isascii() or token.norm in MONTHS or len(token.norm) < 2:
            continue
        if index == previous + 1 and names:
            names[-1].append(token)  # "Nord Stream", "Kim Jong Un": one name
        else:
            names.append([token])
        previous = index
    return tuple(dict.fromkeys(" ".join(token.text for token in name) for name in names))


def _concepts(
    question: str, content: str, tokens: list[_Token], mentions: list[Mention], removed: list[tuple[int, int]]
) -> tuple[tuple[str, ...], ...]:
    """The content's search terms, grouped: a topic named in other words ("peacekeepers")
    is one concept with the record's word for it ("troops") as an alternative."""
    terms = [term for term in query_terms(content) if term not in QUESTION_FILLER and term not in STANCE_OF]
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
        heads = [head for head in TOPIC_HEADS.get(mention.topic, ()) if head not in words]
        groups.append(tuple(dict.fromkeys([*words, *heads])))
        grouped.update(words)
    ordered: list[tuple[str, ...]] = []
    for term in terms:
        if term in grouped:
            group = next(group for group in groups if term in group)
            if group not in ordered:
                ordered.append(group)
        elif term in IRREGULAR_VERBS:
            ordered.append((term, IRREGULAR_VERBS[term]))
        else:
            ordered.append((term,))
    return tuple(ordered)


def _without(question: str, covered: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in sorted(covered):
        out.append(question[last:start])
        last = max(last, end)
    out.append(question[last:])
    return " ".join("".join(out).split())


def _spelled_out(question: str, tokens: list[_Token], matched: list[tuple[int, int, list[_Ref]]], covered: list[tuple[int, int]]) -> str:
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
        if ref.capital and before in PLACE_PREPOSITIONS:
            continue
        if ref.name in {"Europe", "the West"} or normalize_name(ref.name) == " ".join(t.norm for t in tokens[start:end]):
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
