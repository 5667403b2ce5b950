"""Board pages: boards, the meeting (agenda, readiness, attendance), live case review, outcomes, dashboard.

Every view fetches its object through a `get_<thing>_for_user` helper (views/common.py): a non-member gets 404.
A page and its actions share one URL; buttons are told apart by `action` in the POST.
"""

from boards.views.meetings import board_dashboard, board_detail, board_list, meeting_detail, meeting_outcomes
from boards.views.review import meeting_review

__all__ = ["board_dashboard", "board_detail", "board_list", "meeting_detail", "meeting_outcomes", "meeting_review"]
