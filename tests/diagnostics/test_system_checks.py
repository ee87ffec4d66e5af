"""Disk, time zone, screen and exam-package checks with controlled inputs: injected
free space, UTC offsets and screen sizes, and a real (fast demo) encrypted package."""

import pytest

from diagnostics.checks import Status
from diagnostics.system_checks import (
    COPIES, STORAGE_BYTES_PER_MINUTE, DayPlan, check_disk, check_package, check_screen, check_timezone,
    default_plan, detect_screen_size, required_bytes,
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from exam_content.demo import write_demo_packages

    return write_demo_packages(tmp_path_factory.mktemp("pkg"), fast=True, languages=("en",))[0]


def test_required_bytes_formula():
    plan = DayPlan(participants=30, recorded_seconds_per_participant=210, longest_answer_s=120, source="package")
    recordings = 30 * 3.5 * STORAGE_BYTES_PER_MINUTE * COPIES
    assert required_bytes(plan) == int(recordings + 120 * 96000 + 200e6)
    assert 600e6 < required_bytes(plan) < 700e6  # 30 students x 3.5 min: about 0.6 GB with margins


@pytest.mark.parametrize("factor, status", [(0.9, Status.FAIL), (1.5, Status.WARN), (2.5, Status.PASS)])
def test_disk_thresholds(tmp_path, factor, status):
    plan = default_plan(30)
    need = required_bytes(plan)
    seen = []

    def free(path):
        seen.append(path)
        return int(need * factor)

    res = check_disk(tmp_path / "not" / "yet", plan, free_bytes=free)
    assert res.status is status, res.text_ru
    assert seen == [tmp_path]  # the nearest existing parent is asked
    assert res.values["required_bytes"] == need and res.values["free_bytes"] == int(need * factor)
    if status is Status.FAIL:
        assert "Освободите" in res.remedy_ru


def test_disk_real_query(tmp_path):
    res = check_disk(tmp_path, default_plan(1))
    assert res.values["free_bytes"] > 0 and res.status in (Status.PASS, Status.WARN, Status.FAIL)


def test_disk_query_error_is_a_failed_check(tmp_path):
    def broken(path):
        raise PermissionError(13, "denied")

    res = check_disk(tmp_path, default_plan(1), free_bytes=broken)
    assert res.status is Status.FAIL and res.message_ru


@pytest.mark.parametrize("offset_h, node_h, status", [
    (3, None, Status.PASS), (10, 10, Status.PASS), (0, None, Status.WARN), (-5, None, Status.WARN),
    (13, None, Status.WARN), (3, 5, Status.WARN), (2, None, Status.PASS), (12, None, Status.PASS)])
def test_timezone(offset_h, node_h, status):
    res = check_timezone(offset_h * 3600, None if node_h is None else node_h * 3600)
    assert res.status is status, res.text_ru


def test_timezone_message_names_both_zones():
    res = check_timezone(3 * 3600, 5 * 3600)
    assert "UTC+3" in res.message_ru and "UTC+5" in res.message_ru


@pytest.mark.parametrize("size, status", [((1024, 768), Status.PASS), ((1920, 1080), Status.PASS),
                                          ((800, 600), Status.FAIL), ((1280, 720), Status.FAIL),
                                          (None, Status.WARN)])
def test_screen(size, status):
    res = check_screen(size)
    assert res.status is status
    if size is None:
        assert "не проверено" in res.message_ru


def test_screen_detection_never_raises(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    assert detect_screen_size() is None
    monkeypatch.setenv("DISPLAY", ":9999")  # no such X server
    assert detect_screen_size() is None


def test_package_structure_without_password(demo):
    res, plan = check_package(demo.build.package_path)
    assert res.status is Status.PASS and res.values["fully_verified"] is False
    assert res.values["package_id"] == demo.build.manifest.package_id
    assert plan.source == "default"


def test_package_fully_verified_gives_the_day_plan(demo):
    res, plan = check_package(demo.build.package_path, demo.password_file, participants=12)
    assert res.status is Status.PASS and res.values["fully_verified"] is True
    # the fast demo: read-aloud 6 s + photo 6 s are recorded (listening is not)
    assert plan == DayPlan(12, 12.0, 6.0, "package")


def test_package_missing_tampered_or_wrong_password(demo, tmp_path):
    res, _ = check_package(None)
    assert res.status is Status.WARN
    res, _ = check_package(tmp_path / "nope.zip")
    assert res.status is Status.FAIL and "не найден" in res.message_ru
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK not really a zip")
    res, _ = check_package(bad)
    assert res.status is Status.FAIL and res.message_ru
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not-the-password\n")
    res, _ = check_package(demo.build.package_path, wrong)
    assert res.status is Status.FAIL and "парол" in (res.message_ru + res.remedy_ru).lower()
