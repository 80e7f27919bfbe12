"""The job page's files panel in Chromium: where the job ran, the owner removing a job's files (record and verdict
kept, duplicate then refused with the reason), and a supervisor's hold that the owner cannot remove around."""

import re

from playwright.sync_api import expect

from tests.browser.steps import request_generation, submit_detection


def _confirming(page):
    page.once("dialog", lambda dialog: dialog.accept())


def test_owner_removes_a_finished_jobs_files_and_the_record_stays(page_for, users, shot, face_video):
    page = page_for(*users("member")[1:])
    job_id = submit_detection(page, face_video, "sbi_mobilenet_v2")
    panel = page.locator("#job-operations")
    expect(panel).to_be_visible()
    expect(page.locator("#job-files-state")).to_have_text("stored")
    expect(page.locator(".verdict-line")).to_be_visible(timeout=180000)
    expect(page.locator("#job-ran-on")).not_to_have_text(re.compile("not started|not recorded"))
    expect(page.locator("#job-duplicate")).to_be_enabled()
    shot(page, "1-panel")

    _confirming(page)
    page.click("#job-delete-files")
    expect(page.locator(".flash", has_text=f"Job {job_id}: files removed")).to_be_visible()
    expect(page.locator("#job-files-state")).to_contain_text("All")
    expect(page.locator("#job-files-state")).to_contain_text("the record, hashes and verdict stay")
    expect(page.locator(".verdict-line")).to_be_visible()  # the verdict stays
    expect(page.locator("#input-removed")).to_be_visible()  # no broken player
    expect(page.locator("#files .removed").first).to_be_visible()
    assert page.locator("#files a", has_text="download").count() == 0
    expect(page.locator("#job-delete-files")).to_have_count(0)
    expect(page.locator("#job-duplicate")).to_be_disabled()
    expect(page.locator("#job-duplicate-blocked")).to_contain_text("no longer kept")
    shot(page, "2-removed")


def test_a_supervisors_hold_keeps_the_owner_from_removing_the_files(page_for, users, shot, face_video, tmp_path):
    page = page_for(*users("member")[1:])
    job_id = request_generation(page, tmp_path, face_video, "Browser test of holding a request's files.")
    expect(page.locator("#job-delete-later")).to_be_visible()  # a waiting request's files cannot go yet
    expect(page.locator("#job-hold-files")).to_have_count(0)  # a member does not hold

    sup = page_for(*users("supervisor")[1:])
    sup.goto(f"/review/{job_id}")
    sup.fill("textarea[name=reason]", "No signed consent form.")
    sup.click("button[value=reject]")
    sup.goto(f"/jobs/{job_id}")
    expect(sup.locator("#job-delete-files")).to_have_count(0)  # not the supervisor's to remove
    sup.fill("#job-operations input[name=reason]", "ethics inquiry")
    sup.click("#job-hold-files")
    expect(sup.locator(".flash", has_text=f"Job {job_id}: files held")).to_be_visible()
    expect(sup.locator("#job-files-held")).to_be_visible()
    expect(sup.locator("#job-hold-files")).to_have_text("Release the hold")
    shot(sup, "1-held-by-supervisor")

    page.goto(f"/jobs/{job_id}")
    expect(page.locator("#job-files-held")).to_be_visible()
    expect(page.locator("#job-delete-held")).to_be_visible()
    expect(page.locator("#job-delete-files")).to_have_count(0)
    shot(page, "2-owner-sees-the-hold")

    sup.click("#job-hold-files")
    expect(sup.locator(".flash", has_text=f"Job {job_id}: files released")).to_be_visible()
    page.goto(f"/jobs/{job_id}")
    _confirming(page)
    page.click("#job-delete-files")
    expect(page.locator("#job-files-state")).to_contain_text("removed on")
    expect(page.locator("#request-files-removed")).to_be_visible()
    shot(page, "3-owner-removed-after-release")

    sup.goto("/audit?action=files.")  # every step audited
    for action in ("files.hold", "files.release", "files.delete"):
        expect(sup.locator("td", has_text=action).first).to_be_visible()
