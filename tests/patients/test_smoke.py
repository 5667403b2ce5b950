from tests.factories import PatientFactory


def test_patient_list_requires_login(client, db):
    response = client.get("/patients/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_patient_detail_shows_name(client_logged_in):
    patient = PatientFactory(name="Erika Muster")

    response = client_logged_in.get(patient.get_absolute_url())

    assert response.status_code == 200
    assert "Erika Muster" in response.content.decode()
