from django.urls import reverse

from audit.models import AuditEvent
from boards.models import Board
from tests.factories import UserFactory


def test_board_admin_sets_quorum_rule_with_checkboxes_and_audits(client, db):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.post(
        reverse("admin:boards_board_add"),
        {
            "name": "Sarcoma", "disease_focus": "mixed", "description": "",
            "required_specialties": ["surgery", "pathology"],
            "imaging_max_age_days": "42", "ecog_max_age_days": "90", "cea_max_age_days": "",
            "requires_ki67": "on", "requires_primary_pathology": "on",
            "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    board = Board.objects.get(name="Sarcoma")
    assert board.required_specialties == ["surgery", "pathology"]
    assert board.cea_max_age_days is None
    assert AuditEvent.objects.filter(action="board.created", target_public_id=str(board.public_id)).exists()
