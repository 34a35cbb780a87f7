"""Searches send what was typed in the request body, never in a URL (issue 17, finding 6):
the ICD-10-CM picker, the records search and the directory, on pages and in the API. What
a patient types about their health would otherwise reach access logs, browser history and
the Referer of the next page."""

import io
import re
from pathlib import Path

import pytest

from consilium.records.actions import Upload, do_add_records

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
TYPED = "AZOOSPERMIC"


@pytest.fixture
def case_with_records(journey, users):
    case = journey("submitted")[0]
    texts = {f"note-{n:02d}.txt": f"Note {n}: {TYPED} semen.".encode() for n in range(55)}
    files = [Upload(name, io.BytesIO(data), len(data)) for name, data in texts.items()]
    do_add_records(case, files, acting_user=users["patient"])
    return case


def test_the_records_page_reads_no_search_from_the_address(client, login, users,
                                                           case_with_records):
    login(users["patient"])
    url = f"/cases/{case_with_records.id}/records/"
    old = client.get(url, {"q": TYPED, "type": "other"})
    assert old.status_code == 302 and old["Location"] == url  # the text is dropped
    assert "q=" not in client.get(url).content.decode()


def test_the_records_search_is_posted_and_pages_in_the_body(client, login, users,
                                                            case_with_records):
    login(users["patient"])
    url = f"/cases/{case_with_records.id}/records/"
    first = client.post(url, {"q": TYPED.lower()})
    text = first.content.decode()
    assert first.status_code == 200 and "55 files found" in text
    assert f'value="{TYPED.lower()}"' in text  # kept in the form, which posts
    assert re.search(r'<form method="post" action="[^"?]+" class="filters" role="search"', text)
    assert 'form="records-search" name="page" value="2"' in text
    assert "?q=" not in text and "page=" not in text and "{#" not in text
    second = client.post(url, {"q": TYPED.lower(), "page": "2"})
    assert len(second.context["page"].object_list) == 5
    assert "No file matches" in client.post(url, {"q": "zebra"}).content.decode()


def test_the_directory_reads_no_search_from_the_address(client, login, users, specialists):
    login(users["coordinator"])
    old = client.get("/specialists/", {"condition": "C50.912", "near": "80218"})
    assert old.status_code == 302 and old["Location"] == "/specialists/"


def test_the_directory_search_is_posted_with_htmx_and_without(client, login, users,
                                                              specialists, monkeypatch):
    from consilium.directory import views

    login(users["coordinator"])
    monkeypatch.setattr(views, "DIRECTORY_PAGE", 1)
    full = client.post("/specialists/", {"condition": "C50.912", "near": "80218"})
    partial = client.post("/specialists/", {"condition": "C50.912", "page": "2"},
                          headers={"HX-Request": "true"})
    text = full.content.decode()
    assert full.status_code == 200 and "3 specialists within 100 km" in text
    assert 'hx-post="/specialists/"' in text and "hx-get" not in text
    assert "hx-push-url" not in text and "C50.912&" not in text and "?condition" not in text
    assert 'form="specialist-search" name="page" value="2"' in text
    body = partial.content.decode()
    assert "<html" not in body and "Page 2 of 3" in body and "HX-Push-Url" not in partial
    refused = client.post("/specialists/", {"condition": "NOPE"}, headers={"HX-Request": "true"})
    assert refused.status_code == 200 and 'role="alert"' in refused.content.decode()  # swapped


def test_the_icd10_picker_posts_the_words(client, login, users):
    login(users["patient"])
    form = client.get("/cases/new/").content.decode()
    picker = re.search(r'<input type="search" id="id_diagnosis_codes_search"[^>]+>', form)
    assert picker and 'hx-post="/terminology/icd10/suggestions/"' in picker[0]
    assert "hx-get" not in picker[0] and 'hx-params="q,target"' in picker[0]
    assert "X-CSRFToken" in picker[0]


def test_the_icd10_picker_needs_its_csrf_header(db):
    """The picker sends Django's CSRF token as a header: without it the POST is refused."""
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    page = strict.get("/assess/")
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page.content.decode())[1]
    url = "/terminology/icd10/suggestions/"
    assert strict.post(url, {"q": "breast cancer"}).status_code == 403
    found = strict.post(url, {"q": "breast cancer", "target": "t"}, headers={"X-CSRFToken": token})
    assert found.status_code == 200 and 'data-icd10-code="C50.919"' in found.content.decode()


def test_no_template_puts_typed_text_in_a_url():
    """A GET form or hx-get may carry only choices from a list (a category, a page), never a
    text field: a new one fails here."""
    for template in TEMPLATES.rglob("*.html"):
        source = template.read_text()
        for form in re.findall(r"<form\b[^>]*>.*?</form>", source, re.S):
            opening = form[:form.index(">")]
            if 'method="post"' in opening and "hx-get" not in opening:
                continue
            assert not re.search(r'<input[^>]*type="(text|search|number)"', form) and \
                "<textarea" not in form, f"{template}: a GET form with a text field"
        for element in re.findall(r"<(?:input|textarea)\b[^>]*>", source):
            assert "hx-get" not in element, f"{template}: hx-get on a text field"


def test_the_openapi_description_says_where_search_words_go(client):
    openapi = client.get("/api/v1/openapi.json").json()
    assert "POST /specialists/search" in openapi["info"]["description"]
    spec = openapi["paths"]
    assert "post" in spec["/api/v1/terminology/icd10/search"]
    assert spec["/api/v1/terminology/icd10"]["get"]["deprecated"] is True
    assert "post" in spec["/api/v1/specialists/search"]
    listed = {p["name"] for p in spec["/api/v1/specialists"]["get"]["parameters"]}
    assert "condition" not in listed and "q" in listed
