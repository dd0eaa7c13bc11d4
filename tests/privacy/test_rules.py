from app.privacy import rules


def test_placeholder_email_is_not_an_address_and_is_recognised():
    value = rules.placeholder_email(42, "0123abcd4567ef89")
    assert "@" not in value and value.startswith("geloescht-42-")
    assert rules.is_erased_email(value)
    assert not rules.is_erased_email("geloescht-42@example.org")
    assert not rules.is_erased_email("lena@example.org")
    assert not rules.is_erased_email(None)


def test_certificate_data_loses_the_name_and_nothing_else():
    data = {"name": "Petra Privat", "number": "SCM-2027-00001", "course_title": "Kurs", "issued_on": "2027-03-01"}
    result = rules.anonymised_certificate_data(data)
    assert result["name"] == rules.CERTIFICATE_NAME_PLACEHOLDER and result["name_erased"] is True
    assert {k: v for k, v in result.items() if k not in ("name", "name_erased")} == {k: v for k, v in data.items() if k != "name"}
    assert data["name"] == "Petra Privat"  # the input is not changed


def test_zip_names_cannot_leave_their_folder():
    assert rules.safe_zip_name("../../etc/passwd") == "passwd"
    assert rules.safe_zip_name("C:\\Users\\x\\Bericht?.pdf") == "Bericht.pdf"
    assert rules.safe_zip_name("..") == "datei"
