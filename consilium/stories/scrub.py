"""Removing what could identify someone from a story before it is published.

Rules, not a language model: a story is short, the patient reads the result and an
administrator approves it, so every removal must be explainable. What is removed:

- what the case itself knows: the patient's and the doctors' names, the institutions and
  hospital systems, the patient's town;
- dates (written out, numeric, month names, years), ages over 89 (HIPAA Safe Harbor);
- identifiers and contacts: record numbers, long numbers, phone numbers, e-mail and web
  addresses, street addresses;
- names: after a title (Dr., Mrs.), before a degree (", M.D."), after "Dear" or "RE:",
  common US first and last names (Faker's lists, from US census data), placeholders;
- places: US towns (the zipcodes package), world cities (the time-zone database) and US
  states, named after "in", "at", "of", "to" and the like (alone, "Gleason" is a score and a
  town) or anywhere when of several words; and any other capitalised word after "in",
  "from", "near" or "moved to";
- institutions: capitalised words ending in Hospital, Clinic, University and the like.

Capitalised words that none of these explain, and that are not in the ICD-10-CM titles, the
NUCC specialties or everyday English, are not removed but listed as "unsure", so the people
reading the story before it is published look at them (drug names end up there too).
"""

import re
import zoneinfo
from dataclasses import dataclass, field
from functools import lru_cache

from consilium.terminology.models import Icd10Code, NuccTaxonomy

NAME, DATE, PLACE, INSTITUTION, IDENTIFIER, CONTACT, AGE = (
    "name", "date", "place", "institution", "identifier", "contact", "age")
HANDLE, EMAIL, PHONE, WEB, SCHOOL, WORKPLACE, REMOVED = (
    "handle", "email", "phone", "web address", "school", "workplace", "removed")
KINDS = (NAME, DATE, PLACE, INSTITUTION, IDENTIFIER, CONTACT, AGE, HANDLE, EMAIL, PHONE, WEB,
         SCHOOL, WORKPLACE, REMOVED, "age over 89")  # the last: stories scrubbed before

# HIPAA Safe Harbor (45 CFR 164.514(b)(2)) lists 18 identifiers; what covers each here:
#  1 names: the case's own people, titles, degrees, "Dear", relationship words ("my son
#    Diego"), census first and last names; others are highlighted for the patient to decide
#  2 places smaller than a state: towns, cities, streets, "Suite 4", "City, ST 12345";
#    named schools [school] and workplaces [workplace] (not in the list, but they place you)
#  3 dates and ages over 89 [date], [age]     4 phone  5 fax [phone]    6 e-mail [email]
#  7 social security  8 record  9 health plan  10 account  11 licence and certificate
#    12 vehicle (plate, VIN)  13 device serial numbers: after their words, or any number of
#    five digits or more [identifier]
# 14 web addresses [web address]  15 IP addresses [identifier]; social handles [handle]
# 16 biometrics and 17 photographs: a story has no files; "fingerprint" and the like are
#    words, not identifiers      18 any other unique characteristic: what is highlighted

CAP = r"[A-Z][\w'’-]*"  # a capitalised word (O'Brien, Smith-Jones)
MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|March|Mar|April|Apr|May|June?|July?|Aug(?:ust)?"
         r"|Sept(?:ember)?|Sep|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
DAY = r"\d{1,2}(?:st|nd|rd|th)?"
YEAR = r"(?:19|20)\d{2}"
OLD = r"(?:9\d|1[0-4]\d)"  # an age over 89
OLD_WORDS = (r"(?:ninety|a hundred|one hundred)(?:(?:[- ]|\s+and\s+)(?:one|two|three|four|five"
             r"|six|seven|eight|nine|ten|eleven|twelve))?")
REL = (r"(?:son|daughter|child|kid|boy|girl|baby|husband|wife|partner|spouse|boyfriend"
       r"|girlfriend|fianc[eé]e?|mother|father|mom|mum|mommy|dad|daddy|parent|brother|sister"
       r"|sibling|twin|step(?:son|daughter|mother|father|mom|dad)|grand(?:son|daughter|child"
       r"|mother|father|ma|pa|mom|dad|parent)|granny|grandma|grandpa|aunt|auntie|uncle|cousin"
       r"|niece|nephew|in-law|neighbou?r|friend|bestie|colleague|co-?worker|boss|manager"
       r"|teacher|coach|pastor|priest|rabbi|imam|caregiver|carer|roommate|flatmate)s?")
# A person's name after a relationship word: a capital and small letters, not a title.
PERSON = (r"(?!(?:The|I|And|But|So|Then|When|He|She|We|They|It|My|Our|Mrs?|Ms|Mx|Miss|Dr"
          r"|Doctor)\b)"
          r"[A-Z][a-z][\w'’-]*")
KIN = (rf"(?i:\b(?:my|our|his|her|their|your)\s+(?:(?:little|older|younger|eldest|youngest"
       rf"|oldest|best|late|dear|new|old|big|baby|two|three)\s+)?{REL},?\s+)"
       r"(?:(?:Mr|Mrs|Ms|Mx|Miss|Dr)\.?\s+)?")
WORK = (r"(?:works?|worked|working|job|jobs|employed|employer|employee|hired|shifts?|career"
        r"|intern(?:ed|ship)?|retired|volunteer(?:s|ed|ing)?|cashier|manager|engineer|teacher"
        r"|teaches|taught|clerk|driver|nurse|secretary|accountant|clerk)")
UNIT = r"(?!\s*(?:mg|mcg|g|gm|grams?|ml|mL|cc|kg|lbs?|units?|IU|cm|mm)\b)"

# (kind, pattern); a named group "x" marks the part to remove when the match has context.
RULES: list[tuple[str, re.Pattern]] = [(kind, re.compile(pattern)) for kind, pattern in [
    (EMAIL, r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    (WEB, r"(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)]"),
    (WEB, r"(?i:\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|edu|gov|io|me|info|co|us)\b"
          r"(?:/[^\s<>\"]*[^\s<>\".,;:!?)])?)"),
    (HANDLE, r"(?<![\w.@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?"),
    (PHONE, r"(?<!\d)(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}(?!\d)"),
    (IDENTIFIER, r"(?<![\d.])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}"
                 r"(?![\d.]\d)"),
    (IDENTIFIER, r"(?i:\b(?:licen[cs]e(?: plate)?|plate|VIN|serial|device|certificate|permit"
                 r"|passport|group|plan|insurance|member)(?: (?:number|no\.?|id|#))?"
                 r"(?: of my \w+)?\s*[:#]?\s*)(?P<x>(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,})"),
    (IDENTIFIER, r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)"),
    (IDENTIFIER, r"(?i:\b(?:MR\s*#|MRN|medical record(?: number)?|account(?: number)?|acct"
                 r"|member id|policy(?: number)?|SSN|social security(?: number)?|NPI"
                 r"|patient id|ID)(?![a-z])\s*(?:#|no\.?|number)?\s*:?\s*)"
                 r"(?P<x>[A-Z0-9][A-Z0-9-]{3,})"),
    (IDENTIFIER, r"(?<![\d,.])\d{5,}(?![\d,])"),
    (AGE, rf"\b{OLD}[- ](?:years?|yrs?)[- ]old\b"),
    (AGE, rf"\b{OLD}[- ]?(?:yo|y/o|y\.o\.)(?!\w)"),
    (AGE, rf"\b(?:aged?|age of) {OLD}\b"),
    (AGE, rf"(?i:\b(?:{OLD_WORDS})[- ](?:years?|yrs?)[- ]old\b)"),
    (AGE, rf"(?i:\b(?:aged?|age of|turned|turns|reached|(?:she|he|I|who)\s+(?:is|was|am|'s|’s))"
          rf"\s+)(?P<x>(?i:{OLD_WORDS}))\b"),
    (AGE, rf"(?i:\b(?:turned|turns|turning|reached|(?:she|he|I|who)\s+(?:is|was|am|'s|’s)"
          rf"(?:\s+(?:now|only|already|nearly|almost))?|at)\s+)(?P<x>{OLD})\b"
          r"(?!\s*(?:%|/|\.\d|percent|mg|kg|lbs?|pounds|beats|bpm|mm|cm|ml|units?))"),
    (AGE, rf"(?:\b{REL}|[A-Z][a-z]+),\s+(?P<x>{OLD})(?=\s*,)"),
    # Dates: written out, numeric, month names, years, and templates' placeholders.
    (DATE, rf"\b(?:the\s+)?{DAY}\s+(?:of\s+)?{MONTH}(?:,?\s+{YEAR})?\b"),
    (DATE, rf"\b{MONTH}\s+{DAY}\b(?:,?\s+{YEAR}\b)?"),
    (DATE, rf"\b{MONTH},?\s+{YEAR}\b"),
    (DATE, r"(?<![\d/.])\d{1,2}([/.-])\d{1,2}\1(?:\d{4}|\d{2})(?![\d/])"),
    (DATE, r"\b\d{4}-\d{2}-\d{2}\b"),
    (DATE, rf"(?<![\d/])\d{{1,2}}/{YEAR}\b"),
    (DATE, r"(?i:\b(?:on|since|until|by|before|after)\s+)(?P<x>\d{1,2}/\d{1,2})(?![\d/])"),
    (DATE, r"\bthe\s+\d{1,2}(?:st|nd|rd|th)(?=\s+(?:at|in|and|when|of)\b|\s*[.,;])"),
    (DATE, rf"(?<![\d.,])\b{YEAR}\b{UNIT}"),
    (DATE, r"\b(?:January|February|March|April|June|July|August|September|October|November"
           r"|December)\b"),
    (DATE, r"(?<=[a-z,;] )May\b"),  # the month, not "May I ask" at a sentence's start
    (DATE, r"\bMonth\s+DD,?\s+YYYY\b|\bMM/DD/YY(?:YY)?\b|\bYYYY\b"),
    # Addresses.
    (PLACE, rf"\b\d{{1,6}}\s+(?:{CAP}\s+){{1,4}}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard"
            r"|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Parkway|Pkwy|Highway|Hwy)\b\.?"),
    (PLACE, rf"(?:{CAP}\s+){{1,3}}(?:Avenue|Street|Road|Boulevard|Address)\b"),
    (PLACE, r"\b(?:Suite|Apt|Apartment|Unit|Room)\s*#?\s*\d+\w*"),
    (PLACE, rf"\b{CAP}(?:\s+{CAP})?,\s+(?:[A-Z]{{2}}|STATE|State)\b(?:\s+\d{{5}}(?:-\d{{4}})?)?"
            r"(?=\s*(?:[,.;:)\n]|$))"),
    # Schools and workplaces, before institutions (which would take "High School").
    (SCHOOL, rf"(?:{CAP}\s+){{1,4}}(?:(?:Elementary|Middle|High|Primary|Secondary|Junior High"
             r"|Grammar|Charter|Montessori)(?:\s+School)?|School|Academy|Preschool"
             r"|Pre-?K|Kindergarten|Day ?care|Nursery)\b"),
    (WORKPLACE, rf"(?:\b{WORK}\b(?:\s+[a-z]+){{0,3}}?\s+(?:at|for|with|by)\s+(?:the\s+)?)"
                rf"(?P<x>{CAP}(?:\s+(?:&\s+)?{CAP}){{0,3}})"),
    # Institutions: capitalised words before a kind of place, or "University of ...".
    (INSTITUTION, rf"(?:(?!(?:The|A|An|My|Our|His|Her|Their|At|In|From|To|This)\b){CAP}\s+)"
                  rf"(?:(?:of|for|and|&)\s+(?:the\s+)?)?(?:{CAP}\s+){{0,4}}"
                  r"(?:Hospitals?|Clinic|Medical Cent(?:er|re)|Cancer Cent(?:er|re)|Health System"
                  r"|Health(?:care| Care)?|Cent(?:er|re)|Institute|University|College|School"
                  r"|Foundation|Infirmary|Hospice|Practice|Associates|Laborator(?:y|ies)"
                  rf"|Pharmacy)\b(?:\s+(?:of|for|at)\s+(?:the\s+)?{CAP}(?:\s+{CAP}){{0,3}})?"),
    (INSTITUTION, rf"\b(?:University|College|Institute|School)\s+of\s+(?:the\s+)?{CAP}"
                  rf"(?:\s+{CAP}){{0,3}}"),
    (INSTITUTION, r"\b(?:at|in|to|from)\s+(?:the\s+)?(?P<x>Hospital|Clinic)\b"),
    # Names: after a relationship word ("my son Diego", "Diego, my son"), titles, degrees,
    # letters, placeholders.
    (NAME, rf"{KIN}(?P<x>{PERSON}(?:\s+{PERSON})?)"),
    (NAME, rf"{KIN}{PERSON}(?:\s+{PERSON})?\s+and\s+(?P<x>{PERSON}(?:\s+{PERSON})?)"),
    (NAME, rf"(?P<x>{PERSON})(?=,\s+(?i:my|our|his|her|their)\s+(?:\w+\s+)?{REL}\b)"),
    (NAME, rf"(?:\b(?:Dr|Mr|Mrs|Ms|Mx|Miss|Prof|Doctor|Nurse)\.?\s+)"
           rf"(?P<x>{CAP}(?:\s+(?!(?:and|or)\b){CAP}){{0,2}})"),
    (NAME, rf"(?P<x>{CAP}(?:\s+{CAP}){{0,3}})(?=,?\s+(?:M\.?D\.?|D\.?O\.?|R\.?N\.?|N\.?P\.?"
           r"|Ph\.?D\.?|PA-C|MBBS)(?![\w]))"),
    (NAME, rf"(?:\bDear\s+)(?P<x>{CAP}(?:\s+{CAP}){{0,2}})"),
    (NAME, r"(?:\b(?:RE|Re|Attn|(?i:name|patient))\s*:\s*)(?P<x>[^,\n]{2,60}?)(?=\s*[,\n]|$)"),
    (NAME, r"\b(?:X{2,}|XYZ|ABCD?|Sample (?:Patient|Doctor|Name))\b"),
]]

# The states, territories and military post codes the zipcodes package knows.
ZIP_STATES = (
    "AA AE AK AL AP AR AS AZ CA CO CT DC DE FL FM GA GU HI IA ID IL IN KS KY LA MA MD ME MH MI "
    "MN MO MP MS MT NC ND NE NH NJ NM NV NY OH OK OR PA PR PW RI SC SD TN TX UT VA VI VT WA WI "
    "WV WY").split()
STATES = (
    "Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia "
    "Hawaii Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts "
    "Michigan Minnesota Mississippi Missouri Montana Nebraska Nevada Ohio Oklahoma Oregon "
    "Pennsylvania Tennessee Texas Utah Vermont Virginia Washington Wisconsin Wyoming").split() + [
    "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota",
    "Rhode Island", "South Carolina", "South Dakota", "West Virginia", "District of Columbia",
    "Puerto Rico", "Guam"]

# Words a sentence is made of, beyond the ICD-10-CM titles: not names even when capitalised.
EVERYDAY = set("""
a about after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its itself
just me more most my myself no nor not now of off on once only or other our ours ourselves out
over own same she should so some such than that the their theirs them themselves then there
these they this those through to too under until up very was we were what when where which while
who whom why will with would you your yours yourself yourselves yes ok okay thank thanks dear
dr mr mrs ms mx prof
hello hi today tomorrow yesterday monday tuesday wednesday thursday friday saturday sunday
mondays fridays morning evening night week weeks month months year years mom dad mum mother
father wife husband son daughter brother sister family friend friends doctor doctors nurse
surgeon oncologist specialist team everyone someone nobody god lord christmas easter
thanksgiving english spanish french german chinese american african asian hispanic latino
""".split())
PLACEHOLDERS = re.compile(r"\[(?:" + "|".join(KINDS) + r")\]")
PLACE_WORDS = r"(?:in|from|near|(?:moved|went|flew|drove|travel+ed|relocated|came|back) to)"
TOWN_WORDS = r"(?:in|at|from|near|of|to|around|outside|towards?|between|and)"


@dataclass
class Removal:
    kind: str
    text: str


@dataclass
class Scrubbed:
    text: str
    removed: list[Removal] = field(default_factory=list)
    unsure: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.removed)


_VOCABULARY: frozenset[str] | None = None


def _vocabulary() -> frozenset[str]:
    """Lower-case words of the ICD-10-CM titles, the NUCC specialties and everyday English,
    read once per process from the terminology tables (kept only once they are loaded)."""
    global _VOCABULARY
    if _VOCABULARY is not None:
        return _VOCABULARY

    words = set(EVERYDAY)
    titles = Icd10Code.objects.values_list("description", flat=True)
    for title in titles.iterator(chunk_size=5000):
        words.update(re.findall(r"[a-z]+", title.lower()))
    loaded = len(words) > len(EVERYDAY)
    for name in NuccTaxonomy.objects.values_list("display_name", flat=True):
        words.update(re.findall(r"[a-z]+", name.lower()))
    vocabulary = frozenset(words)
    if loaded:
        _VOCABULARY = vocabulary
    return vocabulary


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    """US towns (zipcodes), world cities (the time-zone database) and US states."""
    import zipcodes

    names = set()
    for state in ZIP_STATES:  # a state at a time: the list of all codes stays in memory
        names |= {row["city"].title() for row in zipcodes.filter_by(state=state)}
    names |= {zone.rsplit("/", 1)[-1].replace("_", " ") for zone in
              zoneinfo.available_timezones() if "/" in zone}
    return frozenset(names | set(STATES))


@lru_cache(maxsize=1)
def _people() -> tuple[frozenset[str], frozenset[str]]:
    from faker.providers.person.en_US import Provider

    first = (set(Provider.first_names_male) | set(Provider.first_names_female)
             | set(getattr(Provider, "first_names_nonbinary", ())))
    return frozenset(first), frozenset(Provider.last_names)


def _starts_sentence(text: str, at: int) -> bool:
    before = text[:at].rstrip(" \t\"'“‘(")
    return not before or before[-1] in ".!?:;,\n"


def scrub(text: str, known: dict[str, list[str]] | None = None) -> Scrubbed:
    """The text with every identifying detail replaced by its kind in brackets ("[name]").

    ``known`` maps a kind to values this case knows (the patient's name, the first doctor,
    the institution); they go first, matched whole and by their longer words. A value of one
    word is matched as written ("Hope" the name, not "hope" the word); longer ones whatever
    their case.
    """
    spans: list[tuple[int, int, str]] = []
    spans += _known_spans(text, known or {})
    for kind, pattern in RULES:
        for match in pattern.finditer(text):
            start, end = match.span("x") if "x" in pattern.groupindex else match.span()
            spans.append((start, end, kind))
    spans += _word_spans(text, spans)
    return _apply(text, spans)


def _known_spans(text: str, known: dict[str, list[str]]) -> list[tuple[int, int, str]]:
    vocabulary = _vocabulary()
    spans = []
    for kind, values in known.items():
        for value in values:
            value = re.sub(r"^(?:Dr|Mr|Mrs|Ms|Prof)\.?\s+", "", (value or "").strip())
            if len(value) < 2:
                continue
            wanted = [re.escape(value)] + [
                re.escape(word) for word in re.findall(r"[A-Za-z][\w'’-]{2,}", value)
                if word.lower() not in vocabulary]
            flags = re.IGNORECASE if " " in value else 0
            for pattern in wanted:
                spans += [(m.start(), m.end(), kind)
                          for m in re.finditer(rf"(?<!\w){pattern}(?!\w)", text, flags)]
    return spans


def _word_spans(text: str, taken: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Places and people found word by word: towns, cities, first and last names, and the
    capitalised word after "in" or "from"."""
    vocabulary, places = _vocabulary(), _places()
    first_names, last_names = _people()
    covered = _covered(taken)
    spans = []
    words = list(re.finditer(r"[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,3}", text))
    for run in words:
        parts = list(re.finditer(r"[A-Z][\w'’-]*", run.group()))
        i = 0
        while i < len(parts):
            start = run.start() + parts[i].start()
            if start in covered:
                i += 1
                continue
            found = _place_at(text, run.start(), parts, i, places, vocabulary)
            if found:
                spans.append((start, run.start() + parts[found - 1].end(), PLACE))
                i = found
                continue
            word = parts[i].group()
            end = run.start() + parts[i].end()
            initial = _starts_sentence(text, start)
            lower = word.lower()
            if word in first_names and (lower not in vocabulary or i + 1 < len(parts)):
                # A first name, and the family name after it.
                last = i + 1 if i + 1 < len(parts) else i
                spans.append((start, run.start() + parts[last].end(), NAME))
                i = last + 1
                continue
            if word in last_names and not initial and lower not in vocabulary:
                spans.append((start, end, NAME))
            i += 1
    return spans


def _place_at(text, offset, parts, i, places, vocabulary) -> int:
    """If a place starts at word i of a capitalised run, the index after its last word."""
    start = offset + parts[i].start()
    before = text[max(0, start - 30):start]
    near_town = re.search(rf"\b{TOWN_WORDS}\s+(?:the\s+)?$", before, re.IGNORECASE)
    for length in range(min(4, len(parts) - i), 0, -1):
        name = " ".join(p.group() for p in parts[i:i + length])
        if (name in places or name.title() in places) and (length > 1 or near_town):
            return i + length
    word = parts[i].group()
    if not re.search(rf"\b{PLACE_WORDS}\s+(?:the\s+)?$", before, re.IGNORECASE):
        return 0
    if word.isupper() and len(word) > 1:
        # "moved to ABCD": a template's placeholder for a town; other capitals are acronyms.
        return i + 1 if re.search(r"(?:moved|went|flew|drove|relocated) to\s+$", before) else 0
    return i + 1 if word.lower() not in vocabulary else 0


def _covered(spans) -> set[int]:
    return {position for start, end, _ in spans for position in range(start, end)}


def _apply(text: str, spans: list[tuple[int, int, str]]) -> Scrubbed:
    """Replace the spans, the longest first where they overlap; list what was left unsure."""
    chosen: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if start >= end or not PLACEHOLDERS.sub("", text[start:end]).strip(" .,;:"):
            continue  # already removed: scrubbing a scrubbed text changes nothing
        if chosen and start < chosen[-1][1]:
            last = chosen[-1]
            if end > last[1]:
                chosen[-1] = (last[0], end, last[2])
            continue
        chosen.append((start, end, kind))
    out, removed, position = [], [], 0
    for start, end, kind in chosen:
        out.append(text[position:start])
        out.append(f"[{kind}]")
        removed.append(Removal(kind, text[start:end]))
        position = end
    out.append(text[position:])
    result = "".join(out)
    return Scrubbed(result, removed, unsure_words(result))


def unsure_words(text: str) -> list[str]:
    """Capitalised words no rule explained: not sentence starts, not acronyms, not known
    words. People look at these before the story is published."""
    vocabulary = _vocabulary()
    seen: dict[str, None] = {}
    for match in re.finditer(r"(?<![\w\[])[A-Z][a-z][\w'’-]*", text):
        word = match.group()
        if (word.lower() not in vocabulary and not _starts_sentence(text, match.start())
                and text[match.end():match.end() + 1] != "]"):
            seen.setdefault(word)
    return list(seen)
