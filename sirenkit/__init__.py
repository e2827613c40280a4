"""sirenkit: implicit neural representations (SIREN) as scikit-learn estimators.

>>> from sirenkit import SirenRegressor, grid_coords
"""

from ._base import CoordinateRangeWarning, LearningWarning
from ._units import UnitsWarning
from .coords import (
    audio_to_samples,
    grid_coords,
    image_to_samples,
    infer_grid_shape,
    samples_to_audio,
    samples_to_grid,
    samples_to_image,
    samples_to_video,
    video_to_samples,
)
from .metrics import psnr
from .model_selection import FullSampleSplit
from .pde import PDESolver
from .poisson import PoissonSolver
from .regressors import INRRegressor, ReluMLPRegressor, SirenRegressor
from .resample import bicubic_upscale
from .shapes import SignedDistanceRegressor
from .stacked import fit_many
from .superres import SirenSuperResolver

__version__ = "0.1.0"

__all__ = [
    "INRRegressor",
    "SirenRegressor",
    "ReluMLPRegressor",
    "PoissonSolver",
    "PDESolver",
    "SirenSuperResolver",
    "SignedDistanceRegressor",
    "CoordinateRangeWarning",
    "LearningWarning",
    "UnitsWarning",
    "FullSampleSplit",
    "grid_coords",
    "infer_grid_shape",
    "image_to_samples",
    "samples_to_image",
    "audio_to_samples",
    "samples_to_audio",
    "samples_to_grid",
    "video_to_samples",
    "samples_to_video",
    "psnr",
    "bicubic_upscale",
    "fit_many",
]
