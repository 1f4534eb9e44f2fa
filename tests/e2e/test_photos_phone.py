"""A clerk photographs a session on their phone (360 x 740) for county HR's remote inspection
(三(七) 视频调阅): a wrong file is refused with the reason, a photo is uploaded and its thumbnail
appears on the attendance page, which never scrolls sideways."""

import datetime
from io import BytesIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import Role, UserProfile
from checkin.models import SessionPhoto
from courses.models import ClassStatus
from tests import factories
from tests.checkin.test_photos import GIF, phone_exif

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 360, "height": 740}
PASSWORD = "Photos-2026-skills"
SHOTS = Path(__file__).resolve().parents[2] / "e2e-screenshots" / "photos"


def classroom_photo() -> bytes:
    """A 1600 x 1200 JPEG as a phone writes it (with a GPS location): a board and desks."""
    image = Image.new("RGB", (1600, 1200), (236, 232, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle((200, 120, 1400, 560), fill=(40, 90, 60))
    for row in range(3):
        for seat in range(4):
            x, y = 220 + seat * 320, 700 + row * 160
            draw.rectangle((x, y, x + 220, y + 90), fill=(150, 100, 60))
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=85, exif=phone_exif())
    return buffer.getvalue()


def test_a_clerk_uploads_a_session_photo_on_a_phone(browser, live_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    start = timezone.localtime() - datetime.timedelta(minutes=20)
    training_class = factories.TrainingClassFactory(status=ClassStatus.IN_PROGRESS)
    session = factories.SessionFactory(training_class=training_class, held_on=start.date(),
                                       starts_at=start.time().replace(microsecond=0), hours=4)
    factories.EnrolmentFactory(training_class=training_class, trainee__name="张三")
    clerk = User.objects.create_user("photo_clerk", password=PASSWORD, last_name="王")
    UserProfile.objects.create(user=clerk, role=Role.INSTITUTION, institution=training_class.institution)

    page = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "photo_clerk")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    attendance = f"{live_server.url}/institution/sessions/{session.pk}/attendance/"
    page.goto(attendance)
    panel = page.locator("#photo-panel")
    assert "本课次还没有现场照片" in panel.inner_text()
    assert page.get_attribute("#photo-panel input[type=file]", "accept") == "image/jpeg,image/png"
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "01-panel.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # A GIF renamed .jpg: refused, with the reason and the way back.
    page.set_input_files("#photo-panel input[type=file]",
                         files=[{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": GIF}])
    page.click("#photo-panel button[type=submit]")
    alert = page.locator("[role=alert]")
    assert "不是 JPG 或 PNG 照片" in alert.inner_text()
    page.screenshot(path=str(SHOTS / "02-refused.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not SessionPhoto.objects.exists()
    page.click("text=返回考勤页面")

    page.set_input_files("#photo-panel input[type=file]",
                         files=[{"name": "IMG_20261201_0915.jpg", "mimeType": "image/jpeg", "buffer": classroom_photo()}])
    page.click("#photo-panel button[type=submit]")
    page.wait_for_url(attendance)
    assert "现场照片已上传(本课次第1张" in page.inner_text("ul.messages")
    thumbnail = page.locator("#photo-panel img.photo-thumb")
    thumbnail.wait_for()
    assert page.wait_for_function(
        "() => { const i = document.querySelector('#photo-panel img.photo-thumb');"
        " return i && i.complete && i.naturalWidth > 0; }")
    assert page.evaluate("document.querySelector('#photo-panel img.photo-thumb').naturalWidth") == 320
    assert "1 / 12 张" in page.inner_text("#photo-panel h2")
    page.locator("#photo-panel").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "03-uploaded.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    photo = SessionPhoto.objects.get()
    assert (photo.session_id, photo.uploaded_by_id, photo.width, photo.height) == (session.pk, clerk.pk, 1600, 1200)
