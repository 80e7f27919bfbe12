"""Each person's row says what the headline says, on the same terms: calibrated like the headline, averaged over the
same detectors, decided with the same band (a raw 0.79 once read FAKE under an INCONCLUSIVE headline of 0.66)."""

from models.types import DetectionResult, PersonScore


def _run(model: str, people: list[tuple[int, float]]) -> tuple[None, DetectionResult]:
    scored = [PersonScore(track=t, frames=8, fake_probability=p, verdict="FAKE" if p >= 0.5 else "REAL")
              for t, p in people]
    top = max(p for _, p in people)
    return None, DetectionResult("FAKE", top, "mean", model, "0" * 64, [], people=scored, person=0)


def test_people_are_calibrated_and_banded_like_the_headline(app):
    from workers.detection import _members, _verdict, calibrated

    runs = [_run("sbi_mobilenet_v2", [(0, 0.717), (1, 0.791), (2, 0.2)])]
    with app.app_context():
        members = _members(runs)
        result = _verdict(None, runs, members)
        expected = [calibrated("sbi_mobilenet_v2", p)[0] for p in (0.717, 0.791, 0.2)]
    assert [round(p.fake_probability, 6) for p in result.people] == [round(p, 6) for p in expected]
    low, high = members[0]["band"]
    for person in result.people:
        inside = low < person.fake_probability < high
        assert person.verdict == ("INCONCLUSIVE" if inside else "FAKE" if person.fake_probability >= high else "REAL")
    top = max(result.people, key=lambda p: p.fake_probability)
    assert result.verdict == top.verdict and round(result.fake_probability, 6) == round(top.fake_probability, 6)


def test_an_ensembles_people_average_the_calibrated_members(app):
    from workers.detection import _members, _verdict, calibrated

    runs = [_run("sbi_mobilenet_v2", [(0, 0.9), (1, 0.1)]), _run("blend_consistency", [(0, 0.7), (1, 0.3)])]
    with app.app_context():
        members = _members(runs)
        result = _verdict(None, runs, members)
        person0 = (calibrated("sbi_mobilenet_v2", 0.9)[0] + calibrated("blend_consistency", 0.7)[0]) / 2
    assert [p.track for p in result.people] == [0, 1]
    assert abs(result.people[0].fake_probability - person0) < 1e-9
