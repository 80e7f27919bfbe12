"""Chromium through the main flows of the real portal: sign in, detect, watch progress, verdict, report download;
another member's job; generation request, supervisor approval, play and download. Screenshots of every step."""

import re

from playwright.sync_api import expect

from tests.browser.steps import PLAYS, face_photo, fill_generation, opened_job


def test_detection_flow(page_as, shot, face_video, tmp_path):
    page = page_as("member")
    shot(page, "1-signed-in")
    page.click("nav >> text=Detect")
    page.set_input_files("input[name=video]", str(face_video))
    page.select_option("select[name=detector]", "sbi_mobilenet_v2")
    page.fill("input[name=frames]", "8")
    shot(page, "2-form")
    page.click("main button[type=submit]")
    opened_job(page)
    shot(page, "3-progress")
    expect(page.locator("#job-progress")).to_be_visible()
    expect(page.locator(".verdict-line")).to_be_visible(timeout=180000)  # the page polls, then reloads
    shot(page, "4-verdict")
    assert re.search(r"\b(REAL|FAKE|INCONCLUSIVE)\b", page.locator(".verdict-line").first.inner_text())
    with page.expect_download() as info:
        page.click("text=Download the JSON report")
    download = info.value
    assert re.fullmatch(r"job\d+-faces-report\.json", download.suggested_filename)  # the job and the user's file
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert b'"verdict"' in saved.read_bytes() or b'"fake_probability"' in saved.read_bytes()
    job_url = page.url

    other = page_as("member")  # another member tries the job and its files
    response = other.goto(job_url)
    assert response.status == 404
    shot(other, "5-other-member-404")
    assert other.goto(job_url + "/status.json").status == 404


def test_generation_flow(page_as, shot, face_video, tmp_path):
    page = page_as("member")
    fill_generation(page, face_photo(tmp_path), face_video, "Browser test of the supervised generation flow.",
                    swapper="classical", faces="largest")
    shot(page, "1-request")
    page.click("main button[type=submit]")
    if "choose-face" in page.url or page.locator("input[name=face]").count():
        shot(page, "1b-choose-face")
        page.fill("input[name=face]", "1")
        page.click("main button[type=submit]")
    job_id = opened_job(page)
    shot(page, "2-pending-review")

    sup = page_as("supervisor")
    sup.goto("/review")
    shot(sup, "3-review-queue")
    sup.goto(f"/review/{job_id}")
    sup.fill("textarea[name=reason]", "Consent on file; research use.")
    shot(sup, "4-decision")
    sup.click("button[value=approve]")

    page.goto(f"/jobs/{job_id}")
    expect(page.locator("#swapped video")).to_be_visible(timeout=180000)
    playing = page.evaluate(PLAYS, "#swapped video")
    shot(page, "5-result-video")
    assert playing == "playing", playing
    link = page.locator("a[href^='/files/']", has_text=re.compile("download", re.I)).first
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename.startswith(f"job{job_id}-faces")

    page.goto("/notifications")  # approved, then finished: both told to the requester
    expect(page.locator("li.notification", has_text=f"request #{job_id} was approved")).to_be_visible()
    expect(page.locator("li.notification", has_text=f"generation job #{job_id} finished")).to_be_visible()
    shot(page, "6-notifications")
