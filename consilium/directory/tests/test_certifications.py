"""A board certification is read by its declared schema (directory/schemas.py
CertificationIn): the page and the action refuse a blank, too long or badly written field in
the same plain words, naming the field, and nothing is cut short or saved."""

from datetime import date
from html import unescape

import pytest

from consilium.directory.actions import do_add_certification
from consilium.directory.models import BoardCertification
from consilium.errors import InvalidInput, NotAllowed

BOARD = "American Board of Internal Medicine"
LIMIT = BoardCertification._meta.get_field("board").max_length
DATE_WORDS = "Give the date as YYYY-MM-DD, such as 2030-12-31."


def post(client, specialist, **fields):
    data = {"board": BOARD, "specialty": "Hematology", "expires": "", **fields}
    return client.post(f"/specialists/{specialist.id}/edit/",
                       {f"cert-{name}": value for name, value in data.items()})


@pytest.mark.parametrize("fields, field, message", [
    ({"board": ""}, "board", "Name the certifying board."),
    ({"board": "   "}, "board", "Name the certifying board."),
    ({"specialty": "\t \n"}, "specialty", "Name the certified specialty."),
    ({"board": "B" * (LIMIT + 1)}, "board", f"Keep this under {LIMIT} characters."),
    ({"specialty": "S" * (LIMIT + 1)}, "specialty", f"Keep this under {LIMIT} characters."),
    ({"specialty": "S" * 100_000}, "specialty", f"Keep this under {LIMIT} characters."),
    ({"expires": "31/12/2030"}, "expires", DATE_WORDS),
    ({"expires": "2030-02-30"}, "expires", DATE_WORDS),
    ({"expires": "tomorrow"}, "expires", DATE_WORDS),
    ({"expires": "20301231"}, "expires", DATE_WORDS),
    ({"expires": "2030-12-31T00:00"}, "expires", DATE_WORDS),
])
def test_the_page_and_the_action_refuse_alike(client, login, users, specialists, fields,
                                              field, message):
    weiss = specialists["specialist2"]
    login(users["coordinator"])
    page = post(client, weiss, **fields)
    assert page.status_code == 422
    text = unescape(page.content.decode())
    assert message in text
    assert "Enter a valid date" not in text and "Input should" not in text
    data = {"board": BOARD, "specialty": "Hematology", **fields}
    with pytest.raises(InvalidInput) as refused:
        do_add_certification(weiss, data, acting_user=users["coordinator"])
    assert refused.value.errors == {field: message}
    assert not weiss.certifications.filter(specialty__startswith="S").exists()
    assert weiss.certifications.filter(board__in=["B" * LIMIT, ""]).count() == 0


@pytest.mark.parametrize("data, field", [
    ({"specialty": "Hematology"}, "board"),
    ({"board": 12, "specialty": "Hematology"}, "board"),
    ({"board": BOARD, "specialty": ["a", "list"]}, "specialty"),
    ({"board": BOARD, "specialty": "Hematology", "expires": 1_900_000_000}, "expires"),
    ({"board": BOARD, "specialty": "Hematology", "expires": ["2030-12-31"]}, "expires"),
])
def test_the_action_names_a_missing_or_wrong_kind_of_field(users, specialists, data, field):
    with pytest.raises(InvalidInput) as refused:
        do_add_certification(specialists["specialist2"], data,
                             acting_user=users["coordinator"])
    assert list(refused.value.errors) == [field]
    assert "Input should" not in refused.value.errors[field]


def test_spaces_or_nothing_for_the_date_mean_no_expiry(client, login, users, specialists):
    weiss = specialists["specialist2"]
    login(users["coordinator"])
    assert post(client, weiss, specialty=" Hematology ", expires="   ").status_code == 302
    added = weiss.certifications.get(specialty="Hematology")
    assert (added.board, added.expires) == (BOARD, None)
    kept = do_add_certification(weiss, {"board": f"  {BOARD}", "specialty": "Oncology",
                                        "expires": None}, acting_user=users["coordinator"])
    assert (kept.board, kept.expires) == (BOARD, None)


def test_a_board_of_exactly_the_limit_is_kept_whole(users, specialists):
    weiss = specialists["specialist2"]
    added = do_add_certification(weiss, {"board": "B" * LIMIT, "specialty": "Hematology",
                                         "expires": date(2031, 12, 31)},
                                 acting_user=users["coordinator"])
    added.refresh_from_db()
    assert (added.board, added.expires) == ("B" * LIMIT, date(2031, 12, 31))
    page_added = do_add_certification(weiss, {"board": BOARD, "specialty": "Oncology",
                                              "expires": " 2031-06-30 "},
                                      acting_user=users["coordinator"])
    assert page_added.expires == date(2031, 6, 30)


def test_only_coordinators_record_certifications_even_badly_filled(users, specialists):
    with pytest.raises(NotAllowed):
        do_add_certification(specialists["specialist2"], {"board": ""},
                             acting_user=users["specialist2"])
