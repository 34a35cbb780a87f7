""""Start my case" sent twice (a double click) is one draft case and the same page."""

from consilium.cases.models import Case

ANSWERS = {"diagnosis_codes": "C50.912", "proposed_treatment": "surgery",
           "procedure": "mastectomy", "country": "US"}


def test_start_my_case_twice_is_one_case(client, login, users):
    result = client.post("/assess/", ANSWERS).content.decode()
    start_form = result.split('action="/assess/start/"')[1].split("</form>")[0]
    assert 'name="submission_key"' in start_form
    login(users["patient"])
    data = {**ANSWERS, "submission_key": "t" * 24}
    client.post("/assess/start/", data)
    client.post("/assess/start/", data)
    first, second = client.get("/assess/continue/"), client.get("/assess/continue/")
    case = Case.objects.get()
    assert first.url == second.url == f"/cases/{case.id}/"
    # Another "Start my case" (another rendering of the form) starts another case.
    client.post("/assess/start/", {**data, "submission_key": "T" * 24})
    assert client.get("/assess/continue/").url != first.url
    assert Case.objects.count() == 2
