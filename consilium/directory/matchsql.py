"""The two queries matching runs over MatchRow, written out as SQL.

Built with the ORM, the expressions of the rules and the score took longer to compile
(~20 ms) than the database took to run them; as text they cost nothing. Strings from
outside (codes, names, networks) always go as parameters, in the order they appear in the
text; numbers the code computed itself (coordinates, weights, bounds) are written into the
text with repr(), which for a float or an int can only give digits, a sign, a point and an
exponent.

Both read the rows of the case's specialties through the (code, telemedicine, latitude,
longitude, other_code_bits) index, each specialist once (``once``), in parts (``_parts``): one
counts who fails which hard rule first, the other gives those who pass in order of their
bound. When the patient has a place, those without video visits whose one practice lies
outside the patient's box (at a million, ~60% of a case's rows) fail the distance rule
whatever else holds: they are only counted, never checked rule by rule, and distance is
the first rule checked. (One pass into a materialised CTE
that both queries read was slower on both databases: on SQLite writing the temporary
table, on PostgreSQL reading the materialised rows back, cost more than reading the rows
twice; measured at a million.)
"""

import math
from dataclasses import dataclass, field
from datetime import date

from django.db import connection

from . import geo
from .matchrows import code_bits
from .models import MatchRow, PracticeLocation

# The hard rules a row can fail, in the order they are checked (matching.RULES words them).
RULES = ("distance", "certification", "same_system", "already_offered", "network",
         "availability", "de_qualification")


@dataclass
class Rules:
    """What the hard rules of one case need, gathered by matching."""

    codes: list[str]  # fitting NUCC codes, best first
    avoid: list[str] = field(default_factory=list)  # system and institution keys
    offered: list[int] = field(default_factory=list)  # specialists already offered it
    full: list[int] = field(default_factory=list)  # specialists at capacity
    network: str | None = None  # the plan's network, when the plan requires it
    point: tuple[float, float] | None = None  # the patient's place
    travel_km: float = 0
    de_statutory: bool = False  # the German statutory procedure applies


class Sql:
    """SQL text and its parameters, built side by side: each param() call appends, so the
    text is always put together in the order it reads."""

    def __init__(self):
        self.text = ""
        self.params: list = []

    def param(self, value) -> str:
        self.params.append(value)
        return "%s"

    def listed(self, column: str, item: str) -> str:
        """A "|a|b|" list of MatchRow holds the item."""
        return f"({_find()}(r.{column}, {self.param(f'|{item}|')}) > 0)"

    def among(self, column: str, values: list) -> str:
        return f"{column} IN ({', '.join(self.param(v) for v in values)})"


def _find() -> str:
    """The position of a substring (0 when absent), as each database names it."""
    return "STRPOS" if connection.vendor == "postgresql" else "INSTR"


def _number(value: float) -> str:
    """A float as SQL; on PostgreSQL typed, or it would be NUMERIC, slow arithmetic per row."""
    text = repr(float(value))
    return f"CAST({text} AS DOUBLE PRECISION)" if connection.vendor == "postgresql" else text


def _planar(table: str, point: tuple[float, float]) -> str:
    """Squared flat-earth distance in degrees of latitude (as search.planar_sq)."""
    lat, lon = point
    squeeze = math.cos(math.radians(lat))
    dlat = f"({table}.latitude - {_number(lat)})"
    dlon = f"(({table}.longitude - {_number(lon)}) * {_number(squeeze)})"
    return f"({dlat} * {dlat} + {dlon} * {dlon})"


def _in_box(table: str, point, radius_km: float) -> str:
    low_lat, high_lat, low_lon, high_lon = geo.bounding_box(point, radius_km)
    reach = (radius_km / geo.KM_PER_DEGREE) ** 2
    return (f"{table}.latitude BETWEEN {_number(low_lat)} AND {_number(high_lat)} "
            f"AND {table}.longitude BETWEEN {_number(low_lon)} AND {_number(high_lon)} "
            f"AND {_planar(table, point)} <= {_number(reach)}")


def once(sql: Sql, codes: list[str]) -> str:
    """The row of the first fitting specialty the specialist has: any row whose specialist
    has no earlier fitting code (told from the fingerprint alone for most), else the
    first of their codes in the case's order."""
    return f"({unshared(sql, codes)} OR {first_fitting(sql, codes)})"


def unshared(sql: Sql, codes: list[str]) -> str:
    """The fingerprint of the specialist's other codes shares no bit with the case's codes
    before this row's: they have none of them (the index holds both columns)."""
    whens = " ".join(f"WHEN {sql.param(code)} THEN {code_bits(codes[:position])!r}"
                     for position, code in enumerate(codes) if position)
    earlier = f"CASE r.code {whens} ELSE 0 END" if whens else "0"
    return f"((r.other_code_bits & {earlier}) = 0)"


def first_fitting(sql: Sql, codes: list[str]) -> str:
    """The exact check, from the specialist's list of codes."""
    whens = []
    for position, code in enumerate(codes):
        when = f"WHEN r.code = {sql.param(code)}"
        for earlier in codes[:position]:
            when += f" AND NOT {sql.listed('codes', earlier)}"
        whens.append(f"{when} THEN 1")
    return f"((CASE {' '.join(whens)} ELSE 0 END) = 1)"


def failed_rule(sql: Sql, rules: Rules, part: "Part") -> str:
    """The number of the first hard rule a row of this part fails (rule_number; 0 when
    none). Distance first: the parts only counted fail it whatever else holds."""
    checks = [("distance", part.too_far)] if part.too_far else []
    today = sql.param(date.today().isoformat())
    checks.append(("certification", f"r.certified_until IS NULL OR r.certified_until < {today}"))
    if rules.avoid:
        checks.append(("same_system", " OR ".join(sql.listed("systems", name)
                                                  for name in rules.avoid)))
    if rules.offered:
        checks.append(("already_offered", sql.among("r.specialist_id", rules.offered)))
    if rules.network is not None:
        checks.append(("network", f"NOT {sql.listed('networks', rules.network)}"))
    availability = "NOT r.accepting"
    if rules.full:
        availability += f" OR {sql.among('r.specialist_id', rules.full)}"
    checks.append(("availability", availability))
    if rules.de_statutory:
        since = repr(int(date.today().year - 5))
        checks.append(("de_qualification", "NOT (r.de_approved AND r.practising_since IS NOT "
                                            f"NULL AND r.practising_since <= {since})"))
    # A number, not the rule's name: comparing numbers is cheaper, row after row.
    whens = " ".join(f"WHEN {condition} THEN {rule_number(rule)}" for rule, condition in checks)
    return f"(CASE {whens} ELSE 0 END)"


def rule_number(rule: str) -> int:
    """How failed_rule names a rule: its place in RULES, from 1 (0: passes them all)."""
    return RULES.index(rule) + 1


def bound(sql: Sql, rules: Rules, categories: list[str], language: str,
          weights: dict[str, float]) -> str:
    """The weighted score as the database can know it from a row: every component but the
    load, counted as if no consultation were open, and the distance of someone with several
    practices, counted as 1 (matching takes both off). The one practice on a row is measured
    flat-earth, within a few hundred km a fraction of a per cent from the exact distance."""
    fit = weights["specialty_fit"]
    parts = [f"(CASE WHEN r.code = {sql.param(rules.codes[0])} THEN {_number(fit)} "
             f"ELSE {_number(0.6 * fit)} END)"]
    if categories:
        focus = " OR ".join(f"{_find()}(r.focus, {sql.param(f',{c},')}) > 0" for c in categories)
        parts.append(f"(CASE WHEN {focus} THEN {_number(weights['condition_focus'])} "
                     f"ELSE {_number(0)} END)")
    parts.append(f"r.centre * {_number(weights['centre'])}")
    one, zero = _number(1), _number(0)
    parts.append(f"(CASE WHEN r.turnaround_days <= 3 THEN {one} WHEN r.turnaround_days >= 15 "
                 f"THEN {zero} ELSE ({_number(15)} - r.turnaround_days) / {_number(12)} END) "
                 f"* {_number(weights['turnaround'])}")
    parts.append(_number(weights["load"]))
    if rules.point:
        reach = rules.travel_km / geo.KM_PER_DEGREE
        planar = _planar("r", rules.point)
        parts.append(f"(CASE WHEN r.places > 1 THEN {one} WHEN r.places = 1 AND {planar} <= "
                     f"{_number(reach * reach)} THEN {one} - SQRT({planar}) / {_number(reach)} "
                     f"ELSE {zero} END) * {_number(weights['distance'])}")
    if language:
        parts.append(f"(CASE WHEN {sql.listed('languages', language)} "
                     f"THEN {_number(weights['language'])} ELSE {_number(0)} END)")
    return " + ".join(parts)


def counts_query(rules: Rules) -> Sql:
    """One row: how many specialists pass every rule, how many fail each of RULES first,
    and how many of those only counted are too far (the caller adds them to distance).
    The checked rows are counted with COUNT FILTER: cheaper, row after row, than a GROUP
    BY, which PostgreSQL sorted, or than conditional sums."""
    sql = Sql()
    counts = ", ".join(f"COUNT(*) FILTER (WHERE failed_rule = {number})"
                       for number in range(len(RULES) + 1))
    too_far = "0"  # built before the checked parts: the parameters go in the text's order
    for part in _parts(rules):
        if not part.checked:
            too_far = (f"(SELECT COUNT(*) FROM {MatchRow._meta.db_table} r "
                       f"WHERE {_where(sql, rules, part)})")
    checked = [f"SELECT {failed_rule(sql, rules, part)} AS failed_rule "
               f"FROM {MatchRow._meta.db_table} r WHERE {_where(sql, rules, part)}"
               for part in _parts(rules) if part.checked]
    # Neither database may merge the rows into the counts, or each count would work out
    # the rule again: a subquery with a LIMIT stays apart.
    whole = "LIMIT ALL" if connection.vendor == "postgresql" else "LIMIT -1"
    sql.text = (f"SELECT {counts}, {too_far} "
                f"FROM ({' UNION ALL '.join(checked)} {whole} OFFSET 0) AS c")
    return sql


def ranked_query(rules: Rules, categories: list[str], language: str,
                 weights: dict[str, float]) -> Sql:
    """(specialist id, name key, bound, places, code, latitude, longitude) of those
    passing every rule, best bound first; two parameters to add: the page's size and
    offset. The code is the first of theirs that fits; the place, their one practice."""
    sql = Sql()
    parts = []
    for part in _parts(rules):
        if part.checked:
            score = bound(sql, rules, categories, language, weights)
            where = _where(sql, rules, part)
            parts.append(f"SELECT r.specialist_id, r.name_key, {score} AS bound, r.places, "
                         "r.code, r.latitude, r.longitude "
                         f"FROM {MatchRow._meta.db_table} r "
                         f"WHERE {where} AND {failed_rule(sql, rules, part)} = 0")
    sql.text = (f"SELECT specialist_id, name_key, bound, places, code, latitude, longitude FROM "
                f"({' UNION ALL '.join(parts)}) AS c "
                "ORDER BY bound DESC, name_key, specialist_id LIMIT %s OFFSET %s")
    return sql


@dataclass
class Part:
    """Some of a case's rows, read from one stretch of the candidates index."""

    condition: str  # SQL with no parameters
    checked: bool = True  # False: each fails the distance rule; only counted
    too_far: str = ""  # SQL: a row of this part fails the distance rule (none can if empty)


def _parts(rules: Rules) -> list[Part]:
    """Without a place, one part. With one: those with video visits (never too far); those
    without, and without a single practice with coordinates (none, or several: the rule
    looks at each); those whose one practice is in the patient's box (the rule measures
    it). The rest, without video visits and with one practice outside the box, fail the
    distance rule: counted, not checked."""
    if not rules.point:
        return [Part("")]
    low_lat, high_lat, low_lon, high_lon = (
        _number(n) for n in geo.bounding_box(rules.point, rules.travel_km))
    box = (f"r.latitude BETWEEN {low_lat} AND {high_lat} "
           f"AND r.longitude BETWEEN {low_lon} AND {high_lon}")
    reach = (rules.travel_km / geo.KM_PER_DEGREE) ** 2
    practices = PracticeLocation._meta.db_table
    return [
        Part("r.telemedicine = TRUE"),
        Part("r.telemedicine = FALSE AND r.latitude IS NULL",
             too_far=f"NOT EXISTS (SELECT 1 FROM {practices} p WHERE p.specialist_id = "
                     f"r.specialist_id AND {_in_box('p', rules.point, rules.travel_km)})"),
        Part(f"r.telemedicine = FALSE AND {box}",
             too_far=f"{_planar('r', rules.point)} > {_number(reach)}"),
        Part(f"r.telemedicine = FALSE AND r.latitude IS NOT NULL AND NOT ({box})",
             checked=False),
    ]


def _where(sql: Sql, rules: Rules, part: Part) -> str:
    where = f"{sql.among('r.code', rules.codes)} AND {once(sql, rules.codes)}"
    return f"{where} AND {part.condition}" if part.condition else where
