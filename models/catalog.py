"""Every weights file the portal knows: where it lives under MODELS_DIR, where it comes from, its sha256, its licence.

No ML imports here: the portal reads this to say which models are available.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

MESONET_COMMIT = "2144d56a30e48cdcac1976ff13a1c5cdc86376c6"
LRNET_COMMIT = "9a172a0ccebea85556ca2b385645342806e24bc8"
_MESONET_URL = f"https://raw.githubusercontent.com/DariusAf/MesoNet/{MESONET_COMMIT}/weights/"
_LRNET_URL = f"https://raw.githubusercontent.com/frederickszk/LRNet/{LRNET_COMMIT}/"
_KERAS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"


@dataclass(frozen=True)
class WeightsFile:
    """One downloadable file: `path` is relative to MODELS_DIR; `url` is None when only a model pack holds it."""

    name: str
    path: str
    url: Optional[str]
    sha256: Optional[str]
    licence: str
    kind: str  # detector, face_detector, swapper, landmarker, backbone
    note: str = ""
    builtin: bool = False  # shipped in models/builtin/ (same relative path): works offline with no download


CATALOG: dict[str, WeightsFile] = {
    w.name: w
    for w in [
        WeightsFile("sbi_mobilenet_v2", "sbi/sbi_mobilenet_v2.pt", None,
                    "480642d4b3e1190d610d8a74dce65a15ebfd19a5c0a30f94214e25afa996346c",
                    "the lab's own weights (trained on the public-dev set: research use inside the lab); ImageNet "
                    "MobileNetV2 trunk BSD-3-Clause (torchvision)", "detector",
                    "the lab's SBI detector; shipped in models/builtin", builtin=True),
        WeightsFile("blend_consistency", "consistency/blend_consistency.json", None,
                    "e7a67ead64b613bbea648539137b2d20cb588c6b15d9b2ec7cb3f079c33e80d4",
                    "the lab's own model (fitted on the public-dev set: research use inside the lab)", "detector",
                    "the lab's blend-consistency detector; shipped in models/builtin", builtin=True),
        WeightsFile("sbi_gru", "sbi/sbi_gru.pt", None,
                    "aff259bb7a25a0f02e87dc50509b3147988fff378d2ae7cc5f9ff4e09d8cb898",
                    "the lab's own weights (trained on the public-dev set: research use inside the lab); ImageNet "
                    "MobileNetV2 trunk BSD-3-Clause (torchvision)", "detector",
                    "the lab's CNN + GRU detector; shipped in models/builtin", builtin=True),
        WeightsFile("meso4_df", "mesonet/Meso4_DF.h5", _MESONET_URL + "Meso4_DF.h5",
                    "036ed30d04ffd9c7506f825b97c86aa64915f5818931da96817b169aad790af5",
                    "Apache-2.0 (Afchar et al., WIFS 2018)", "detector", "Meso4 trained on Deepfake face swaps"),
        WeightsFile("meso4_f2f", "mesonet/Meso4_F2F.h5", _MESONET_URL + "Meso4_F2F.h5",
                    "bcfda015d217b9f8d6557693edbdf9f4e79cfd22672541968dd0e2954462b5d7",
                    "Apache-2.0 (Afchar et al., WIFS 2018)", "detector", "Meso4 trained on Face2Face reenactment"),
        WeightsFile("mesoinception4_df", "mesonet/MesoInception_DF.h5", _MESONET_URL + "MesoInception_DF.h5",
                    "234586d40058e76ef8b6f27ca4b63c06e31c2a5a69c0d8ba6f30b1468ab7bafa",
                    "Apache-2.0 (Afchar et al., WIFS 2018)", "detector", "MesoInception4 trained on Deepfake swaps"),
        WeightsFile("mesoinception4_f2f", "mesonet/MesoInception_F2F.h5", _MESONET_URL + "MesoInception_F2F.h5",
                    "d4533ac8a3197dc35c47405d23d99e888c1d0135e267e03540c7451feaccff3f",
                    "Apache-2.0 (Afchar et al., WIFS 2018)", "detector", "MesoInception4 trained on Face2Face"),
        WeightsFile("lrnet_ff_g1", "lrnet/ff/g1.pth", _LRNET_URL + "training/weights/torch/g1.pth",
                    "d953cfc1a5354493141e13ac074c7306e86ab768d6f015cedfc17f2b6485dd62", "MIT (Sun et al., CVPR 2021)",
                    "detector", "LRNet positions stream, FaceForensics++"),
        WeightsFile("lrnet_ff_g2", "lrnet/ff/g2.pth", _LRNET_URL + "training/weights/torch/g2.pth",
                    "45e50a803c8bbc4851646842765a01f25c34a7085e86e67e06f9598c9e1f34c4", "MIT (Sun et al., CVPR 2021)",
                    "detector", "LRNet differences stream, FaceForensics++"),
        WeightsFile("lrnet_deeper_g1", "lrnet/deeper/g1.pth", _LRNET_URL + "demo/model_weights/g1.pth",
                    "2d057605d518b7527fd1931aa2522bbb9040eb11ff8a3181b3e351e89b55ed4c", "MIT (Sun et al., CVPR 2021)",
                    "detector", "LRNet positions stream, DeeperForensics-1.0"),
        WeightsFile("lrnet_deeper_g2", "lrnet/deeper/g2.pth", _LRNET_URL + "demo/model_weights/g2.pth",
                    "7380f8f96bc2a1e3e4e9bea8a6d226b9f56661b875106d34702e337fa503e07f", "MIT (Sun et al., CVPR 2021)",
                    "detector", "LRNet differences stream, DeeperForensics-1.0"),
        WeightsFile("scrfd_500m", "scrfd/det_500m.onnx", None,
                    "5e4447f50245bbd7966bd6c0fa52938c61474a04ec7def48753668a9d8b4ea3a",
                    "InsightFace: non-commercial research only", "face_detector", "inside buffalo_sc / buffalo_s"),
        WeightsFile("scrfd_2.5g", "scrfd/det_2.5g.onnx", None,
                    "041f73f47371333d1d17a6fee6c8ab4e6aecabefe398ff32cca4e2d5eaee0af9",
                    "InsightFace: non-commercial research only", "face_detector", "inside buffalo_m"),
        WeightsFile("yunet", "yunet/face_detection_yunet_2026may.onnx", None,
                    "ebafce4e3c118d6554634be5c27ab333b4c047a9a8c3faf1d7cf93101c22f0f0", "MIT (opencv_zoo)",
                    "face_detector", "opencv_zoo YuNet; shipped in models/builtin", builtin=True),
        # SCRFD-500M is the detector of insightface's smallest pack: fetch the pack, unzip det_500m.onnx into scrfd/.
        WeightsFile("buffalo_sc", "buffalo_sc.zip",
                    "https://github.com/deepinsight/insightface/releases/download/v0.7/buffalo_sc.zip", None,
                    "InsightFace: non-commercial research only", "pack",
                    "unzip det_500m.onnx into scrfd/ (checked there by its sha256)"),
        WeightsFile("scrfd_10g", "buffalo_l/det_10g.onnx", None, None,
                    "InsightFace: non-commercial research only", "face_detector", "inside buffalo_l"),
        WeightsFile("inswapper_128", "inswapper/inswapper_128.onnx",
                    "https://github.com/facefusion/facefusion-assets/releases/download/models/inswapper_128.onnx",
                    "e4a3f08c753cb72d04e10aa0f7dbe3deebbf39567d4ead6dce08e98aa49e16af",
                    "InsightFace: non-commercial research only", "swapper", "the de facto standard face swapper"),
        # buffalo_l pack (sha256s of the zip and of w600k_r50.onnx agree across several public pinning scripts);
        # unzip it into MODELS_DIR/buffalo_l/ to get w600k_r50.onnx (the ArcFace identity inswapper/SimSwap need).
        WeightsFile("buffalo_l", "buffalo_l.zip",
                    "https://github.com/deepinsight/insightface/releases/download/v0.7/buffalo_l.zip",
                    "80ffe37d8a5940d59a7384c201a2a38d4741f2f3c51eef46ebb28218a7b0ca2f",
                    "InsightFace: non-commercial research only", "pack", "unzip into buffalo_l/"),
        WeightsFile("arcface_w600k_r50", "buffalo_l/w600k_r50.onnx", None,
                    "4c06341c33c2ca1f86781dab0e829f88ad5b64be9fba56e56bc9ebdefc619e43",
                    "InsightFace: non-commercial research only", "recognition",
                    "comes inside insightface's buffalo_l.zip: run 'flask models download buffalo_l' and unzip "
                    "w600k_r50.onnx from it into buffalo_l/"),
        # SimSwap exports by facefusion: no published sha256 found, so the file is not verified (sha256 None).
        WeightsFile("simswap_256", "simswap/simswap_256.onnx",
                    "https://github.com/facefusion/facefusion-assets/releases/download/models-3.0.0/simswap_256.onnx",
                    None, "SimSwap: CC BY-NC 4.0 (non-commercial)", "swapper", "sha256 unknown: not verified"),
        WeightsFile("simswap_unofficial_512", "simswap/simswap_unofficial_512.onnx",
                    "https://github.com/facefusion/facefusion-assets/releases/download/models-3.0.0/"
                    "simswap_unofficial_512.onnx",
                    None, "SimSwap: CC BY-NC 4.0 (non-commercial)", "swapper", "sha256 unknown: not verified"),
        WeightsFile("arcface_converter_simswap", "simswap/arcface_converter_simswap.onnx",
                    "https://github.com/facefusion/facefusion-assets/releases/download/models-3.0.0/"
                    "arcface_converter_simswap.onnx",
                    None, "MIT (facefusion)", "swapper", "maps a w600k_r50 embedding to SimSwap's; sha256 unknown"),
        # Keras ImageNet applications (no top): upstream publishes md5 only (checked by models.backbones).
        WeightsFile("keras_densenet169", "keras/densenet169_weights_tf_dim_ordering_tf_kernels_notop.h5",
                    _KERAS_URL + "densenet/densenet169_weights_tf_dim_ordering_tf_kernels_notop.h5", None,
                    "BSD-3-Clause (DenseNet authors, via keras-applications)", "backbone",
                    "DenseNet169 ImageNet features; Keras md5 b8c4d4c20dd625c148057b9ff1c1176b"),
        WeightsFile("keras_resnet101v2", "keras/resnet101v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
                    _KERAS_URL + "resnet/resnet101v2_weights_tf_dim_ordering_tf_kernels_notop.h5", None,
                    "MIT (keras-applications)", "backbone",
                    "ResNet101V2 ImageNet features; Keras md5 c0ed64b8031c3730f411d2eb4eea35b5"),
        WeightsFile("keras_resnet50", "keras/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
                    _KERAS_URL + "resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5", None,
                    "MIT (Kaiming He's ResNet weights, via keras-applications)", "backbone",
                    "ResNet50 ImageNet features; Keras md5 4d473c1dd8becc155b73f8504c6f6626"),
        WeightsFile("keras_inceptionv3", "keras/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
                    _KERAS_URL + "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5", None,
                    "Apache-2.0 (keras-applications)", "backbone",
                    "InceptionV3 ImageNet features; Keras md5 bcbd6486424b2319ff4ef7d526e38f63"),
        WeightsFile("keras_inceptionresnetv2", "keras/inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
                    _KERAS_URL + "inception_resnet_v2/"
                    "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5", None,
                    "Apache-2.0 (keras-applications)", "backbone",
                    "InceptionResNetV2 ImageNet features; Keras md5 d19885ff4a710c122648d3b5c3b684e4"),
    ]
}


def entries(kind: Optional[str] = None) -> list[WeightsFile]:
    """Catalog entries, optionally of one kind."""
    return [w for w in CATALOG.values() if kind is None or w.kind == kind]
