"""Named errors of the ML side; each message is a sentence a person understands."""


class ModelsError(Exception):
    """Base class: str(error) is shown to the user as the reason a job failed."""


class MediaError(ModelsError):
    """The file is not a usable video or photo (unreadable, no video stream, too large, truncated)."""


class NoFaceError(ModelsError):
    """No face was found where one is needed."""


class ManyFacesError(ModelsError):
    """Several faces were found where exactly one is needed (the user must choose)."""


class WeightsMissing(ModelsError):
    """A model's weights file is not in MODELS_DIR."""


class WeightsMismatch(ModelsError):
    """A weights file is present but its sha256 or its tensor shapes are not the expected ones."""


class Canceled(ModelsError):
    """The caller asked the running pipeline to stop (raised from on_progress)."""
