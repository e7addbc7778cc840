from datetime import datetime, timezone

from webapp.dutch import count, document_date, number, when, zone

NOW = datetime(2026, 11, 24, 13, 0, tzinfo=timezone.utc)


def test_times_are_local_and_dutch():
    amsterdam = zone("Europe/Amsterdam")
    assert when("2026-11-24T12:05:00+00:00", amsterdam, NOW) == "vandaag 13:05"  # UTC+1 in winter
    assert when("2026-11-23T22:30:00+00:00", amsterdam, NOW) == "gisteren 23:30"
    assert when("2026-07-01T10:00:00+00:00", amsterdam, NOW) == "1 jul. 12:00"  # summer time
    assert when("2025-03-03T10:00:00+00:00", amsterdam, NOW) == "3 mrt. 2025 11:00"
    assert when("2026-11-24T12:05:00+00:00", zone("America/New_York"), NOW) == "vandaag 07:05"
    assert when("geen tijd", amsterdam, NOW) == "onbekend"


def test_unknown_zone_falls_back_to_amsterdam():
    assert when("2026-11-24T12:05:00+00:00", zone("Mars/Olympus"), NOW) == "vandaag 13:05"
    assert when("2026-11-24T12:05:00+00:00", zone(None), NOW) == "vandaag 13:05"


def test_document_dates_and_numbers():
    assert document_date("2023") == "2023"
    assert document_date("2023-05") == "mei 2023"
    assert document_date("2023-05-01") == "1 mei 2023"
    assert document_date("2023-05-01T10:00:00") == "1 mei 2023"
    assert document_date("voorjaar 2023") == "voorjaar 2023"
    assert document_date(None) == ""
    assert number(3000) == "3.000" and count(1, "document", "documenten") == "1 document"
