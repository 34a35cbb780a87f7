"""The two queries matching runs over MatchRow, written out as SQL.

Built with the ORM, the expressions of the rules and the score took longer to compile
(~20 ms) than the database took to run them; as text they cost nothing. Strings from
outside (codes, names, networks) always go as parameters, in the order they appear in the
text; numbers the code computed itself (coordinates, weights, bounds) are written into the
text with repr(), which for a float or an int can only give digits, a sign, a point and an
exponent.

Both read the rows of the case's specialties through the code index, each specialist once
(``once``): one counts who fails which hard rule first, the other gives those who pass in
order of their bound. (One pass into a materialised CTE that both read was slower on
both databases: on SQLite writing the temporary table, on PostgreSQL reading the
materialised rows back, cost more than reading the rows twice; measured at a million.)
"""

import math
from dataclasses import dataclass, field
from datetime import date

from django.db import connection

from . import geo
from .models import MatchRow, PracticeLocation


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
    """The row of the first fitting specialty the specialist has (a CASE, not ORs, so that
    SQLite reads each specialty's rows in order from the code index)."""
    whens = []
    for position, code in enumerate(codes):
        when = f"WHEN r.code = {sql.param(code)}"
        for earlier in codes[:position]:
            when += f" AND NOT {sql.listed('codes', earlier)}"
        whens.append(f"{when} THEN 1")
    return f"(CASE {' '.join(whens)} ELSE 0 END) = 1"


def failed_rule(sql: Sql, rules: Rules) -> str:
    """The first hard rule a row fails ('' when none)."""
    today = sql.param(date.today().isoformat())
    checks = [("certification", f"r.certified_until IS NULL OR r.certified_until < {today}")]
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
    if rules.point:
        table = PracticeLocation._meta.db_table
        several = (f"EXISTS (SELECT 1 FROM {table} p WHERE p.specialist_id = r.specialist_id "
                   f"AND {_in_box('p', rules.point, rules.travel_km)})")
        near = (f"(r.places = 1 AND {_in_box('r', rules.point, rules.travel_km)}) "
                f"OR (r.places > 1 AND {several})")
        checks.append(("distance", f"NOT r.telemedicine AND NOT ({near})"))
    if rules.de_statutory:
        since = repr(int(date.today().year - 5))
        checks.append(("de_qualification", "NOT (r.de_approved AND r.practising_since IS NOT "
                                            f"NULL AND r.practising_since <= {since})"))
    # The rule names are this module's own words (letters and underscores), not input.
    whens = " ".join(f"WHEN {condition} THEN '{rule}'" for rule, condition in checks)
    return f"(CASE {whens} ELSE '' END)"


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
    """(rule, specialists) for every first failed rule, '' for those who pass them all."""
    sql = Sql()
    rule = failed_rule(sql, rules)
    where = _where(sql, rules)
    sql.text = (f"SELECT {rule} AS failed_rule, COUNT(*) FROM {MatchRow._meta.db_table} r "
                f"WHERE {where} GROUP BY 1")
    return sql


def ranked_query(rules: Rules, categories: list[str], language: str,
                 weights: dict[str, float]) -> Sql:
    """(specialist id, name key, bound, places) of those passing every rule, best bound
    first; two parameters to add: the page's size and offset."""
    sql = Sql()
    score = bound(sql, rules, categories, language, weights)
    where = _where(sql, rules)
    rule = failed_rule(sql, rules)
    sql.text = (f"SELECT r.specialist_id, r.name_key, {score} AS bound, r.places "
                f"FROM {MatchRow._meta.db_table} r WHERE {where} AND {rule} = '' "
                "ORDER BY bound DESC, r.name_key, r.specialist_id LIMIT %s OFFSET %s")
    return sql


def _where(sql: Sql, rules: Rules) -> str:
    return f"{sql.among('r.code', rules.codes)} AND {once(sql, rules.codes)}"
