"""The machine-learning side of the portal: media, faces, detectors, swappers, training.

Nothing in this package imports flask, sqlalchemy, rq, redis, portal or workers, and
importing a module loads no heavy runtime (TensorFlow, torch, onnxruntime) until it is used.
"""
