"""Steps the browser tests share: a face photo on disk, the generation form, the job a form opened, a video playing."""

import re
from pathlib import Path

PLAYS = """async (sel) => { const v = document.querySelector(sel); v.muted = true;
    try { await v.play(); } catch (e) { return 'error: ' + e; }
    await new Promise(r => setTimeout(r, 500)); return v.currentTime > 0 ? 'playing' : 'stalled:' + v.readyState; }"""


def face_photo(folder: Path) -> Path:
    """A JPEG of one real face, written into folder."""
    from PIL import Image

    from tests.videofactory import one_face_photo

    photo = folder / "me.jpg"
    Image.fromarray(one_face_photo()).save(photo)
    return photo


def fill_generation(page, source: Path, target: Path, purpose: str, *, consent: bool = True, **choices) -> None:
    """Open the generation form and fill it (choices: a select's name -> the option to pick); not sent."""
    page.goto("/generate")
    page.set_input_files("input[name=source]", str(source))
    page.set_input_files("input[name=target]", str(target))
    for name, value in choices.items():
        page.select_option(f"select[name={name}]", value)
    page.fill("textarea[name=purpose]", purpose)
    page.fill("input[name=consent_subject]", "Test Subject")
    if consent:
        page.check("input[name=consent]")


def opened_job(page, timeout: int = 60000) -> int:
    """The id of the job page the last submit led to."""
    page.wait_for_url(re.compile(r".*/jobs/\d+$"), timeout=timeout)
    return int(page.url.rsplit("/", 1)[1])


def submit_detection(page, video: Path, detector: str, frames: int = 8) -> int:
    """Submit one video on the detection page; the id of the job it opened."""
    page.goto("/detect")
    page.set_input_files("input[name=video]", str(video))
    page.select_option("select[name=detector]", detector)
    page.fill("input[name=frames]", str(frames))
    page.click("main button[type=submit]")
    return opened_job(page)


def request_generation(page, folder: Path, video: Path, purpose: str) -> int:
    """A member's generation request (a face photo written into folder, the classical swapper); its job id."""
    fill_generation(page, face_photo(folder), video, purpose, swapper="classical")
    page.click("main button[type=submit]")
    return opened_job(page)
