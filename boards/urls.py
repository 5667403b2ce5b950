"""Boards, meetings, agenda items, attendance and decisions (see the boards issue)."""

from django.urls import path

from boards import views

app_name = "boards"

urlpatterns = [
    path("", views.board_list, name="board-list"),
    path("<uuid:public_id>/", views.board_detail, name="board-detail"),
    path("<uuid:public_id>/dashboard/", views.board_dashboard, name="board-dashboard"),
    path("meetings/<uuid:public_id>/", views.meeting_detail, name="meeting-detail"),
    path("meetings/<uuid:public_id>/review/<int:position>/", views.meeting_review, name="meeting-review"),
    path("meetings/<uuid:public_id>/outcomes/", views.meeting_outcomes, name="meeting-outcomes"),
]
