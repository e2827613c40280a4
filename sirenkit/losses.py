"""Training losses: the MSE and the audio report's MSE plus spectral-magnitude term.

A functional form (:func:`spectral_mse`, :func:`mse_with_spectrum`) and a thin module
(:class:`MSEWithSpectrumLoss`) that the estimators use as their skorch criterion.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["spectral_mse", "mse_with_spectrum", "MSEWithSpectrumLoss"]


def spectral_mse(prediction: torch.Tensor, target: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """Mean squared difference of the DFT magnitudes along ``dim`` (the time axis).

    ``mean(( |F(prediction)| - |F(target)| )^2)`` over every frequency and channel, with the
    orthonormal DFT ``F`` (``norm="ortho"``): by Parseval's theorem it is at most the MSE of
    the waveforms, and it does not grow with the number of samples. Blind to phase, it
    weighs every frequency equally, where the waveform MSE is dominated by the loud low
    frequencies.

    Parameters
    ----------
    prediction, target : Tensor of shape (n, C) (or any shape, with ``dim`` the time axis)
        Samples in time order, uniformly spaced.
    dim : int, default=0

    Returns
    -------
    loss : Tensor, scalar

    Examples
    --------
    >>> import torch
    >>> from sirenkit.losses import spectral_mse
    >>> t = torch.arange(64.0)[:, None]
    >>> wave = torch.sin(0.5 * t)
    >>> float(spectral_mse(torch.roll(wave, 5, dims=0), wave)) < 1e-10   # a shift: no change
    True
    """
    magnitude = torch.fft.fft(prediction, dim=dim, norm="ortho").abs()
    reference = torch.fft.fft(target, dim=dim, norm="ortho").abs()
    return torch.mean((magnitude - reference) ** 2)


def mse_with_spectrum(prediction: torch.Tensor, target: torch.Tensor, alpha: float = 50.0,
                      dim: int = 0) -> torch.Tensor:
    """``MSE + spectral_mse / alpha``: the audio report's combined loss, along time.

    The report computed its FFT along the channel axis, which on a mono clip is the
    identity (it compared ``|y|`` with ``|y_hat|``); here it runs along ``dim``, the time
    axis, one spectrum per channel.

    Parameters
    ----------
    prediction, target : Tensor of shape (n, C)
    alpha : float, default=50.0
        The report's weight: the spectral term counts ``1 / alpha``.
    dim : int, default=0
    """
    mse = torch.mean((prediction - target) ** 2)
    return mse + spectral_mse(prediction, target, dim) / alpha


class MSEWithSpectrumLoss(nn.Module):
    """Module form of :func:`mse_with_spectrum` (a skorch criterion).

    Parameters
    ----------
    alpha : float, default=50.0
    dim : int, default=0
    """

    #: The estimators feed it samples in time order, in windows of consecutive samples.
    needs_time_order = True

    def __init__(self, alpha: float = 50.0, dim: int = 0) -> None:
        super().__init__()
        self.alpha = alpha
        self.dim = dim

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return mse_with_spectrum(prediction, target, self.alpha, self.dim)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha:g}, dim={self.dim}"
