"""The response protocol: acknowledge, link work, close; response time and confirmation;
escalations fire once, at their threshold, to the right people."""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from freezegun import freeze_time

from portfolio.models import Role
from reliability import services
from reliability.metrics import alert_confirmation
from reliability.models import Alert, AlertStatus, Escalation, Notification
from reliability.selectors import active_escalation_rules
from reliability.services import escalations_evaluate
from tests.factories import AssetFactory, WorkOrderFactory
from tests.people import client_for

T0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def alert(world):
    world.asset_a.tier = 1
    world.asset_a.save()
    return Alert.objects.create(
        asset=world.asset_a,
        metric="vibration_velocity_rms",
        rule="zone",
        detected_at=T0,
        first_zone="C",
        worst_zone="C",
    )


def test_acknowledge_link_and_close(world, alert):
    tech = world.user("tech_a")
    services.alert_acknowledge(alert=alert, user=tech, at=T0 + dt.timedelta(hours=3))
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == (AlertStatus.ACKNOWLEDGED, tech)
    assert alert.acknowledged_at - alert.detected_at == dt.timedelta(hours=3)
    order = WorkOrderFactory(asset=world.asset_a, external_id="WO-77")
    services.alert_link_work_order(alert=alert, work_order=order, user=tech)
    services.alert_close(
        alert=alert, user=tech, resolution="confirmed_fault", at=T0 + dt.timedelta(days=2)
    )
    alert.refresh_from_db()
    assert (alert.status, alert.work_order, alert.resolution) == (
        AlertStatus.CLOSED,
        order,
        "confirmed_fault",
    )
    with pytest.raises(ValidationError, match="already closed"):
        services.alert_close(alert=alert, user=tech, resolution="false_alarm")


def test_only_people_of_the_site_may_act(world, alert):
    for name in ("director_p", "executive", "integrator_a", "tech_b"):
        with pytest.raises(PermissionDenied):
            services.alert_acknowledge(alert=alert, user=world.user(name))
    other = WorkOrderFactory(asset=AssetFactory(line=world.asset_a.line))
    with pytest.raises(ValidationError, match="another asset"):
        services.alert_link_work_order(alert=alert, work_order=other, user=world.user("manager_a"))


def test_confirmation_rate_counts_closed_alerts():
    import pandas as pd

    alerts = pd.DataFrame(
        {
            "closed_at": pd.to_datetime(["2026-10-01", "2026-10-02", "2026-10-03", None], utc=True),
            "resolution": ["confirmed_fault", "confirmed_fault", "false_alarm", ""],
        }
    )
    # 2 confirmed of 3 closed in the window; the open one does not count.
    result = alert_confirmation(
        alerts, pd.Timestamp("2026-09-01", tz="UTC"), pd.Timestamp("2026-11-01", tz="UTC")
    )
    assert result == {"rate": pytest.approx(2 / 3), "confirmed": 2, "closed": 3}


def test_api_acknowledge_and_close(world, alert):
    client = client_for(world, "tech_a")
    response = client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"
    again = client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/")
    assert again.status_code == 409  # a conflict with its state, not bad input
    assert again.json() == {"status": ["The alert is already Acknowledged."]}
    closed = client.post(f"/api/v1/alerts/{alert.pk}/close/", {"resolution": "false_alarm"})
    assert closed.json()["resolution"] == "false_alarm"


def test_unacknowledged_tier1_alert_escalates_once_at_four_hours(world, alert):
    manager = world.user("manager_a")
    manager.email = "manager@example.com"
    manager.save()
    with freeze_time(T0 + dt.timedelta(hours=3, minutes=59)):
        assert escalations_evaluate() == []
    with freeze_time(T0 + dt.timedelta(hours=4)):
        fired = escalations_evaluate()
        assert [e.rule.name for e in fired] == ["Tier 1 alert not acknowledged within 4 h"]
        assert fired[0].recipients == ["manager_a"]
    with freeze_time(T0 + dt.timedelta(hours=9)):
        assert escalations_evaluate() == []  # once per rule and alert
    assert Escalation.objects.count() == 1
    note = Notification.objects.get(user=manager)
    assert note.link == f"/alerts/{alert.pk}/" and "M-1" in note.message


def test_an_acknowledged_alert_does_not_escalate(world, alert):
    services.alert_acknowledge(
        alert=alert, user=world.user("tech_a"), at=T0 + dt.timedelta(hours=1)
    )
    with freeze_time(T0 + dt.timedelta(hours=5)):
        assert escalations_evaluate() == []


def test_zone_d_on_a_jit_line_goes_to_the_directors(
    world, alert, django_capture_on_commit_callbacks
):
    line = world.asset_a.line
    line.jit_linked = True
    line.save()
    alert.worst_zone = "D"
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_at = T0
    alert.save()
    director = world.user("director_p")
    director.email = "director@example.com"
    director.save()
    with (
        freeze_time(T0 + dt.timedelta(minutes=5)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        fired = escalations_evaluate()
    assert [(e.rule.notify_role, e.recipients) for e in fired] == [("director", ["director_p"])]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["director@example.com"]


def test_escalation_rules_are_data_per_portfolio(world):
    rules = active_escalation_rules(world.portfolio_p)
    assert {r.notify_role for r in rules} == {Role.SITE_MANAGER, Role.DIRECTOR}
    rules[0].is_active = False
    rules[0].save()
    assert len(active_escalation_rules(world.portfolio_p)) == 1


def test_notifications_page_shows_and_marks_read(world, alert):
    with freeze_time(T0 + dt.timedelta(hours=4)):
        escalations_evaluate()
    client = client_for(world, "manager_a")
    page = client.get("/notifications/")
    assert b"not acknowledged within 4 h" in page.content
    client.post("/notifications/")
    assert not Notification.objects.filter(user=world.user("manager_a"), read_at=None).exists()
    other = client_for(world, "tech_a").get("/notifications/")
    assert b"not acknowledged" not in other.content


def test_alert_pages(world, alert):
    client = client_for(world, "tech_a")
    assert b"M-1" in client.get("/alerts/").content
    detail = client.get(f"/alerts/{alert.pk}/")
    assert b"Acknowledge" in detail.content
    client.post(f"/alerts/{alert.pk}/acknowledge/")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert b"Acknowledge</button>" not in client.get(f"/alerts/{alert.pk}/").content
    viewer = client_for(world, "director_p").get(f"/alerts/{alert.pk}/")
    assert viewer.status_code == 200 and b"<button" not in viewer.content.split(b"</header>")[1]


def test_a_failing_mail_server_loses_only_the_email(
    world, alert, settings, caplog, django_capture_on_commit_callbacks
):
    """The notification is saved and the failure is logged, not raised and not hidden."""
    settings.EMAIL_BACKEND = "tests.reliability.test_alert_protocol.RefusingBackend"
    manager = world.user("manager_a")
    manager.email = "manager@example.com"
    manager.save()
    with (
        freeze_time(T0 + dt.timedelta(hours=4)),
        django_capture_on_commit_callbacks(execute=True),
        caplog.at_level("ERROR", logger="reliability.services"),
    ):
        fired = escalations_evaluate()
    assert len(fired) == 1
    assert Notification.objects.filter(user=manager).exists()
    assert "escalation email to manager@example.com failed" in caplog.text


class RefusingBackend:
    """An email backend whose server refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({"manager@example.com": (550, b"no")})
