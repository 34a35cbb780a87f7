import pytest

from consilium.terminology.models import Icd10Code
from consilium.terminology.search import normalise_code, search_icd10

pytestmark = pytest.mark.django_db


def test_the_whole_april_2026_set_is_loaded():
    assert Icd10Code.objects.filter(kind="chapter").count() == 22
    assert Icd10Code.objects.filter(is_leaf=True).count() > 74000
    c50912 = Icd10Code.objects.get(code="C50.912")
    assert c50912.description == "Malignant neoplasm of unspecified site of left female breast"
    assert (c50912.chapter, c50912.block, c50912.parent, c50912.is_leaf) == (
        "2", "C50", "C50.91", True
    )
    assert not Icd10Code.objects.get(code="C50").is_leaf


@pytest.mark.parametrize("query,first", [
    ("breast cancer", "C50"),
    ("prostate cancer", "C61"),
    ("lung cancer", "C34"),
    ("heart attack", "I21"),
    ("stroke", "I63"),
    ("knee arthritis", "M17"),
    ("multiple sclerosis", "G35"),
    ("atrial fibrillation", "I48"),
])
def test_everyday_words_find_the_disease_first(query, first):
    results = search_icd10(query, 10)
    assert results[0].code.startswith(first), [c.code for c in results]


def test_breast_cancer_lists_c50_codes_before_others():
    codes = [c.code for c in search_icd10("breast cancer", 5)]
    assert all(code.startswith("C50") for code in codes), codes


@pytest.mark.parametrize("query", ["C50.91", "c50.91", "C5091"])
def test_a_code_finds_itself_then_its_children(query):
    codes = [c.code for c in search_icd10(query, 10)]
    assert codes == ["C50.91", "C50.911", "C50.912", "C50.919"]


def test_the_last_word_matches_as_a_prefix_while_typing():
    assert any(c.code.startswith("I48") for c in search_icd10("atrial fibril", 10))


@pytest.mark.parametrize("query", ["", "   ", "of the", "xyzzy", '"; DROP TABLE x; --',
                                   "AND OR NOT", "*", "(((", "C50.9999999"])
def test_odd_queries_answer_quietly(query):
    assert isinstance(search_icd10(query, 5), list)


def test_normalise_code():
    assert normalise_code("c50912") == "C50.912"
    assert normalise_code("C50") == "C50"


def test_the_api_is_public_and_limited(client):
    def search(body):
        return client.post("/api/v1/terminology/icd10/search", body,
                           content_type="application/json")
    response = search({"q": "breast cancer", "limit": 3})
    assert response.status_code == 200
    body = response.json()
    # The common, specific, billable code first (issue 20): not the category C50.
    assert len(body) == 3 and body[0]["code"] == "C50.919"
    assert set(body[0]) == {"code", "description", "kind", "chapter", "block", "is_leaf"}
    assert len(search({"q": "C", "limit": 500}).json()) <= 100
    assert search({"q": "x" * 201}).status_code == 422


def test_the_api_reads_no_search_words_from_a_url(client):
    """The words a patient types are health data: a GET with them is refused, unread."""
    response = client.get("/api/v1/terminology/icd10", {"q": "breast cancer"})
    assert response.status_code == 410
    assert "POST /api/v1/terminology/icd10/search" in response.json()["detail"]
    assert "C50" not in response.content.decode()


def test_suggestions_for_a_field(client):
    page = client.post("/terminology/icd10/suggestions/",
                       {"q": "breast cancer", "target": "id_diagnosis_codes"})
    body = page.content.decode()
    assert 'data-icd10-code="C50.919"' in body and 'data-target="id_diagnosis_codes"' in body
    assert "No code matches" in client.post("/terminology/icd10/suggestions/",
                                            {"q": "xyzzy"}).content.decode()


def test_suggestions_are_not_searched_from_a_url(client):
    """The picker posts the words; a GET with them in the query string searches nothing."""
    response = client.get("/terminology/icd10/suggestions/",
                          {"q": "breast cancer", "target": "id_diagnosis_codes"})
    assert response.status_code == 405 and b"C50" not in response.content
