"""PyTorch modules: a sine layer, the SIREN MLP and its ReLU MLP baseline.

Shapes: every module maps coordinates ``(..., in_features)`` to ``(..., out_features)``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["INIT_SCHEMES", "init_linear_", "SineLayer", "Siren", "ReluMLP"]

INIT_SCHEMES = ("sitzmann", "xavier", "he")


def init_linear_(layer: nn.Linear, scheme: str, is_first: bool = False,
                 omega_0: float = 1.0) -> nn.Linear:
    """Initialise ``layer.weight`` in place; biases keep PyTorch's default.

    Parameters
    ----------
    layer : nn.Linear
    scheme : {"sitzmann", "xavier", "he"}
        ``"sitzmann"`` (Sitzmann et al. 2020, Sec. 3.2): a first layer draws from
        ``U(-1/fan_in, 1/fan_in)``, any other from ``U(-c, c)`` with
        ``c = sqrt(6 / fan_in) / omega_0``, so that ``omega_0 * W x`` has unit-variance
        arguments for the sine that follows. With ``omega_0=1`` this is He's uniform bound.
        ``"xavier"``: ``nn.init.xavier_uniform_``. ``"he"``: ``nn.init.kaiming_uniform_`` for
        ReLU. The last two ignore ``omega_0`` and ``is_first`` (which is the point of the
        initialisation ablation: a sine layer with omega_0=30 and Xavier weights saturates).
    is_first : bool
        Whether the layer reads the coordinates.
    omega_0 : float
        The frequency factor applied after this layer (1 for a linear or ReLU layer).
    """
    fan_in = layer.in_features
    with torch.no_grad():
        if scheme == "sitzmann":
            bound = 1.0 / fan_in if is_first else math.sqrt(6.0 / fan_in) / omega_0
            layer.weight.uniform_(-bound, bound)
        elif scheme == "xavier":
            nn.init.xavier_uniform_(layer.weight)
        elif scheme == "he":
            nn.init.kaiming_uniform_(layer.weight, nonlinearity="relu")
        else:
            raise ValueError(f"init scheme must be one of {INIT_SCHEMES}, got {scheme!r}")
    return layer


class SineLayer(nn.Module):
    """``sin(omega_0 * (W x + b))``.

    Parameters
    ----------
    in_features, out_features : int
    omega_0 : float
        Frequency factor.
    init : {"sitzmann", "xavier", "he"}
    is_first : bool
        Whether this layer reads the coordinates (changes the Sitzmann bound).
    """

    def __init__(self, in_features: int, out_features: int, omega_0: float = 30.0,
                 init: str = "sitzmann", is_first: bool = False) -> None:
        super().__init__()
        self.omega_0 = float(omega_0)
        self.linear = init_linear_(nn.Linear(in_features, out_features), init, is_first, omega_0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sin(self.omega_0 * self.linear(x))

    def extra_repr(self) -> str:
        return f"omega_0={self.omega_0:g}"


class Siren(nn.Module):
    """SIREN: ``1 + hidden_layers`` sine layers and a linear output layer.

    Parameters
    ----------
    in_features : int
        Coordinate dimension (1 audio, 2 image, 3 volume).
    out_features : int
        Signal channels.
    hidden_features : int
        Width of every sine layer.
    hidden_layers : int
        Sine layers after the first one (the reference SIREN uses 3).
    omega_0 : float
        Frequency factor of the first layer.
    hidden_omega_0 : float
        Frequency factor of the other sine layers.
    first_layer_init, hidden_init : {"sitzmann", "xavier", "he"}
        Initialisation of the first layer, and of the hidden and output layers.

    Examples
    --------
    >>> import torch
    >>> from sirenkit.nn import Siren
    >>> Siren(2, 3, hidden_features=16, hidden_layers=1)(torch.zeros(5, 2)).shape
    torch.Size([5, 3])
    """

    def __init__(self, in_features: int, out_features: int, hidden_features: int = 256,
                 hidden_layers: int = 3, omega_0: float = 30.0, hidden_omega_0: float = 30.0,
                 first_layer_init: str = "sitzmann", hidden_init: str = "sitzmann") -> None:
        super().__init__()
        layers = [SineLayer(in_features, hidden_features, omega_0, first_layer_init,
                            is_first=True)]
        layers += [SineLayer(hidden_features, hidden_features, hidden_omega_0, hidden_init)
                   for _ in range(hidden_layers)]
        # The output layer is linear: the signal's range is not limited to [-1, 1] and a
        # final sine would fold large values back.
        layers.append(init_linear_(nn.Linear(hidden_features, out_features), hidden_init,
                                   omega_0=hidden_omega_0))
        self.net = nn.Sequential(*layers)

    def forward(self, coords: torch.Tensor) -> torch.Tensor:
        return self.net(coords)


class ReluMLP(nn.Module):
    """The baseline: the same MLP as :class:`Siren` with ``ReLU(W x + b)`` layers.

    A genuine ReLU MLP: no frequency factor (some reference code computes ``ReLU(30 x)``,
    which is only a rescaled ReLU network with a different effective learning rate).
    Its output is piecewise linear, so its Laplacian is zero almost everywhere.

    Parameters
    ----------
    in_features, out_features, hidden_features, hidden_layers : int
        As in :class:`Siren`.
    first_layer_init, hidden_init : {"sitzmann", "xavier", "he"}
        ``"sitzmann"`` uses ``omega_0=1``.
    """

    def __init__(self, in_features: int, out_features: int, hidden_features: int = 256,
                 hidden_layers: int = 3, first_layer_init: str = "he",
                 hidden_init: str = "he") -> None:
        super().__init__()
        widths = [in_features] + [hidden_features] * (hidden_layers + 1)
        layers: list[nn.Module] = []
        for index, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
            scheme = first_layer_init if index == 0 else hidden_init
            layers += [init_linear_(nn.Linear(fan_in, fan_out), scheme, is_first=index == 0),
                       nn.ReLU()]
        layers.append(init_linear_(nn.Linear(hidden_features, out_features), hidden_init))
        self.net = nn.Sequential(*layers)

    def forward(self, coords: torch.Tensor) -> torch.Tensor:
        return self.net(coords)
