"""Swappers: the classical swap on real photos, and the ONNX swappers' real insightface / onnxruntime
integration paths driven by tiny ONNX models that these tests build (same input/output names and shapes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.landmarks import Dlib68, five_from_68
from models.recognition import DlibDescriptor, distance
from models.swappers import SWAPPERS, get_swapper, swapper_status
from models.types import Face
from tests.models.test_landmarks import hog_faces
from tests.videofactory import real_photo


@pytest.fixture(scope="module")
def scene():
    """t1.jpg, its faces (with 5 landmarks from dlib), and a source photo cropped around one person."""
    t1 = real_photo("t1")
    lm = Dlib68()
    faces = [Face(f.box, 1.0, five_from_68(lm.landmarks(t1, f.box))) for f in hog_faces(t1)]
    source = t1[200:520, 380:640].copy()  # the man at (450..557, 295..402) with some context
    src_face = [Face(f.box, 1.0, five_from_68(lm.landmarks(source, f.box))) for f in hog_faces(source)]
    assert len(src_face) == 1
    targets = [f for f in faces if not (440 < f.box[0] < 460)]  # everyone but the source person
    return t1, targets, source, src_face[0]


def test_status_names_what_is_missing(tmp_path):
    status = swapper_status(tmp_path)
    assert set(status) == set(SWAPPERS)
    assert status["classical"] is None
    assert "inswapper_128" in status["inswapper_128"] and "arcface_w600k_r50" in status["inswapper_128"]
    assert "simswap_256" in status["simswap_256"]


def test_classical_moves_identity_toward_source(scene):
    t1, targets, source, src_face = scene
    swapper = get_swapper("classical")
    identity = swapper.prepare(source, src_face)
    out = t1
    for face in targets:
        out = swapper.swap(out, face, identity)
    d = DlibDescriptor()
    src = d.embed(source, src_face)
    before = np.array([distance(d.embed(t1, f), src) for f in targets])
    after = np.array([distance(d.embed(out, f), src) for f in targets])
    assert (after < before).sum() >= len(targets) - 1
    assert after.mean() < before.mean() - 0.08
    assert np.array_equal(out[:40, :40], t1[:40, :40])  # far from every face: untouched


class _OpenMouth:
    """A landmarker that reports the real 68 points with the lower lip and chin moved down (a mouth opening)."""

    def __init__(self, gap: float) -> None:
        self.inner, self.gap = Dlib68(), gap

    def landmarks(self, frame, box):
        pts = self.inner.landmarks(frame, box).copy()
        pts[[5, 6, 7, 8, 9, 10, 11] + list(range(55, 60)) + [65, 66, 67], 1] += self.gap
        return pts


def test_classical_keeps_the_targets_mouth_interior(scene):
    from models.swappers.blend import mouth_interior

    t1, targets, source, src_face = scene
    face = targets[0]
    swapper = get_swapper("classical", landmarker=_OpenMouth(gap=0.12 * (face.box[3] - face.box[1])))
    out = swapper.swap(t1, face, swapper.prepare(source, src_face))
    import cv2

    pts = swapper.landmarker.landmarks(t1, face.box)
    inside = cv2.erode(mouth_interior(pts, t1.shape[:2]), np.ones((5, 5), np.uint8)) > 0
    assert inside.sum() > 30
    assert np.abs(out[inside].astype(int) - t1[inside]).mean() < 3  # the target's own pixels
    x1, y1, x2, y2 = (int(v) for v in face.box)
    cheeks = np.zeros(t1.shape[:2], bool)
    cheeks[y1 + (y2 - y1) // 3: y1 + (y2 - y1) // 2, x1 + (x2 - x1) // 5: x2 - (x2 - x1) // 5] = True
    assert np.abs(out[cheeks].astype(int) - t1[cheeks]).mean() > 8  # the source's face around it


def test_classical_leaves_no_seam(scene):
    from models.swappers.quality import seam_ratio

    t1, targets, source, src_face = scene
    swapper = get_swapper("classical")
    identity = swapper.prepare(source, src_face)
    lm = Dlib68()
    ratios = []
    for face in targets:
        pts = lm.landmarks(t1, face.box)
        ratios.append(seam_ratio(swapper.swap(t1, face, identity), pts) / seam_ratio(t1, pts))
    assert np.median(ratios) < 1.3, ratios


def test_source_from_a_group_photo_is_aligned_and_upscaled(scene):
    from models.align import aligned_face

    t1, _, source, src_face = scene
    pts = Dlib68().landmarks(source, src_face.box)
    crop, crop_pts = aligned_face(source, pts, 384)
    assert crop.shape == (384, 384, 3)
    assert np.ptp(crop_pts[:, 0]) > 1.8 * np.ptp(pts[:, 0])  # a 100-px face fills the crop
    eyes = crop_pts[36:42].mean(0), crop_pts[42:48].mean(0)
    assert abs(eyes[0][1] - eyes[1][1]) < 4  # upright
    again = Dlib68().landmarks(crop, (*crop_pts.min(0), *crop_pts.max(0)))
    assert np.abs(again - crop_pts).mean() < 0.04 * 384  # the landmarks moved with the face


def test_triangulation_keeps_every_point_when_the_mouth_is_closed(scene):
    from models.landmarks import with_forehead
    from models.swappers.warp import triangles

    t1, targets, _, _ = scene
    pts = with_forehead(Dlib68().landmarks(t1, targets[0].box))
    pts[[65, 66, 67]] = pts[[63, 62, 61]]  # inner lips on top of each other
    tris = triangles(pts)
    assert set(np.unique(tris)) == set(range(len(pts)))
    assert not np.isin(tris, range(60, 68)).all(axis=1).any()


def test_hair_over_the_source_face_is_not_pasted(scene):
    import cv2

    from models.align import aligned_face
    from models.landmarks import with_forehead
    from models.swappers.occlusion import usable

    _, _, source, src_face = scene
    crop, pts = aligned_face(source, Dlib68().landmarks(source, src_face.box), 256)
    pts = with_forehead(pts)
    hairy = crop.copy()
    a = pts[0]  # a dark strand from the temple across the forehead
    cv2.line(hairy, tuple(int(v) for v in a), tuple(int(v) for v in (pts[68] + pts[70]) / 2), (40, 25, 15), 12)
    mask = usable(hairy, pts)
    strand = np.zeros(crop.shape[:2], np.uint8)
    cv2.line(strand, tuple(int(v) for v in a), tuple(int(v) for v in (pts[68] + pts[70]) / 2), 255, 4)
    inside = (strand > 0) & (cv2.fillConvexPoly(np.zeros_like(strand), cv2.convexHull(pts.astype(np.int32)), 1) > 0)
    assert mask[inside].mean() < 100  # the strand is left out
    cheek = tuple(int(v) for v in (pts[3] + pts[31]) / 2)
    assert mask[cheek[1], cheek[0]] > 230 and usable(crop, pts)[inside].mean() > 150


def test_quality_figures():
    from models.landmarks import mouth_opening
    from models.swappers.quality import correlation

    assert np.isnan(correlation([1, 1, 1], [1, 2, 3]))
    assert correlation([0, 1, 2, 3], [0, 2, 4, 7]) > 0.98
    closed = np.zeros((68, 2), np.float32)
    closed[8], closed[27] = (0, 100), (0, 0)
    opened = closed.copy()
    opened[[65, 66, 67], 1] = 20
    assert mouth_opening(closed) == 0 and abs(mouth_opening(opened) - 0.2) < 1e-6


# ---- tiny ONNX models with the real models' interfaces ----------------------------------------


def _save(graph, path: Path) -> Path:
    import onnx
    from onnx import helper

    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def tiny_arcface(path: Path, seed: int = 0) -> Path:
    """input.1 (1,3,112,112) -> (1,512): global average pool then a fixed projection."""
    from onnx import TensorProto, helper, numpy_helper

    w = np.random.default_rng(seed).normal(size=(3, 512)).astype(np.float32)
    nodes = [helper.make_node("GlobalAveragePool", ["input.1"], ["gap"], name="gap"),
             helper.make_node("Flatten", ["gap"], ["flat"], name="flat"),
             helper.make_node("MatMul", ["flat", "W"], ["683"], name="proj")]
    graph = helper.make_graph(nodes, "arcface",
                              [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, 112, 112])],
                              [helper.make_tensor_value_info("683", TensorProto.FLOAT, [1, 512])],
                              [numpy_helper.from_array(w, "W")])
    return _save(graph, path)


def tiny_generator(path: Path, size: int, extra_last: np.ndarray | None = None,
                   seed: int = 1) -> tuple[Path, np.ndarray]:
    """target (1,3,S,S), source (1,512) -> (1,3,S,S) = sigmoid(source @ P) everywhere (a colour set by identity)."""
    from onnx import TensorProto, helper, numpy_helper

    p = np.random.default_rng(seed).normal(size=(512, 3)).astype(np.float32) * 3
    inits = [numpy_helper.from_array(p, "P"), numpy_helper.from_array(np.array([1, 3, 1, 1], np.int64), "shape"),
             numpy_helper.from_array(np.zeros(1, np.float32), "zero")]
    if extra_last is not None:
        inits.append(numpy_helper.from_array(extra_last, "emap"))  # INSwapper reads the last initializer
    nodes = [helper.make_node("MatMul", ["source", "P"], ["c"]), helper.make_node("Reshape", ["c", "shape"], ["c4"]),
             helper.make_node("Mul", ["target", "zero"], ["t0"]), helper.make_node("Add", ["t0", "c4"], ["s"]),
             helper.make_node("Sigmoid", ["s"], ["output"])]
    io = [helper.make_tensor_value_info("target", TensorProto.FLOAT, [1, 3, size, size]),
          helper.make_tensor_value_info("source", TensorProto.FLOAT, [1, 512])]
    output = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 3, size, size])
    graph = helper.make_graph(nodes, "gen", io, [output], inits)
    return _save(graph, path), p


def tiny_converter(path: Path) -> tuple[Path, np.ndarray]:
    from onnx import TensorProto, helper, numpy_helper

    m = np.random.default_rng(2).normal(size=(512, 512)).astype(np.float32)
    graph = helper.make_graph([helper.make_node("MatMul", ["input", "M"], ["output"])], "conv",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 512])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 512])],
                              [numpy_helper.from_array(m, "M")])
    return _save(graph, path), m


def _centre(face: Face) -> tuple[int, int]:
    x1, y1, x2, y2 = face.box
    return int((y1 + y2) / 2), int((x1 + x2) / 2)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_inswapper_integration_with_tiny_models(tmp_path, scene):
    from insightface.model_zoo.inswapper import INSwapper

    t1, targets, source, src_face = scene
    emap = np.random.default_rng(3).normal(size=(512, 512)).astype(np.float32)
    gen, p = tiny_generator(tmp_path / "inswapper_128.onnx", 128, extra_last=emap)
    files = {"inswapper_128": gen, "arcface_w600k_r50": tiny_arcface(tmp_path / "w600k_r50.onnx")}
    swapper = get_swapper("inswapper_128", files=files, providers=["CPUExecutionProvider"])
    assert isinstance(swapper.model, INSwapper) and np.allclose(swapper.model.emap, emap)
    identity = swapper.prepare(source, src_face)
    assert identity.embedding.shape == (512,) and abs(np.linalg.norm(identity.embedding) - 1) < 1e-5
    latent = identity.embedding @ emap
    expected = np.clip(255 * _sigmoid((latent / np.linalg.norm(latent)) @ p), 0, 255)  # RGB
    out = swapper.swap(t1, targets[0], identity)
    y, x = _centre(targets[0])
    assert np.abs(out[y, x].astype(float) - expected).max() <= 2.0
    assert np.array_equal(out[:40, :40], t1[:40, :40])


def test_simswap_integration_with_tiny_models(tmp_path, scene):
    t1, targets, source, src_face = scene
    gen, p = tiny_generator(tmp_path / "simswap_256.onnx", 256)
    conv, m = tiny_converter(tmp_path / "conv.onnx")
    files = {"simswap_256": gen, "arcface_converter_simswap": conv,
             "arcface_w600k_r50": tiny_arcface(tmp_path / "w600k_r50.onnx")}
    swapper = get_swapper("simswap_256", files=files, providers=["CPUExecutionProvider"])
    identity = swapper.prepare(source, src_face)
    raw = swapper.recogniser.embed(source, src_face)
    conv_emb = raw @ m
    assert np.allclose(identity.embedding, conv_emb / np.linalg.norm(conv_emb), atol=1e-5)
    out = swapper.swap(t1, targets[1], identity)
    expected = 255 * _sigmoid(identity.embedding @ p)
    y, x = _centre(targets[1])
    assert np.abs(out[y, x].astype(float) - expected).max() <= 2.0
    assert np.array_equal(out[:40, :40], t1[:40, :40])


def test_simswap_refuses_a_model_of_the_wrong_size(tmp_path):
    from models.errors import WeightsMismatch

    gen, _ = tiny_generator(tmp_path / "g.onnx", 128)
    conv, _ = tiny_converter(tmp_path / "conv.onnx")
    files = {"simswap_256": gen, "arcface_converter_simswap": conv,
             "arcface_w600k_r50": tiny_arcface(tmp_path / "a.onnx")}
    with pytest.raises(WeightsMismatch):
        get_swapper("simswap_256", files=files, providers=["CPUExecutionProvider"])
