"""The verdict report as a PDF (reportlab): verdict, timeline, faces, rule, model card, warnings, provenance."""

from __future__ import annotations

import io
from typing import Any, Optional

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

_STYLES = getSampleStyleSheet()
_SMALL = ParagraphStyle("small", parent=_STYLES["BodyText"], fontSize=8, leading=10)
_VERDICT_COLOURS = {"REAL": colors.HexColor("#2e7d32"), "FAKE": colors.HexColor("#c62828")}


def _verdict_block(report: dict) -> list:
    colour = _VERDICT_COLOURS.get(report["verdict"], colors.black)
    style = ParagraphStyle("verdict", parent=_STYLES["Title"], textColor=colour, alignment=0)
    calibrated = report.get("calibrated_fake_probability")
    lines = [f"P(fake) of the video: <b>{report['fake_probability']:.3f}</b> by the <i>{report['aggregation']}</i> "
             f"rule over {sum(f['fake_probability'] is not None for f in report['frames'])} of "
             f"{len(report['frames'])} sampled frames with a face."]
    if calibrated is not None:
        lines.append(f"Calibrated probability of a fake: <b>{calibrated:.3f}</b>.")
    if report["verdict"] == "INCONCLUSIVE":
        headline = f"INCONCLUSIVE: P(fake) {report['fake_probability']:.2f}, the evidence does not settle it"
    else:
        headline = f"{report['verdict']}: {report['confidence'] * 100:.0f}% probability that the video is " \
                   f"{report['verdict'].lower()}"
    return [Paragraph(headline, style)] + [Paragraph(line, _STYLES["BodyText"]) for line in lines]


def video_properties(video: Optional[dict]) -> str:
    """'1280x720, 25.00 fps, 9.6 s, h264, with audio' from the probe stored in the report."""
    if not video:
        return "not recorded"
    parts = [f"{video['width']}x{video['height']}"]
    if video.get("fps"):
        parts.append(f"{video['fps']:.2f} fps")
    if video.get("duration"):
        parts.append(f"{video['duration']:.1f} s")
    if video.get("frames"):
        parts.append(f"{video['frames']} frames")
    parts += [video.get("codec") or "", "with audio" if video.get("has_audio") else "no audio"]
    return ", ".join(p for p in parts if p)


def _about(report: dict) -> Table:
    """Which file, whose request, what the video is: the facts a reader checks first."""
    rows = [["Input file", report.get("input_name") or "(not named)"],
            ["Requested by", " ".join(x for x in (report.get("requester", ""),
                                                  f"<{report['requester_email']}>" if report.get("requester_email")
                                                  else "") if x) or "-"],
            ["Video", video_properties(report.get("video"))],
            ["Report created", report["created"]]]
    table = Table([[Paragraph(f"<b>{k}</b>", _SMALL), Paragraph(_escape(v), _SMALL)] for k, v in rows],
                  colWidths=[3.2 * cm, 13.5 * cm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _image(data: bytes, width: float) -> Image:
    img = Image(io.BytesIO(data))
    img.drawHeight = width * img.imageHeight / img.imageWidth
    img.drawWidth = width
    return img


def _thumbnail_grid(thumbs: list[tuple[bytes, str]], per_row: int = 8) -> Optional[Table]:
    if not thumbs:
        return None
    cells = [[_image(data, 2.0 * cm), Paragraph(caption, _SMALL)] for data, caption in thumbs]
    rows = [[Table([[c[0]], [c[1]]]) for c in cells[i:i + per_row]] for i in range(0, len(cells), per_row)]
    rows[-1] += [""] * (per_row - len(rows[-1]))
    return Table(rows, colWidths=[2.2 * cm] * per_row)


def _card_table(card: dict) -> Table:
    metrics = ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                        for k, v in (card.get("metrics") or {}).items() if not isinstance(v, (dict, list)))
    rows = [["Model", card["name"]], ["Architecture", card.get("architecture", "")],
            ["Training data", card.get("training_data", "")],
            ["Measured", (metrics or "no measurement recorded")
             + (f" on {card['measured_on']}" if card.get("measured_on") else "")]]
    if card.get("note"):
        rows.append(["Reliability", Paragraph(card["note"], _SMALL)])
    table = Table([[Paragraph(f"<b>{k}</b>", _SMALL), v if not isinstance(v, str) else Paragraph(v, _SMALL)]
                   for k, v in rows], colWidths=[3.2 * cm, 13.5 * cm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _members(members: list[dict]) -> list:
    """A table of each detector's own score when several were asked or one was calibrated."""
    if len(members) < 2 and not any(m.get("calibrated_fake_probability") is not None for m in members):
        return []
    rows = [["Detector", "Verdict", "P(fake)", "Calibrated", "AUC", "Accuracy"]]
    for m in members:
        cal, metrics = m.get("calibrated_fake_probability"), m.get("metrics") or {}
        rows.append([m["model"], m["verdict"], f"{m['fake_probability']:.3f}", "-" if cal is None else f"{cal:.3f}",
                     f"{metrics['auc']:.3f}" if "auc" in metrics else "-",
                     f"{metrics['accuracy']:.3f}" if "accuracy" in metrics else "-"])
    table = Table(rows)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey), ("FONTSIZE", (0, 0), (-1, -1), 8)]))
    return [Paragraph("Detectors", _STYLES["Heading3"]), table]


def build_pdf(report: dict[str, Any], cards: list[dict], plot_png: bytes, thumbs: list[tuple[bytes, str]],
              heatmaps: Optional[list[tuple[bytes, str]]] = None, comparison_png: Optional[bytes] = None) -> bytes:
    """A PDF of the detection report; thumbs / heatmaps are (JPEG or PNG bytes, caption)."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=1.5 * cm,
                            title=f"Detection report, job {report['job_id']}", author=report["portal"])
    story = [Paragraph(f"Detection report · job {report['job_id']}", _STYLES["Heading1"])]
    story += [_about(report), Spacer(1, 0.3 * cm)]
    story += _verdict_block(report)
    if report.get("provenance"):
        story.append(Paragraph(f"<b>Generated by this portal, job {report['provenance']['job_id']}</b> "
                               "(watermark or provenance manifest found in the file).", _STYLES["BodyText"]))
    story += [Paragraph(f"Warning: {w}", ParagraphStyle("w", parent=_STYLES["BodyText"], textColor=colors.brown))
              for w in report.get("warnings", [])]
    story += [Spacer(1, 0.3 * cm), _image(plot_png, 16.5 * cm), Spacer(1, 0.3 * cm)]
    if comparison_png:
        story += [_image(comparison_png, 9 * cm), Spacer(1, 0.3 * cm)]
    for title, images in (("Faces scored", thumbs), ("Where the model looked (heatmaps)", heatmaps or [])):
        grid = _thumbnail_grid(images)
        if grid is not None:
            story += [Paragraph(title, _STYLES["Heading3"]), grid]
    story += _members(report.get("models") or [])
    for card in cards:
        story += [Paragraph(f"Model card: {card['name']}", _STYLES["Heading3"]), _card_table(card)]
    story += [Spacer(1, 0.3 * cm), Paragraph(f"Input sha256 {report['input_sha256']}<br/>"
                                             f"Weights sha256 {report['weights_sha256']}<br/>"
                                             f"Created {report['created']} by {report['portal']}", _SMALL)]
    doc.build(story)
    return buf.getvalue()
