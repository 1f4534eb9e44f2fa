"""Class photos through the pages: the clerk's upload on the attendance page, the photos read back
through the reader's scope, and county HR's photo wall with its remote inspection (三(七) 视频调阅)."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checkin import services
from checkin.models import CheckIn, SessionPhoto
from courses.models import AttendanceCorrection, AttendanceRecord, ClassStatus
from institutions.models import Inspection, InspectionMethod
from tests import factories
from tests.checkin.test_photos import GIF, jpeg, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(db):
    """A class in progress with a session that started 30 minutes ago (real clock: the views
    read it), its clerk, county HR, another institution's clerk and a township official."""
    start = timezone.localtime() - datetime.timedelta(minutes=30)
    training_class = factories.TrainingClassFactory(status=ClassStatus.IN_PROGRESS)
    session = factories.SessionFactory(training_class=training_class, held_on=start.date(),
                                       starts_at=start.time().replace(microsecond=0), hours=4)
    enrolment = factories.EnrolmentFactory(training_class=training_class)
    users = {
        "clerk": factories.institution_user(training_class.institution, "photo_clerk"),
        "hr": factories.hr_user("photo_hr"),
        "other_clerk": factories.institution_user(factories.TrainingInstitutionFactory(), "other_clerk"),
        "township": factories.township_user(enrolment.trainee.township, "photo_official"),
    }
    clients = {}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    return type("Live", (), dict(training_class=training_class, session=session, enrolment=enrolment, users=users,
                                 clients=clients))


def stored_photo(live, **kwargs):
    return services.add_session_photo(live.session, by=live.users["clerk"], now=timezone.now(),
                                      upload=upload(jpeg(**kwargs)))


def attendance_url(session):
    return reverse("courses:attendance", args=[session.pk])


def upload_url(session):
    return reverse("checkin:session-photos", args=[session.pk])


# --- The clerk's upload -----------------------------------------------------------------------

def test_the_clerk_uploads_a_photo_from_the_attendance_page(live):
    clerk = live.clients["clerk"]
    page = clerk.get(attendance_url(live.session)).content.decode()
    assert f'action="{upload_url(live.session)}"' in page and 'enctype="multipart/form-data"' in page
    assert 'accept="image/jpeg,image/png"' in page and 'capture="environment"' in page
    assert "本课次还没有现场照片" in page and "0 / 12 张" in page

    response = clerk.post(upload_url(live.session), {"photo": upload(jpeg(size=(800, 600)))})
    assert response.status_code == 302 and response["Location"] == attendance_url(live.session)
    photo = SessionPhoto.objects.get()
    assert (photo.session, photo.uploaded_by) == (live.session, live.users["clerk"])
    page = clerk.get(response["Location"]).content.decode()
    assert "现场照片已上传(本课次第1张" in page and "1 / 12 张" in page
    assert f'src="/checkin/photos/{photo.pk}/thumbnail/"' in page
    assert "/media/" not in page and "IMG_20261201" not in page


def test_a_refused_upload_answers_400_with_the_reason_and_stores_nothing(live):
    response = live.clients["clerk"].post(upload_url(live.session), {"photo": upload(GIF, name="现场.jpg")})
    assert response.status_code == 400
    page = response.content.decode()
    assert "这个文件不是 JPG 或 PNG 照片" in page and "三(七)" in page
    assert f'href="{attendance_url(live.session)}"' in page
    assert not SessionPhoto.objects.exists()
    no_file = live.clients["clerk"].post(upload_url(live.session), {})
    assert no_file.status_code == 400 and "请先拍照或选择一张照片" in no_file.content.decode()


def test_outside_the_window_the_panel_says_why_and_the_upload_is_refused(live):
    live.session.held_on = timezone.localdate() + datetime.timedelta(days=2)
    live.session.save()
    clerk = live.clients["clerk"]
    page = clerk.get(attendance_url(live.session)).content.decode()
    assert "现在不能上传现场照片:本课次" in page and "开始后才能上传现场照片" in page
    assert f'action="{upload_url(live.session)}"' not in page
    response = clerk.post(upload_url(live.session), {"photo": upload(jpeg())})
    assert response.status_code == 400 and "开始后才能上传现场照片" in response.content.decode()
    assert not SessionPhoto.objects.exists()


def test_a_completed_class_shows_its_photos_without_the_form(live):
    photo = stored_photo(live)
    live.training_class.status = ClassStatus.COMPLETED
    live.training_class.save()
    page = live.clients["clerk"].get(attendance_url(live.session)).content.decode()
    assert f'src="/checkin/photos/{photo.pk}/thumbnail/"' in page
    assert "现在不能上传现场照片:只有培训中的班级" in page
    assert f'action="{upload_url(live.session)}"' not in page


def test_another_institution_cannot_upload_to_the_session(live):
    response = live.clients["other_clerk"].post(upload_url(live.session), {"photo": upload(jpeg())})
    assert response.status_code == 404
    for role in ("hr", "township"):
        assert live.clients[role].post(upload_url(live.session), {"photo": upload(jpeg())}).status_code == 403
    assert not SessionPhoto.objects.exists()


# --- Reading photos back ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["checkin:photo-image", "checkin:photo-thumbnail"])
def test_photos_are_served_only_to_hr_and_the_class_institution(live, name):
    photo = stored_photo(live)
    url = reverse(name, args=[photo.pk])
    for role in ("clerk", "hr"):
        response = live.clients[role].get(url)
        assert response.status_code == 200, role
        body = b"".join(response.streaming_content)
        assert body.startswith(b"\xff\xd8\xff")
        field = photo.image if name.endswith("image") else photo.thumbnail
        with field.open("rb") as stored:
            assert body == stored.read()
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "private" in response["Cache-Control"]
        assert response["Content-Disposition"].startswith("inline")
    assert live.clients["other_clerk"].get(url).status_code == 404
    assert live.clients["township"].get(url).status_code == 403
    assert live.clients["clerk"].get(reverse(name, args=[photo.pk + 1000])).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


# --- County HR's photo wall -------------------------------------------------------------------

def wall_url(training_class):
    return reverse("admin:checkin_sessionphoto_wall", args=[training_class.pk])


def class_with_sessions(live, count):
    """`count` sessions on the days before today (the live session is the last), each with 到,
    缺 and an unrecorded trainee, one corrected mark, one self check-in and two photos; the
    first session has no photo."""
    tc = live.training_class
    second, third = factories.EnrolmentFactory(training_class=tc), factories.EnrolmentFactory(training_class=tc)
    correction = AttendanceCorrection.objects.create(training_class=tc, session=live.session, marks={}, reason="停电",
                                                     requested_by=live.users["clerk"], requested_at=timezone.now())
    sessions = [factories.SessionFactory(training_class=tc, held_on=live.session.held_on - datetime.timedelta(days=n),
                                         starts_at=datetime.time(8, 30), hours=4) for n in range(count - 1, 0, -1)]
    for index, session in enumerate(sessions):
        AttendanceRecord.objects.create(enrolment=live.enrolment, session=session, is_present=True,
                                        correction=correction)
        AttendanceRecord.objects.create(enrolment=second, session=session, is_present=False)
        CheckIn.objects.create(session=session, enrolment=live.enrolment, checked_in_at=timezone.now())
        if index == 0:
            continue
        for shot in range(2):
            SessionPhoto.objects.create(
                session=session, image=f"photos/sessions/2026/{index}{shot}.jpg",
                thumbnail=f"photos/thumbnails/2026/{index}{shot}.jpg", width=10, height=10,
                sha256=f"{count}-{index}-{shot}", uploaded_by=live.users["clerk"], uploaded_at=timezone.now())
    return sessions, third


def test_the_wall_shows_each_session_with_its_attendance_and_photos(live):
    sessions, _ = class_with_sessions(live, 3)
    photo = stored_photo(live)
    response = live.clients["hr"].get(wall_url(live.training_class))
    assert response.status_code == 200
    page = response.content.decode()
    rows = re.findall(r"<tr class=\"row[12][^\"]*\">(.*?)</tr>", page, re.S)
    assert len(rows) == 3
    first, second, today = rows  # oldest first
    assert "到 1 / 缺 1 / 未记录 1" in first and "其中更正 1" in first and "1人" in first
    assert "无现场照片" in first
    assert second.count("<img") == 2 and "无现场照片" not in second
    assert "到 0 / 缺 0 / 未记录 3" in today
    assert f'href="/checkin/photos/{photo.pk}/"' in today and f'src="/checkin/photos/{photo.pk}/thumbnail/"' in today
    assert "1个课次无现场照片" in page
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in page  # the inspection's date defaults to today
    assert "/media/" not in page


def test_the_wall_runs_the_same_queries_for_3_and_12_sessions(live, django_assert_num_queries):
    hr = live.clients["hr"]
    small_class = live.training_class
    class_with_sessions(live, 3)
    # The signed-in user (session, user, profile, and the session saved again: 3 + 3), the class,
    # its sessions with their counts, their photos, the class's remote inspections.
    with django_assert_num_queries(10):
        assert hr.get(wall_url(small_class)).status_code == 200
    large_class = factories.TrainingClassFactory(status=ClassStatus.IN_PROGRESS)
    live.training_class = large_class
    live.session = factories.SessionFactory(training_class=large_class, held_on=timezone.localdate())
    live.enrolment = factories.EnrolmentFactory(training_class=large_class)
    class_with_sessions(live, 12)
    for _ in range(2):
        factories.InspectionFactory(institution=large_class.institution, training_class=large_class,
                                    method=InspectionMethod.VIDEO)
    with django_assert_num_queries(10):
        response = hr.get(wall_url(large_class))
    page = response.content.decode()
    assert page.count('<td class="session">') == 12 and page.count('class="photo-thumb"') == 2 * 10
    assert page.count("考勤与现场人数一致") == 2


def test_the_class_page_links_to_its_wall(live):
    page = live.clients["hr"].get(reverse("admin:courses_trainingclass_change",
                                          args=[live.training_class.pk])).content.decode()
    assert f'href="{wall_url(live.training_class)}"' in page and "现场照片与考勤(视频调阅)" in page


def test_hr_records_a_remote_inspection_from_the_wall(live):
    hr = live.clients["hr"]
    response = hr.post(wall_url(live.training_class), {
        "inspected_on": timezone.localdate().isoformat(), "findings": "3个课次照片与考勤一致", "is_compliant": "0",
        "follow_up": "补传第1课次照片说明"})
    assert response.status_code == 302 and response["Location"] == wall_url(live.training_class)
    inspection = Inspection.objects.get()
    assert (inspection.method, inspection.training_class, inspection.institution, inspection.inspector) == (
        InspectionMethod.VIDEO, live.training_class, live.training_class.institution, live.users["hr"])
    assert (inspection.is_compliant, inspection.follow_up) == (False, "补传第1课次照片说明")
    page = hr.get(response["Location"]).content.decode()
    assert "已记录对" in page and "3个课次照片与考勤一致" in page and "不合格" in page


def test_a_remote_inspection_without_findings_is_refused(live):
    response = live.clients["hr"].post(wall_url(live.training_class), {
        "inspected_on": timezone.localdate().isoformat(), "findings": "", "is_compliant": "1"})
    assert response.status_code == 400 and "请填写检查发现" in response.content.decode()
    future = live.clients["hr"].post(wall_url(live.training_class), {
        "inspected_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(), "findings": "正常",
        "is_compliant": "1"})
    assert future.status_code == 400 and "晚于今天" in future.content.decode()
    assert not Inspection.objects.exists()


@pytest.mark.parametrize("role", ["clerk", "township"])
def test_no_one_but_hr_reaches_the_wall(live, role):
    client = live.clients[role]
    for response in (client.get(wall_url(live.training_class)),
                     client.post(wall_url(live.training_class), {"findings": "伪造", "is_compliant": "1",
                                                                 "inspected_on": "2026-12-01"})):
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert not Inspection.objects.exists()


def test_photos_and_check_ins_are_read_only_in_the_admin(live):
    photo = stored_photo(live)
    check_in = CheckIn.objects.create(session=live.session, enrolment=live.enrolment, checked_in_at=timezone.now())
    hr = live.clients["hr"]
    for model, obj in (("sessionphoto", photo), ("checkin", check_in)):
        listing = hr.get(reverse(f"admin:checkin_{model}_changelist"), {"q": live.training_class.code})
        assert listing.status_code == 200 and len(listing.context["cl"].result_list) == 1
        assert hr.get(reverse(f"admin:checkin_{model}_add")).status_code == 403
        page = hr.get(reverse(f"admin:checkin_{model}_change", args=[obj.pk]))
        assert page.status_code == 200 and 'type="submit" value="保存"' not in page.content.decode()
        assert "/media/" not in page.content.decode()
        assert hr.post(reverse(f"admin:checkin_{model}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    assert SessionPhoto.objects.filter(pk=photo.pk).exists() and CheckIn.objects.filter(pk=check_in.pk).exists()
    page = hr.get(reverse("admin:checkin_checkin_changelist")).content.decode()
    assert live.enrolment.trainee.id_number not in page
