"""Red flags: words and codes that mean "get care now", not "get a second opinion".

The self-assessment reads its free text (what the doctor said, the name of the procedure) with
`read(text)` and its codes with `acute_codes(codes)`. `emergency_contact(country)` gives the
number to call. docs/triage.md describes all of it for people.

Sources of the phrase table (symptoms that call for the emergency number, not an appointment):
- Stroke, FAST (Face drooping, Arm weakness, Speech difficulty, Time to call): NHS "Stroke —
  symptoms" (nhs.uk/conditions/stroke/symptoms), American Stroke Association / AHA "Stroke
  symptoms" (stroke.org, BE FAST); German: Deutsche Schlaganfall-Hilfe "FAST-Test"
  (schlaganfall-hilfe.de).
- Heart attack: NHS "Heart attack" (crushing, pressing or tight chest pain, spreading to arm
  or jaw), AHA "Warning signs of a heart attack"; German: Deutsche Herzstiftung
  "Herzinfarkt: Symptome" (Brustschmerz, Engegefühl, Druck auf der Brust).
- Breathlessness, vomiting or coughing blood, heavy bleeding, sudden worst headache, loss of
  consciousness: NHS "When to call 999" (nhs.uk/nhs-services/urgent-and-emergency-care-
  services/when-to-call-999) and NICE CKS red flags (headache: "thunderclap" onset, NICE
  CG150; haematemesis: NICE CG141; transient loss of consciousness: NICE CG109).
- Suicidal thoughts or self-harm: NHS "Get help for suicidal thoughts", 988 Suicide & Crisis
  Lifeline (988lifeline.org), NICE NG225 (self-harm); German: TelefonSeelsorge
  (telefonseelsorge.de).

How a phrase is written: words are matched after normalising case, accents (ä → a, "ae" →
"a"), apostrophes and punctuation; a word ending in "*" matches any word it begins ("schmerz*"
matches "Schmerzen"); up to two other words may stand between a phrase's words ("face is
drooping"); a word of four or more letters also matches with one letter wrong, added, dropped
or two swapped ("slured", "vommiting").

Symptoms alarm unless a word near them puts them in the past ("in 2019", "years ago",
"history of", "früher", "Zustand nach") or denies them ("no", "keine", "denies"). Condition
names (stroke, heart attack, Lungenembolie) alarm only with a word of the present ("now",
"suspected", "jetzt", "Verdacht auf"); named without a time they ask "is this happening now?".
The nearer of a word of the past and one of the present decides, the present on a tie. A few
words in the same clause take a flag away unless it is happening now ("heavy *menstrual*
bleeding", chest pain "on *exertion*": known angina).
"""

import re
import unicodedata
from dataclasses import dataclass, field

Tokens = tuple[str, ...]


@dataclass(frozen=True)
class RedFlag:
    key: str
    title: str  # what the words can be a sign of, for the page
    source: str
    symptoms: tuple[str, ...]  # alarm unless in the past or denied
    conditions: tuple[str, ...] = ()  # alarm only with a word of the present; otherwise ask
    unless: tuple[str, ...] = ()  # words in the same clause that take the flag away
    crisis: bool = False  # a suicidal crisis: the crisis line comes first


RED_FLAGS: tuple[RedFlag, ...] = (
    RedFlag(
        "stroke", "a stroke", "NHS and AHA/ASA FAST; Deutsche Schlaganfall-Hilfe FAST-Test",
        symptoms=(
            "face drooping", "drooping face", "face droop*", "facial droop*", "droop* face",
            "face hanging", "side of face droop*", "droop* mouth", "mouth droop*",
            "arm weakness", "arm* weak*", "weak arm*", "cant lift arm*", "cannot lift arm*",
            "can not lift arm*", "cant move arm*", "cannot move arm*", "can not move arm*",
            "arm numb*", "numb* arm*", "numb* face", "face numb*", "sudden numbness",
            "sudden weakness",
            "weakness one side", "numbness one side", "one side numb*", "paralysed",
            "paralyzed", "slurred speech", "slurred", "slurring", "speech slurred",
            "cant speak", "cannot speak", "can not speak", "unable to speak", "trouble speaking",
            "difficulty speaking", "cant talk", "cannot talk", "cant get words out",
            "words jumbled", "sudden confusion", "lost vision one eye", "sudden blindness",
            # German
            "hangend* mundwinkel", "mundwinkel hang*", "hangend* gesicht*", "gesicht hang*",
            "herabhangend* mundwinkel", "schiefes gesicht", "gesicht schief", "arm schwach",
            "armschwache", "arm* gelahmt", "arm* taub", "plotzlich* lahmung*",
            "halbseitig* lahmung*", "halbseitig gelahmt", "halbseitig taub",
            "verwaschen* sprache", "sprache verwaschen", "verwaschen", "lallt", "lallen",
            "spricht undeutlich", "undeutlich* sprache", "sprachstorung*", "kann nicht sprechen",
            "kann nicht reden", "plotzlich* sehverlust", "plotzlich blind",
        ),
        conditions=("stroke", "mini stroke", "brain bleed", "bleed brain", "brain hemorrhage",
                    "brain haemorrhage", "schlaganfall", "apoplex*", "hirninfarkt",
                    "hirnblutung", "hirnschlag"),
        unless=("heat", "sun", "hitzschlag", "sonnenstich", "swimming", "golf", "tennis"),
    ),
    RedFlag(
        "chest_pain", "a heart attack", "NHS Heart attack; AHA Heart attack warning signs; "
        "Deutsche Herzstiftung Herzinfarkt-Symptome",
        symptoms=(
            "crushing chest pain", "chest pain*", "chest pressure", "chest tightness",
            "chest hurts", "chest tight*", "tight chest", "tightness chest", "pressure chest",
            "pain chest", "pains chest", "heavy chest", "crushing pain", "chest feels heavy",
            # German
            "brustschmerz*", "schmerz* brust", "brust schmerz*", "brustkorbschmerz*",
            "druck brust", "druckgefuhl brust", "engegefuhl*", "enge brust", "brustenge",
            "thoraxschmerz*", "herzschmerzen",
        ),
        # Chest pain that comes with effort is usually known angina, a matter for the doctor
        # soon, not the emergency number (NHS Angina) -- unless it is happening now.
        unless=("exertion", "exercise", "exercising", "stairs", "climbing", "walking uphill",
                "belastung*", "treppe*", "treppensteigen"),
        conditions=("heart attack", "heart attak", "myocardial infarction", "herzinfarkt",
                    "infarkt", "herzanfall", "cardiac arrest", "herzstillstand"),
    ),
    RedFlag(
        "breathing", "a problem with breathing", "NHS When to call 999",
        symptoms=(
            "cant breathe", "cannot breathe", "can not breathe", "unable breathe",
            "struggling breathe", "struggling breath", "hard breathe", "difficulty breathing",
            "trouble breathing", "short breath", "shortness breath", "breathless*",
            "gasping air", "gasping breath", "choking", "cant get air", "not enough air",
            "cant catch breath", "not able breathe", "no longer able breathe", "lips blue",
            # German
            "atemnot", "luftnot", "kann nicht atmen", "kann kaum atmen", "keine luft",
            "kaum luft", "nicht genug luft", "bekomme schlecht luft", "erstick*",
            "schwer atmen", "atmet schwer",
        ),
        conditions=("pulmonary embolism", "lung embolism", "blood clot lung", "asthma attack",
                    "lungenembolie", "asthmaanfall", "anaphylaxis", "anaphylactic",
                    "anaphylaktisch*"),
    ),
    RedFlag(
        "bleeding", "serious bleeding", "NHS When to call 999; NICE CG141 (upper GI bleeding)",
        symptoms=(
            "vomiting blood", "vomit blood", "vomited blood", "throwing up blood",
            "threw up blood", "blood vomit", "coughing blood", "coughing up blood",
            "coughed up blood", "heavy bleeding", "bleeding heavily", "bleeding wont stop",
            "bleeding doesnt stop", "cant stop bleeding", "wont stop bleeding",
            "losing lot blood", "lost lot blood", "black tarry stool*", "blood everywhere",
            # German
            "bluterbrechen", "blut erbrechen", "erbreche blut", "erbricht blut", "blut erbrochen",
            "blut gespuckt", "spuckt blut", "spucke blut", "blut husten", "bluthusten",
            "huste blut", "hustet blut", "starke blutung*", "stark blut*", "blute stark",
            "blutet stark", "blutung hort nicht auf", "hort nicht auf zu bluten", "teerstuhl",
            "viel blut verloren",
        ),
        unless=("period", "periods", "menstrual", "menstruation", "regel*", "monthly", "menses",
                "menstruationsblutung*", "periode"),
    ),
    RedFlag(
        "headache", "bleeding in the brain", "NICE CG150 (headaches): thunderclap onset; NHS "
        "When to call 999",
        symptoms=(
            "worst headache", "worst headache of my life", "worst ever headache",
            "thunderclap headache", "thunderclap", "sudden severe headache",
            "sudden headache", "sudden agonising headache", "sudden agonizing headache",
            "headache like never before", "headache never had before",
            # German
            "vernichtungskopfschmerz*", "schlimmst* kopfschmerz*", "starkst* kopfschmerz*",
            "donnerschlagkopfschmerz*", "donnerschlag", "plotzlich* stark* kopfschmerz*",
            "kopfschmerz* wie noch nie", "kopfschmerz* wie nie",
        ),
    ),
    RedFlag(
        "unconscious", "a loss of consciousness", "NICE CG109 (transient loss of "
        "consciousness); NHS When to call 999",
        symptoms=(
            "passed out", "passing out", "fainted", "fainting", "blacked out",
            "lost consciousness", "loss of consciousness", "unconscious", "unresponsive",
            "wont wake up", "cant wake", "cannot wake", "collapsed", "keeled over",
            "having seizure", "having fit", "fitting", "seizure wont stop",
            # German
            "bewusstlos*", "ohnmacht*", "ohnmachtig", "umgekippt", "zusammengebrochen",
            "kollabiert", "nicht ansprechbar", "nicht mehr ansprechbar", "bewusstsein verloren",
            "nicht aufwachen", "wacht nicht auf", "krampfanfall hort nicht auf",
        ),
        conditions=("coma", "koma"),
    ),
    RedFlag(
        "suicide", "a crisis: thoughts of suicide or self-harm", "NHS Get help for suicidal "
        "thoughts; 988 Suicide & Crisis Lifeline; NICE NG225; TelefonSeelsorge",
        symptoms=(
            "end my life", "ending my life", "end it all", "ending it all", "kill myself",
            "killing myself",
            "suicid*", "take my own life", "take my life", "want to die", "wish i was dead",
            "wish i were dead", "better off dead", "better off if i was dead",
            "dont want to live", "do not want to live", "dont want to be alive",
            "no reason to live", "self harm*", "selfharm*", "self injur*", "hurt myself",
            "harm myself", "cut myself", "cutting myself", "overdose on purpose",
            # German
            "suizid*", "selbstmord*", "mich umbringen", "mich toten", "nicht mehr leben",
            "leben nehmen", "leben beenden", "lebensmude", "will sterben", "sterben will",
            "mochte sterben", "selbstverletz*", "mich ritzen", "ritze mich", "mir etwas antun",
            "mir was antun", "mich verletzen", "keinen sinn mehr",
        ),
        crisis=True,
    ),
)

# Words of the past, of the present and of denial (matched exactly, after normalising).
PAST = (
    "history", "hx", "previous", "previously", "prior", "past", "former", "formerly", "had",
    "old", "recovered", "survivor", "survived", "status post", "ago", "year", "years",
    "month", "months", "last year", "as a child", "when i was", "once",
    "fruher", "damals", "hatte", "zustand nach", "jahr", "jahre", "jahren", "monat",
    "monaten", "letztes jahr", "als kind", "einmal", "gehabt", "nach einem", "post", "rehab",
    "rehabilitation", "reha", "after effects", "sequelae", "folgen", "residual",
)
PRESENT = (
    "now", "right now", "just now", "currently", "at the moment", "today", "tonight",
    "this morning", "this afternoon", "this evening", "hour", "hours", "minute", "minutes",
    "suddenly", "sudden", "suspected", "suspect", "acute", "acutely", "ongoing", "happening",
    "having", "still", "again", "started", "yesterday", "last night", "since an hour",
    "jetzt", "gerade", "eben", "heute", "stunde", "stunden", "minute", "minuten", "plotzlich",
    "akut", "verdacht", "momentan", "aktuell", "wieder", "gestern", "seit heute",
    "heute morgen", "heute nacht", "seit einer stunde",
)
DENIAL = (
    "no", "not", "never", "without", "denies", "denied", "deny", "nor", "free of", "negative",
    "kein", "keine", "keinen", "keiner", "keinem", "nicht", "ohne", "nie", "niemals", "verneint",
    "ruled out", "excluded",
)
# Denials that follow the words: "Herzinfarkt ausgeschlossen".
DENIAL_AFTER = ("ruled out", "excluded", "ausgeschlossen", "negative", "verneint")
# A new clause: what stands before it does not describe what comes after.
BREAKS = {"but", "however", "although", "though", "aber", "jedoch", "doch", "obwohl", "sondern"}
YEAR = re.compile(r"^(19|20)\d\d$")
GAP = 2  # other words allowed between a phrase's words
BEFORE, AFTER, DENIAL_BEFORE = 6, 6, 3  # window sizes, in words
MAX_CHARS = 5000  # the fields are short; anything beyond is not read


@dataclass(frozen=True)
class Found:
    key: str
    title: str
    words: str  # the words as the person wrote them (normalised)
    crisis: bool


@dataclass
class Reading:
    alarms: list[Found] = field(default_factory=list)  # one per red flag
    ask_if_now: list[Found] = field(default_factory=list)  # conditions named without a time


# Normalising.

ABBREVIATIONS = (
    # An age is not a time in the past ("my 80 year old mother", "80 Jahre alt").
    (re.compile(r"\b\d+\s*-?\s*(years?|yrs?|jahre?)\s*-?\s*(old|alt|alte[nrs]?)\b"), " "),
    (re.compile(r"\bz\.\s*n\.?"), " zustand nach "),
    (re.compile(r"\bv\.\s*a\.?"), " verdacht auf "),
    (re.compile(r"\bs/p\b"), " status post "),
)
APOSTROPHES = re.compile(r"['’‘`´]")
ELLIPSIS = re.compile(r"\.{2,}|…")
SENTENCE = re.compile(r"[.!?;:\n\r]+")
WORD_OR_COMMA = re.compile(r"[a-z0-9]+|,")


def normalise(text: str) -> str:
    """Lower case without accents or apostrophes; "ae", "oe", "ue" written for umlauts read
    as the plain vowel (phrases are normalised the same way)."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = text.replace("ae", "a").replace("oe", "o").replace("ue", "u")
    return APOSTROPHES.sub("", text)


def sentences(text: str) -> list[list[str]]:
    """The text as sentences of words, with commas kept as their own tokens."""
    text = normalise(text[:MAX_CHARS])
    for pattern, replacement in ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    text = ELLIPSIS.sub(" ", text)
    return [WORD_OR_COMMA.findall(part) for part in SENTENCE.split(text)]


def _phrase(text: str) -> Tokens:
    return tuple(re.findall(r"[a-z0-9*]+", normalise(text)))


# Matching.

def _close(word: str, wanted: str) -> bool:
    """Equal, a prefix match for "stem*", or one edit away for words of four or more letters
    that begin with the same letter."""
    if wanted.endswith("*"):
        return word.startswith(wanted[:-1])
    if word == wanted:
        return True
    if len(wanted) < 4 or abs(len(word) - len(wanted)) > 1 or word[:1] != wanted[:1]:
        return False
    return _one_edit(word, wanted)


def _is(word: str, wanted: str) -> bool:
    """Equal, or a prefix match for "stem*" (no misspellings)."""
    return word.startswith(wanted[:-1]) if wanted.endswith("*") else word == wanted


def _one_edit(a: str, b: str) -> bool:
    """True if a and b differ by one substitution, insertion, deletion or swap."""
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    if len(a) < len(b):
        a, b = b, a
    i = next((i for i in range(len(b)) if a[i] != b[i]), len(b))
    return a[i + 1:] == b[i:]


def _match(words: list[str], start: int, phrase: Tokens) -> int | None:
    """The end of the phrase when it begins at ``start``, or None."""
    if not _close(words[start], phrase[0]):
        return None
    at = start + 1
    for wanted in phrase[1:]:
        for step in range(GAP + 1):
            if at + step < len(words) and words[at + step] != "," and _close(
                    words[at + step], wanted):
                at += step + 1
                break
        else:
            return None
    return at


def _exact(words: list[str], start: int, phrase: Tokens) -> bool:
    return tuple(words[start:start + len(phrase)]) == phrase


def _nearest(words: list[str], start: int, end: int, markers: tuple[Tokens, ...]) -> int | None:
    """How many words away the nearest marker is, before (to a break) or after (to a comma or
    a break), or None."""
    best = None
    for distance in range(1, BEFORE + 1):
        i = start - distance
        if i < 0 or words[i] in BREAKS:
            break
        if (YEAR.match(words[i]) and markers is _PAST) or any(
                _exact(words, i - len(m) + 1, m) if i - len(m) + 1 >= 0 else False
                for m in markers):
            best = distance
            break
    for distance in range(1, AFTER + 1):
        i = end - 1 + distance
        if i >= len(words) or words[i] == "," or words[i] in BREAKS:
            break
        if best is not None and distance >= best:
            break
        if (YEAR.match(words[i]) and markers is _PAST) or any(
                _exact(words, i, m) for m in markers):
            best = distance
            break
    return best


def _denied(words: list[str], start: int, end: int) -> bool:
    """A denial up to three words before ("no chest pain") or after ("Herzinfarkt
    ausgeschlossen"), within the clause."""
    for distance in range(1, DENIAL_BEFORE + 1):
        i = start - distance
        if i < 0 or words[i] == "," or words[i] in BREAKS:
            break
        if any(_exact(words, i - len(m) + 1, m) for m in _DENIAL if i - len(m) + 1 >= 0):
            return True
    for i in range(end, min(end + DENIAL_BEFORE, len(words))):
        if words[i] == "," or words[i] in BREAKS:
            break
        if any(_exact(words, i, m) for m in _DENIAL_AFTER):
            return True
    return False


def _clause(words: list[str], start: int, end: int) -> list[str]:
    """The words of the clause around a match (to commas and breaks)."""
    left = start
    while left > 0 and words[left - 1] != "," and words[left - 1] not in BREAKS:
        left -= 1
    right = end
    while right < len(words) and words[right] != "," and words[right] not in BREAKS:
        right += 1
    return words[left:right]


_PAST = tuple(_phrase(m) for m in PAST)
_PRESENT = tuple(_phrase(m) for m in PRESENT)
_DENIAL = tuple(_phrase(m) for m in DENIAL)
_DENIAL_AFTER = tuple(_phrase(m) for m in DENIAL_AFTER)
_TABLE = tuple(
    (flag, tuple(_phrase(p) for p in flag.symptoms), tuple(_phrase(p) for p in flag.conditions),
     tuple(_phrase(u) for u in flag.unless))
    for flag in RED_FLAGS
)


def _when(words: list[str], start: int, end: int) -> str:
    """"past", "present" or "" for the words around a match; the nearer wins, the present on
    a tie."""
    present = _nearest(words, start, end, _PRESENT)
    past = _nearest(words, start, end, _PAST)
    if present is not None and (past is None or present <= past):
        return "present"
    return "past" if past is not None else ""


def read(text: str) -> Reading:
    """The red flags in one piece of free text."""
    reading = Reading()
    alarmed: set[str] = set()
    asked: set[str] = set()
    for words in sentences(text or ""):
        for start in range(len(words)):
            if words[start] == ",":
                continue
            for flag, symptoms, conditions, unless in _TABLE:
                for phrases, is_symptom in ((symptoms, True), (conditions, False)):
                    for phrase in phrases:
                        end = _match(words, start, phrase)
                        if end is None:
                            continue
                        if _denied(words, start, end):
                            continue
                        when = _when(words, start, end)
                        clause = _clause(words, start, end)
                        if when != "present" and any(
                                _is(w, u[0]) for u in unless for w in clause):
                            continue
                        found = Found(flag.key, flag.title, " ".join(words[start:end]),
                                      flag.crisis)
                        if when == "present" or (is_symptom and when != "past"):
                            if flag.key not in alarmed:
                                alarmed.add(flag.key)
                                reading.alarms.append(found)
                        elif when == "" and flag.key not in asked:
                            asked.add(flag.key)
                            reading.ask_if_now.append(found)
                        break
    reading.ask_if_now = [f for f in reading.ask_if_now if f.key not in alarmed]
    return reading


# Acute ICD-10-CM codes: given without the urgent box, the answer asks "is this happening
# now?". Chosen because each names an event treated within hours (the same conditions as the
# phrase table: NHS When to call 999, AHA/ASA), not a lasting condition or its after-effects
# (I25 chronic ischaemic heart disease and I69 sequelae of stroke are not here).
ACUTE_CODES: tuple[tuple[str, str], ...] = (
    ("I20.0", "unstable angina"),
    ("I21", "a heart attack"),
    ("I22", "a second heart attack within four weeks"),
    ("I24", "acute lack of blood to the heart"),
    ("I26", "a blood clot in the lung (pulmonary embolism)"),
    ("I46", "cardiac arrest"),
    ("I60", "bleeding around the brain (subarachnoid haemorrhage)"),
    ("I61", "bleeding in the brain"),
    ("I62", "bleeding inside the skull"),
    ("I63", "a stroke"),
    ("G45", "a mini-stroke (TIA)"),
    ("I71.0", "a tear in the main artery (aortic dissection)"),
    ("I71.1", "a burst aortic aneurysm"),
    ("I71.3", "a burst aortic aneurysm"),
    ("I71.5", "a burst aortic aneurysm"),
    ("I71.8", "a burst aortic aneurysm"),
    ("J96.0", "acute breathing failure"),
    ("K92.0", "vomiting blood"),
    ("K92.1", "bleeding from the gut"),
    ("K92.2", "bleeding from the gut"),
    ("R40.2", "coma"),
    ("R45.851", "thoughts of suicide"),
    ("T14.91", "a suicide attempt"),
    ("T78.2", "a severe allergic reaction (anaphylactic shock)"),
    ("R57", "shock"),
    ("A41", "sepsis"),
    ("R65.2", "severe sepsis"),
)


def acute_codes(codes: list[str]) -> list[tuple[str, str]]:
    """(code, plain name) for each acute code among ``codes``."""
    found = []
    for code in codes:
        name = next((name for prefix, name in ACUTE_CODES if code.upper().startswith(prefix)),
                    None)
        if name:
            found.append((code, name))
    return found


# Whom to call. The country is the one the assessment asks ("Where do you live?"), by default
# the program's (settings.DEFAULT_COUNTRY). 112 works in every EU country and from most
# mobile phones elsewhere, so it is the default for a country not listed.

@dataclass(frozen=True)
class Line:
    name: str
    number: str

    @property
    def call(self) -> str:
        return "tel:" + re.sub(r"[^0-9+]", "", self.number)


EMERGENCY_NUMBERS = {
    "US": "911", "CA": "911", "GB": "999", "AU": "000", "NZ": "111", "CH": "112",
}  # every other country: 112
DEFAULT_EMERGENCY_NUMBER = "112"
CRISIS_LINES = {
    "US": Line("988 Suicide & Crisis Lifeline (call or text)", "988"),
    "CA": Line("9-8-8 Suicide Crisis Helpline (call or text)", "988"),
    "GB": Line("Samaritans (free, day and night)", "116 123"),
    "IE": Line("Samaritans (free, day and night)", "116 123"),
    "DE": Line("TelefonSeelsorge (free, day and night)", "0800 111 0 111"),
    "AT": Line("TelefonSeelsorge (free, day and night)", "142"),
    "CH": Line("Die Dargebotene Hand (free, day and night)", "143"),
    "FR": Line("3114, numéro national de prévention du suicide (free, day and night)", "3114"),
    "NL": Line("113 Zelfmoordpreventie (free, day and night)", "0800 0113"),
}


def emergency_number(country: str) -> str:
    return EMERGENCY_NUMBERS.get(country, DEFAULT_EMERGENCY_NUMBER)


def crisis_line(country: str) -> Line | None:
    return CRISIS_LINES.get(country)
