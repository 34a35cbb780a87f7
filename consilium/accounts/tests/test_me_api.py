"""GET /me: who the caller is, and the time zone they read times in (issue #22)."""

from consilium.accounts.actions import do_set_time_zone


def test_me_names_the_callers_time_zone_or_the_programs(api, users, settings):
    specialist = users["specialist"]
    before = api(specialist, "get", "/me").json()
    assert (before["time_zone"], before["time_zone_chosen"]) == (settings.TIME_ZONE, False)
    do_set_time_zone(specialist, "America/Denver", acting_user=specialist)
    after = api(specialist, "get", "/me").json()
    assert (after["time_zone"], after["time_zone_chosen"]) == ("America/Denver", True)
    assert after["id"] == specialist.id


def test_a_zone_the_system_no_longer_knows_falls_back_to_the_programs(api, users, settings):
    patient = users["patient"]
    type(patient).objects.filter(pk=patient.pk).update(time_zone="Mars/Olympus_Mons")
    answer = api(patient, "get", "/me").json()
    assert answer["time_zone"] == settings.TIME_ZONE
