"""Sequence heads over per-frame features: (features (T, D), mask (T,)) -> P(fake), built from a config dict.

Config keys: kind ("gru" | "lstm" | "frame_average"), frames, dim, units (recurrent sizes, the last one
returns a vector), dense (sizes of the layers after the recurrence), activation ("relu" | "leaky_relu"),
dropout, dropout_first (dropout before the dense layers, else after each), activation_after_recurrent
(LeakyReLU after the last recurrent layer, for the ResNet50 LSTM), normalize (standardise each feature with
the statistics of the training frames, adapted by models.training.train and saved inside the .keras file).
"""

from __future__ import annotations

from typing import Any

Config = dict[str, Any]
NORMALIZATION = "feature_normalization"


def _activation(layers, name: str):
    return layers.LeakyReLU(negative_slope=0.1) if name == "leaky_relu" else layers.Activation(name)


def _recurrent(layers, x, mask, config: Config):
    """Stacked GRU / LSTM layers; all but the last return sequences; the mask reaches the first."""
    cell = layers.GRU if config["kind"] == "gru" else layers.LSTM
    units = list(config["units"])
    for i, n in enumerate(units):
        layer = cell(n, return_sequences=i < len(units) - 1, name=f"{config['kind']}_{i}")
        x = layer(x, mask=mask) if i == 0 else layer(x)  # later layers get the mask from the first
    if config.get("activation_after_recurrent"):
        x = _activation(layers, config["activation_after_recurrent"])(x)
    return x


def _dense_tail(layers, x, config: Config, per_frame: bool = False):
    """Dropout, dense layers, one sigmoid unit (applied per frame when per_frame)."""
    if config.get("dropout_first", True) and config.get("dropout"):
        x = layers.Dropout(config["dropout"])(x)
    for i, n in enumerate(config.get("dense", [])):
        x = layers.Dense(n, name=f"dense_{i}")(x)
        x = _activation(layers, config.get("activation", "relu"))(x)
        if not config.get("dropout_first", True) and config.get("dropout"):
            x = layers.Dropout(config["dropout"])(x)
    return layers.Dense(1, activation="sigmoid", name="frame_probability" if per_frame else "fake_probability")(x)


def build_head(config: Config):
    """A Keras model [features (T, D), mask (T,) bool] -> P(fake) of shape (1,)."""
    import keras

    layers = keras.layers
    features = keras.Input((config["frames"], config["dim"]), name="features")
    mask = keras.Input((config["frames"],), dtype="bool", name="mask")
    x = layers.Normalization(axis=-1, name=NORMALIZATION)(features) if config.get("normalize") else features
    if config["kind"] == "frame_average":
        frame_p = _dense_tail(layers, x, config, per_frame=True)
        out = layers.GlobalAveragePooling1D(name="fake_probability")(frame_p, mask=mask)
    elif config["kind"] in ("gru", "lstm"):
        out = _dense_tail(layers, _recurrent(layers, x, mask, config), config)
    else:
        raise ValueError(f"Unknown head kind {config['kind']!r}: gru, lstm or frame_average.")
    return keras.Model([features, mask], out, name=config.get("name", f"{config['kind']}_head"))


def frame_model(model):
    """For a frame_average head, the model features (T, D) -> per-frame P(fake) (T, 1); None for recurrent heads."""
    import keras

    try:
        layer = model.get_layer("frame_probability")
    except ValueError:
        return None
    return keras.Model(model.inputs[0], layer.output)
