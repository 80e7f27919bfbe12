"""Class-activation heatmaps: CAM arithmetic, a real backbone's CAM on a face, Keras Grad-CAM, the overlay."""

from __future__ import annotations

import numpy as np
import pytest

from models.explain import cam, gradcam_keras, overlay


def test_cam_weights_channels():
    fmap = np.zeros((2, 4, 4), np.float32)
    fmap[0, 0, 0] = 1.0  # channel 0 fires top-left, channel 1 bottom-right
    fmap[1, 3, 3] = 1.0
    heat = cam(fmap, np.array([2.0, -1.0]))
    assert heat.shape == (4, 4) and heat[0, 0] == 1.0 and heat[3, 3] == 0.0
    assert cam(fmap, np.array([-1.0, 2.0]))[3, 3] == 1.0
    assert cam(np.ones((2, 3, 3)), np.ones(2)).max() == 0.0  # flat evidence: no spurious peak


def test_cam_of_a_backbone_peaks_on_the_face():
    from models.torchnets import get_backbone
    from tests.videofactory import real_photo

    net = get_backbone("mobilenet_v2")
    image = real_photo("t1")[200:460, 0:240]  # one face, at about x 55-168, y 60-197 in this crop
    fmap = net.feature_maps([image])[0]
    heat = cam(fmap, net.classifier_weights[903], positive=True)  # "wig": what ImageNet calls a face with hair
    y, x = np.unravel_index(np.argmax(heat), heat.shape)
    cy, cx = (y + 0.5) / heat.shape[0] * 260, (x + 0.5) / heat.shape[1] * 240
    assert 55 <= cx <= 168 and 60 <= cy <= 197
    assert overlay(image, heat).shape == image.shape


def test_gradcam_keras_finds_the_bright_square():
    import keras

    inp = keras.Input((16, 16, 1))
    conv = keras.layers.Conv2D(1, 1, use_bias=False, name="conv")(inp)
    out = keras.layers.Dense(1, name="dense")(keras.layers.GlobalAveragePooling2D()(conv))
    model = keras.Model(inp, out)
    model.get_layer("conv").set_weights([np.ones((1, 1, 1, 1), np.float32)])
    # a positive output weight: with a random (possibly negative) one Grad-CAM's ReLU would zero the map
    model.get_layer("dense").set_weights([np.ones((1, 1), np.float32), np.zeros(1, np.float32)])
    image = np.zeros((16, 16, 1), np.float32)
    image[2:6, 10:14] = 1.0
    heat = gradcam_keras(model, "conv", image)
    assert heat.shape == (16, 16) and heat[3, 11] == 1.0 and heat[12, 3] == 0.0


def test_overlay_keeps_size_and_colours_the_hot_spot():
    face = np.full((64, 48, 3), 128, np.uint8)
    heat = np.zeros((4, 4), np.float32)
    heat[0, 0] = 1.0
    out = overlay(face, heat)
    assert out.shape == face.shape and out.dtype == np.uint8
    assert out[2, 2, 0] > out[2, 2, 2] and out[60, 45, 2] > out[60, 45, 0]  # red hot, blue cold


@pytest.mark.parametrize("name", ["sbi_mobilenet_v2", "blend_consistency"])
def test_frame_explainer_of_the_shipped_detectors(name):
    from models.detectors import load_detector
    from models.explain.frames import FrameExplainer
    from tests.videofactory import one_face_photo

    thumbs = [np.ascontiguousarray(one_face_photo()[:96, :96])] * 2
    out = FrameExplainer(load_detector(name, None)).overlays(thumbs)
    if name == "blend_consistency":  # measurements, no network: nothing to explain
        assert out == []
    else:
        assert len(out) == 2 and out[0].shape == (96, 96, 3) and out[0].dtype == np.uint8


def test_frame_explainer_follows_p_fake_of_mesonet(shared_weights):
    from models.detectors import load_detector
    from models.explain.frames import FrameExplainer
    from tests.videofactory import one_face_photo

    explainer = FrameExplainer(load_detector("meso4_df", shared_weights))
    out = explainer.overlays([np.ascontiguousarray(one_face_photo()[:96, :96])])
    assert len(out) == 1 and out[0].shape == (96, 96, 3)
    assert explainer._fake_model() is explainer._fake_model()  # the P(fake) graph is built once
