"""What a person sees on the job, review and history pages in Chromium: live status, an ensemble side by side,
faces beside their heatmaps, the checked video playing, named downloads; a review by two buttons with the chosen
face and the target video. Screenshots of every step under test-artifacts/screenshots/."""

import base64
import re
import zlib

from playwright.sync_api import expect

from tests.browser.steps import PLAYS, face_photo, fill_generation, opened_job


def pdf_text(data: bytes) -> bytes:
    """The page streams of a reportlab PDF, inflated, so a test can look for the words it prints."""
    out = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = m.group(1).strip()
        try:
            raw = base64.a85decode(raw[:-2] if raw.endswith(b"~>") else raw)
        except ValueError:
            pass
        try:
            out.append(zlib.decompress(raw))
        except zlib.error:
            pass
    return b"\n".join(out)


def two_detectors(page) -> list[str]:
    options = page.locator("select[name=detector] option").evaluate_all("os => os.map(o => o.value)")
    frame = [o for o in options if o.startswith(("sbi_mobilenet", "meso4"))]
    return (frame + [o for o in options if o not in frame])[:2]


def test_detection_page_live_ensemble_faces_video_and_named_report(page_as, shot, face_video, tmp_path):
    named = tmp_path / "Interview Clip 7.mp4"
    named.write_bytes(face_video.read_bytes())
    page = page_as("member")
    page.goto("/detect")
    first, second = two_detectors(page)
    page.set_input_files("input[name=video]", str(named))
    page.select_option("select[name=detector]", first)
    page.select_option("select[name=ensemble]", [second])
    page.fill("input[name=frames]", "16")
    shot(page, "1-form")
    page.click("main button[type=submit]", no_wait_after=True)
    job_id = opened_job(page, timeout=90000)

    # Live: while the stage moves, the badge reads "running" and the start time is filled in, without a reload.
    expect(page.locator("#job-status .status")).to_have_text("running", timeout=60000)
    expect(page.locator("#job-started")).not_to_have_text("–")
    expect(page.locator("#job-stage")).not_to_have_text(re.compile(r"^(queued|waiting for a worker)$"))
    shot(page, "2-running")

    expect(page.locator(".verdict-line")).to_be_visible(timeout=180000)
    expect(page.locator("#job-status .status")).to_have_text("succeeded")
    expect(page.locator("#job-finished")).not_to_have_text("–")
    path = shot(page, "3-verdict")
    page.locator(".plots").screenshot(path=str(path.with_name(path.name.replace("3-verdict", "3b-plots"))))

    # One line per detector plus the combined one, and the detectors side by side with their AUC.
    series = page.locator("figure.timeline").get_attribute("data-series").split("|")
    assert series[:2] == [first, second] and series[2].startswith("combined"), series
    expect(page.locator("figure.timeline figcaption")).to_contain_text(second)
    comparison = page.locator("figure.comparison img")
    expect(comparison).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", comparison.element_handle()) > 100

    # Faces paired with heatmaps (when the detector explains itself), enlarged by a click.
    pairs = page.locator("figure.face-pair")
    assert pairs.count() > 0
    pairs.first.locator("a.enlarge").first.click()
    expect(page.locator("#lightbox")).to_be_visible()
    expect(page.locator("#lightbox figcaption")).to_contain_text("frame")
    shot(page, "4-enlarged-face")
    page.keyboard.press("Escape")
    expect(page.locator("#lightbox")).to_be_hidden()

    # The checked video plays on the result page.
    expect(page.locator("#input-media h2")).to_contain_text("Interview Clip 7.mp4")
    assert page.evaluate(PLAYS, "#input-media video") == "playing"

    # Derived images fold into one row each in the Files table.
    rows = page.locator("#files tbody > tr")
    thumbs = page.locator("#files tr.group-row", has_text="thumbnails")
    expect(thumbs).to_contain_text(f"{pairs.count()} thumbnail images")
    assert rows.count() <= 8, rows.all_inner_texts()
    shot(page, "5-files")

    with page.expect_download() as info:
        page.click("text=Download the PDF report")
    assert info.value.suggested_filename == f"job{job_id}-interview-clip-7-report.pdf"
    text = pdf_text(open(info.value.path(), "rb").read())
    assert b"Interview Clip 7.mp4" in text and b"Requested by" in text and b"640x360" in text

    status = page.request.get(f"/jobs/{job_id}/status.json").json()
    assert status["status"] == "succeeded" and status["started_at"] and status["duration_text"].endswith("s")

    # History: found by part of its file name and by day, with its file, detectors and a face thumbnail.
    page.click("nav >> text=My jobs")
    assert page.locator("select[name=kind] option").all_inner_texts() == ["any", "detection", "generation"]
    page.fill("input[name=q]", "clip 7")
    page.click("#history-filters button[type=submit]")
    row = page.locator("tr.job-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Interview Clip 7.mp4")
    expect(row.locator(".detector")).to_have_text(f"{first} + {second}")
    assert page.evaluate("(img) => img.naturalWidth", row.locator("td.thumb img").element_handle()) > 0
    assert row.locator("progress").count() == 0  # a finished job shows its badge, not a bar
    shot(page, "6-history-search")
    page.fill("input[name=q]", "holiday")
    page.click("#history-filters button[type=submit]")
    expect(page.locator("#no-match")).to_be_visible()
    page.goto("/jobs?since=2001-01-01&until=2001-12-31")
    expect(page.locator("#no-match")).to_be_visible()


def test_review_by_two_buttons_with_chosen_face_and_target_video(page_as, shot, face_video, tmp_path):
    photo = face_photo(tmp_path)
    sup = page_as("supervisor")

    # A supervisor's own request: no decision form on its review page.
    fill_generation(sup, photo, face_video, "A supervisor's own request, decided by someone else.", faces="largest")
    sup.click("main button[type=submit]")
    own_id = opened_job(sup)
    expect(sup.locator("img.face-crop")).to_be_visible()
    sup.goto(f"/review/{own_id}")
    expect(sup.locator("#own-request")).to_be_visible()
    assert sup.locator("#decision, button[value=approve]").count() == 0
    shot(sup, "1-own-request")

    page = page_as("member")
    fill_generation(page, photo, face_video, "Browser test of the two-button review.")
    page.click("main button[type=submit]")
    job_id = opened_job(page)
    expect(page.locator("img.face-crop")).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", page.locator("img.face-crop").element_handle()) > 20
    shot(page, "2-request-page")

    sup.goto("/jobs")
    expect(sup.locator("#nav-pending .badge")).to_have_text(re.compile(r"^[1-9]\d*$"))  # the member's request
    sup.goto(f"/review/{job_id}")
    expect(sup.locator("img.face-crop")).to_be_visible()
    assert sup.evaluate(PLAYS, "figure.target video") == "playing"
    assert sup.locator("select[name=decision]").count() == 0
    shot(sup, "3-review")
    sup.click("button[value=reject]")  # without a reason: refused, nothing decided
    expect(sup.locator(".flash-error")).to_contain_text("reason")
    sup.fill("textarea[name=reason]", "The purpose does not say which study this is for.")
    sup.click("button[value=reject]")
    expect(sup.locator(".flash")).to_contain_text(f"Request #{job_id} rejected")
    # The requester's open job page follows the decision by itself (it polls, then reloads).
    expect(page.locator("#job-status .status")).to_have_text("rejected", timeout=30000)
    expect(page.locator("#job-error")).to_contain_text("which study", timeout=30000)
    shot(page, "4-rejected")

    # The requester hears of it: a badge in the header and the message in the list, linked to the job.
    expect(page.locator("#nav-notifications .badge")).to_have_text("1")
    page.click("#nav-notifications")
    note = page.locator("li.notification.unread")
    expect(note).to_contain_text(f"Your generation request #{job_id} was rejected")
    expect(note).to_contain_text("which study")
    shot(page, "5-notifications")
    page.click("text=Mark all as read")
    expect(page.locator("li.notification.unread")).to_have_count(0)
    expect(page.locator("#nav-notifications .badge")).to_have_count(0)


def test_generation_form_keeps_what_was_written(page_as, shot, tmp_path, face_video):
    import numpy as np
    from PIL import Image

    blank = tmp_path / "wall.png"
    Image.fromarray(np.full((240, 320, 3), 180, np.uint8)).save(blank)
    page = page_as("member")
    fill_generation(page, blank, face_video, "Purpose that must survive an error.", consent=False)
    page.fill("input[name=consent_subject]", "Kept Name")
    page.click("main button[type=submit]")  # no consent ticked
    expect(page.locator(".field .error")).to_contain_text("consent")
    expect(page.locator("textarea[name=purpose]")).to_have_value("Purpose that must survive an error.")
    expect(page.locator("input[name=consent_subject]")).to_have_value("Kept Name")
    page.set_input_files("input[name=source]", str(blank))
    page.set_input_files("input[name=target]", str(face_video))
    page.check("input[name=consent]")
    page.click("main button[type=submit]")  # a photo with no face
    expect(page.locator(".flash-error")).to_contain_text("No face was found")
    expect(page.locator("textarea[name=purpose]")).to_have_value("Purpose that must survive an error.")
    expect(page.locator("input[name=consent_subject]")).to_have_value("Kept Name")
    expect(page.locator("input[name=consent]")).to_be_checked()
    shot(page, "1-kept-after-error")


def test_admin_sets_the_default_detector_and_finds_people_in_the_audit(page_for, users, shot):
    _, email, password = users("admin")
    admin = page_for(email, password)
    admin.goto("/admin/detectors/")
    expect(admin.locator("#components")).to_contain_text("Face swappers")
    expect(admin.locator("#components")).to_contain_text("Face finders")
    options = admin.locator("#default-detector select option").evaluate_all("os => os.map(o => o.value)")
    before = admin.locator("#default-detector select").input_value()
    chosen = next(o for o in reversed(options) if o != before)
    admin.select_option("#default-detector select", chosen)
    admin.click("#default-detector button[type=submit]")
    expect(admin.locator(".flash")).to_contain_text(f"{chosen} is now the default detector")
    shot(admin, "1-detectors")
    admin.goto("/detect")
    expect(admin.locator("select[name=detector]")).to_have_value(chosen)
    admin.goto("/admin/detectors/")  # the lab's default again, for the other tests of this session
    admin.select_option("#default-detector select", before)
    admin.click("#default-detector button[type=submit]")
    expect(admin.locator(".flash")).to_contain_text(f"{before} is now the default detector")

    # The audit log finds the admin by part of their name and reads the event in words.
    admin.goto("/audit")
    admin.fill("input[name=user]", email.split("-")[1][:5])  # a fragment of the generated address
    admin.click("form.filters button[type=submit]")
    rows = admin.locator("table.audit tbody tr", has_text="detector.default")
    expect(rows.filter(has_text=f"detector {chosen}")).to_have_count(1)
    shot(admin, "2-audit")
    assert admin.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")  # header included
    assert admin.evaluate("""() => document.querySelector('table.audit').getBoundingClientRect().right
                                  <= document.querySelector('main').getBoundingClientRect().right""")
    admin.fill("input[name=user]", "nobody-matches-this")
    admin.click("form.filters button[type=submit]")
    expect(admin.locator("#no-match")).to_be_visible()


def test_several_videos_in_one_submission_are_one_job_each_grouped(page_as, shot, face_video, tmp_path):
    files = []
    for name in ("Lecture A.mp4", "Lecture B.mp4"):
        (tmp_path / name).write_bytes(face_video.read_bytes())
        files.append(str(tmp_path / name))
    page = page_as("member")
    page.goto("/detect")
    primary = page.locator("select[name=detector]").input_value()
    assert page.locator(f"select[name=ensemble] option[value='{primary}']").is_disabled()  # not offered twice
    page.set_input_files("input[name=video]", files)
    page.fill("input[name=frames]", "8")
    page.click("main button[type=submit]", no_wait_after=True)
    page.wait_for_url(re.compile(r".*/jobs\?batch=[0-9a-f]{8}$"), timeout=90000)
    expect(page.locator(".flash", has_text="2 checks submitted together")).to_be_visible()
    rows = page.locator("tr.job-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Lecture B.mp4")
    expect(rows.nth(1)).to_contain_text("Lecture A.mp4")
    expect(rows.nth(0).locator("a.batch")).to_have_text("batch of 2")
    shot(page, "1-batch")
