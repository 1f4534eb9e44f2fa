"""Browser tests: pytest-playwright driving Debian's chromium against a live server.

Skipped, with the reason shown, where /usr/bin/chromium or playwright is missing; CI installs
both. Screenshots of every step go to e2e-screenshots/ (a CI artefact); those of every portal
page at 360 and 1366 pixels to e2e-screenshots/widths/.
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "e2e-screenshots"


def pytest_collection_modifyitems(config, items):
    missing = None
    if not Path(CHROMIUM).exists():
        missing = "浏览器测试需要 Debian 的 chromium(apt-get install chromium fonts-wqy-microhei)"
    else:
        try:
            # Probing an optional package: the import is the check.
            import playwright  # noqa: F401, PLC0415
        except ImportError:
            missing = "浏览器测试需要 pytest-playwright(make test 会安装)"
    if missing and os.environ.get("E2E_REQUIRED"):
        raise pytest.UsageError(f"E2E_REQUIRED is set but {missing}")
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            if missing:
                item.add_marker(pytest.mark.skip(reason=missing))


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--lang=zh-CN"],
    }


@pytest.fixture(scope="session")
def shots():
    # Only the journeys' own pictures are replaced: sub-folders (widths/) belong to other tests.
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    counter = iter(range(1, 1000))

    def shot(page, name):
        page.screenshot(path=str(SHOTS / f"{next(counter):02d}-{name}.png"), full_page=True)

    return shot
