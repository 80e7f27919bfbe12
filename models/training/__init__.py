"""Training of the lab's CNN + RNN detectors: datasets, cached frame features, training, evaluation.

Each module is light to import; TensorFlow / Keras load only when a model is built.
"""
