"""Duplicate in Chromium: a detection again on its stored file with the detector choice prefilled and changed; a
rejected generation request copied into the review queue, where a supervisor decides it afresh."""


from playwright.sync_api import expect

from tests.browser.steps import opened_job, request_generation, submit_detection


def test_a_detection_is_duplicated_with_its_detectors_prefilled(page_for, users, shot, face_video):
    page = page_for(*users("member")[1:])
    source = submit_detection(page, face_video, "sbi_mobilenet_v2")

    page.click("#job-duplicate")
    page.wait_for_url(f"**/jobs/{source}/duplicate")
    expect(page.locator("table.inputs")).to_contain_text("faces.mp4")
    expect(page.locator("select[name=detector]")).to_have_value("sbi_mobilenet_v2")  # prefilled from the job
    expect(page.locator("input[name=frames]")).to_have_value("8")
    page.select_option("select[name=ensemble]", ["blend_consistency"])
    shot(page, "1-prefilled-form")
    page.click("#duplicate-submit")
    copy = opened_job(page)
    assert copy != source
    expect(page.locator(".flash", has_text=f"Job #{copy} runs on the input of job #{source}")).to_be_visible()
    expect(page.locator("#job-duplicate-of")).to_contain_text(f"job #{source}")
    expect(page.locator("#files")).to_contain_text("faces.mp4")
    shot(page, "2-copy")

    page.goto("/jobs")  # both rows, told apart by their detectors; each row offers a duplicate
    row = page.locator("tr.job-row", has=page.locator(f"a[href='/jobs/{copy}']"))
    expect(row.locator(".detector")).to_have_text("sbi_mobilenet_v2 + blend_consistency")
    expect(row.locator("a.duplicate")).to_be_visible()
    shot(page, "3-history")


def test_a_generation_copy_goes_to_review_again(page_for, users, shot, face_video, tmp_path):
    page = page_for(*users("member")[1:])
    source = request_generation(page, tmp_path, face_video, "Browser test of duplicating a request.")

    sup = page_for(*users("supervisor")[1:])
    sup.goto(f"/review/{source}")
    sup.fill("textarea[name=reason]", "Please name the seminar in the purpose.")
    sup.click("button[value=reject]")

    page.goto(f"/jobs/{source}")
    page.click("#job-duplicate")
    expect(page.locator("#duplicate")).to_contain_text("a supervisor reviews it again")
    expect(page.locator("#duplicate")).to_contain_text("Test Subject")
    expect(page.locator("#duplicate")).to_contain_text("Please name the seminar in the purpose.")  # the reason
    expect(page.locator("textarea[name=purpose]")).to_have_value("Browser test of duplicating a request.")
    page.fill("textarea[name=purpose]", "Browser test of duplicating a request, for the spring seminar.")
    shot(page, "1-confirm")
    page.click("#duplicate-submit")
    copy = opened_job(page)
    expect(page.locator(".flash", has_text=f"Request #{copy} (a copy of #{source}) sent")).to_be_visible()
    expect(page.locator("#job-status")).to_have_text("pending review")
    expect(page.locator("#job-duplicate-of")).to_contain_text(f"job #{source}")
    shot(page, "2-copy-pending")

    sup.goto("/review")
    row = sup.locator("tr", has=sup.locator(f"a[href='/review/{copy}']"))
    expect(row).to_contain_text(f"copy of #{source}")
    shot(sup, "3-review-queue")
    sup.goto(f"/review/{copy}")
    expect(sup.locator("#review-duplicate-of")).to_contain_text(f"request #{source}")
    expect(sup.locator("main")).to_contain_text("for the spring seminar")
    expect(sup.locator("button[value=approve]")).to_be_visible()  # decided afresh: nothing carried over
    expect(sup.locator("img.face-crop")).to_be_visible()  # the same chosen face
    shot(sup, "4-review-copy")
