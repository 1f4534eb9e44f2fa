"""Storing a class photo (checkin.services.add_session_photo): only the class's institution, only
while the class is in progress and inside the session's R20 window (三(七) 实时监控), at most 12
per session, never the same photo twice; and county HR's remote inspection (视频调阅)."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from checkin import policy, services
from checkin.models import SessionPhoto
from courses.models import ClassStatus
from courses.services import attendance_window
from institutions.models import Inspection, InspectionMethod
from tests import factories
from tests.checkin.conftest import NOW, SHANGHAI
from tests.checkin.test_photos import jpeg, phone_exif, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(world):
    return factories.institution_user(world.training_class.institution)


def add(world, clerk, *, now=NOW, data=None, session=None):
    return services.add_session_photo(session or world.session, by=clerk, now=now,
                                      upload=upload(data if data is not None else jpeg()))


def refused(world, clerk, **kwargs):
    with pytest.raises(ValidationError) as caught:
        add(world, clerk, **kwargs)
    return caught.value


def test_a_photo_is_stored_re_encoded_under_a_generated_name(world, clerk):
    photo = add(world, clerk, data=jpeg(size=(640, 480), exif=phone_exif()))
    photo.refresh_from_db()
    assert (photo.session, photo.uploaded_by, photo.uploaded_at) == (world.session, clerk, NOW)
    assert (photo.width, photo.height) == (640, 480)
    assert photo.taken_at == datetime.datetime(2026, 12, 1, 9, 15, tzinfo=SHANGHAI)
    assert re.fullmatch(r"photos/sessions/2026/[0-9a-f]{32}\.jpg", photo.image.name)
    assert re.fullmatch(r"photos/thumbnails/2026/[0-9a-f]{32}\.jpg", photo.thumbnail.name)
    with photo.image.open("rb") as stored:
        image = Image.open(stored)
        assert image.format == "JPEG" and dict(image.getexif()) == {}
    with photo.thumbnail.open("rb") as stored:
        assert max(Image.open(stored).size) == 320
    # Its address is the scope-checked view, never the media directory.
    assert photo.image.url == f"/checkin/photos/{photo.pk}/"
    assert photo.thumbnail.url == f"/checkin/photos/{photo.pk}/thumbnail/"


def test_the_window_boundaries(world, clerk):
    """R20: from the session's start (08:30) until the grace period after its end, the same
    window as the marks; the refusals carry the marks' codes and say what to do."""
    window = attendance_window(world.session)
    start = datetime.datetime(2026, 12, 1, 8, 30, tzinfo=SHANGHAI)
    closes = window.closes_at.replace(tzinfo=SHANGHAI)
    second = datetime.timedelta(seconds=1)

    before = refused(world, clerk, now=start - second, data=jpeg(color=(1, 1, 1)))
    assert before.code == "attendance_not_open"
    assert "2026-12-01 08:30开始,开始后才能上传现场照片" in before.messages[0] and "三(七)" in before.messages[0]
    add(world, clerk, now=start, data=jpeg(color=(2, 2, 2)))
    add(world, clerk, now=closes - second, data=jpeg(color=(3, 3, 3)))
    at_close = refused(world, clerk, now=closes, data=jpeg(color=(4, 4, 4)))
    assert at_close.code == "attendance_window_closed"
    assert f"已于{window.closes_at:%Y-%m-%d %H:%M}截止上传" in at_close.messages[0]
    assert refused(world, clerk, now=closes + second, data=jpeg(color=(5, 5, 5))).code == "attendance_window_closed"
    assert SessionPhoto.objects.count() == 2


def test_the_clock_is_read_in_shanghai(world, clerk):
    """00:29:59 UTC is 08:29:59 in the county: still before the session."""
    utc = datetime.datetime(2026, 12, 1, 0, 29, 59, tzinfo=datetime.UTC)
    assert refused(world, clerk, now=utc).code == "attendance_not_open"
    assert add(world, clerk, now=utc + datetime.timedelta(seconds=1)).pk


@pytest.mark.parametrize("status", [ClassStatus.APPROVED, ClassStatus.COMPLETED])
def test_a_class_not_in_progress_takes_no_photo(world, clerk, status):
    world.training_class.status = status
    world.training_class.save()
    error = refused(world, clerk)
    assert error.code == "class_not_in_progress"
    assert not SessionPhoto.objects.exists()


def test_the_same_photo_is_refused_for_another_session(world, clerk):
    data = jpeg(color=(9, 99, 199))
    add(world, clerk, data=data)
    later = factories.SessionFactory(training_class=world.training_class, held_on=NOW.date(),
                                     starts_at=datetime.time(9, 0), hours=2)
    error = refused(world, clerk, data=data, session=later)
    assert error.code == "one_use_per_photo"
    assert error.messages == ["这张照片已经上传过,不能重复使用:请上传本课次现场拍摄的照片。"]
    assert SessionPhoto.objects.count() == 1


def test_a_duplicate_stored_meanwhile_is_refused_by_the_database_and_its_files_removed(world, clerk, monkeypatch,
                                                                                    settings):
    """Two uploads of one photo at once: the second passes the check before the first is saved;
    the unique constraint refuses it, with the same message, and no file is left behind."""
    data = jpeg(color=(42, 42, 42))
    original_full_clean = SessionPhoto.full_clean

    def concurrent_upload(photo, *args, **kwargs):
        original_full_clean(photo, *args, **kwargs)
        SessionPhoto.objects.create(session=world.session, image="x.jpg", thumbnail="y.jpg", width=1, height=1,
                                    sha256=photo.sha256, uploaded_by=clerk, uploaded_at=NOW)

    monkeypatch.setattr(SessionPhoto, "full_clean", concurrent_upload)
    error = refused(world, clerk, data=data)
    assert error.code == "one_use_per_photo"
    stored = [p for p in (settings.MEDIA_ROOT / "photos").rglob("*") if p.is_file()]
    assert stored == []


def test_at_most_12_photos_per_session(world, clerk):
    for n in range(policy.MAX_PHOTOS_PER_SESSION):
        add(world, clerk, data=jpeg(color=(20 * n, 250 - 20 * n, 7)))
    error = refused(world, clerk, data=jpeg(color=(0, 0, 99)))
    assert error.code == "photo_limit_reached"
    assert "最多12张" in error.messages[0]
    assert world.session.photos.count() == 12
    # Another session of the class still takes photos.
    other = factories.SessionFactory(training_class=world.training_class, held_on=NOW.date(),
                                     starts_at=datetime.time(9, 0), hours=2)
    assert add(world, clerk, data=jpeg(color=(0, 0, 99)), session=other).session == other


def test_only_a_clerk_of_the_class_institution_uploads(world):
    for user in (factories.institution_user(world.other_class.institution), factories.hr_user("hr_photo")):
        assert refused(world, user).code == "not_class_institution"
    assert not SessionPhoto.objects.exists()


def test_a_bad_file_is_refused_before_anything_is_written(world, clerk, settings):
    error = refused(world, clerk, data=b"GIF89a" + b"\x00" * 40)
    assert error.code == "photo_type_refused"
    assert not SessionPhoto.objects.exists()
    assert not (settings.MEDIA_ROOT / "photos").exists()


# --- Remote inspection (视频调阅) ------------------------------------------------------------

def test_hr_records_a_remote_inspection_of_the_class(world):
    hr = factories.hr_user("hr_video")
    inspection = services.record_remote_inspection(
        world.training_class, by=hr, inspected_on=NOW.date(), findings="  课次照片与到课人数一致 ",
        follow_up="", is_compliant=True, today=NOW.date())
    inspection.refresh_from_db()
    assert (inspection.method, inspection.training_class, inspection.institution, inspection.inspector) == (
        InspectionMethod.VIDEO, world.training_class, world.training_class.institution, hr)
    assert (inspection.findings, inspection.is_compliant, inspection.inspected_on) == (
        "课次照片与到课人数一致", True, NOW.date())


@pytest.mark.parametrize("who, findings, day, code", [
    ("clerk", "照片正常", NOW.date(), "not_hr"),
    ("hr", "  ", NOW.date(), "findings_required"),
    ("hr", "照片正常", NOW.date() + datetime.timedelta(days=1), "inspected_in_future"),
])
def test_a_remote_inspection_is_refused(world, clerk, who, findings, day, code):
    user = clerk if who == "clerk" else factories.hr_user("hr_video")
    with pytest.raises(ValidationError) as caught:
        services.record_remote_inspection(world.training_class, by=user, inspected_on=day, findings=findings,
                                          is_compliant=False, today=NOW.date())
    assert caught.value.code == code and "三(七)" in caught.value.messages[0]
    assert not Inspection.objects.exists()
