"""What derivatives of a SIREN cost, against a plain forward/backward step.

A Poisson fit trains on the gradient or Laplacian of the network's output. Per training
step (forward, MSE loss, backward; the optimizer step is the same for all and left out)
and per inference pass, on a full grid, same SIREN:

* ``output``: the plain step on the output itself (what ``SirenRegressor`` does);
* ``numerical``: kornia's finite differences on the output grid (``operator="numerical"``);
* ``forward``: the closed-form derivatives propagated through the layers
  (:func:`sirenkit.operators.forward_derivatives`, what ``operator="autograd"`` and
  ``predict_gradient``/``predict_laplacian`` use for a SIREN);
* ``reverse``: reverse-mode autograd (``torch.autograd.grad`` with ``create_graph``, the
  reports' way), one backward pass per output channel, and per axis again for a Laplacian.

Every time is the median of ``--repeats`` runs after a warm-up run, under the CPU heap
reuse the estimators use. Ratios are to the plain ``output`` step.

    python benchmarks/derivatives.py [--sides 64,128] [--width 256] [--layers 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from sirenkit import grid_coords
from sirenkit._runtime import cpu_heap_reuse
from sirenkit._training import Derivative
from sirenkit.nn import Siren
from sirenkit.poisson import GridTarget

CHANNELS = 3


def plain_output(net: torch.nn.Module, coords: torch.Tensor):
    output = net(coords)
    return output, output


def seconds_per_step(
    operator,
    net: torch.nn.Module,
    coords: torch.Tensor,
    device: str,
    repeats: int = 3,
    training: bool = True,
) -> float:
    """Median seconds of ``operator`` (and, when training, an MSE backward through it)."""

    def run() -> float:
        start = time.perf_counter()
        if training:
            operator(net, coords)[1].square().mean().backward()
        else:
            with torch.no_grad():
                operator(net, coords)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        return time.perf_counter() - start

    run()  # warm-up (allocations, kernels)
    return statistics.median(run() for _ in range(repeats))


def training_operators(side: int) -> dict:
    shape = (side, side)
    return {
        "output": plain_output,
        "gradient numerical": GridTarget("gradient", shape),
        "gradient forward": Derivative("gradient", training=True, method="forward"),
        "gradient reverse": Derivative("gradient", training=True, method="reverse"),
        "Laplacian numerical": GridTarget("laplacian", shape),
        "Laplacian forward": Derivative("laplacian", training=True, method="forward"),
        "Laplacian reverse": Derivative("laplacian", training=True, method="reverse"),
    }


def inference_operators() -> dict:
    return {
        "output": plain_output,
        "gradient forward": Derivative("gradient", method="forward"),
        "gradient reverse": Derivative("gradient", method="reverse"),
        "Laplacian forward": Derivative("laplacian", method="forward"),
        "Laplacian reverse": Derivative("laplacian", method="reverse"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sides", default="64,128")
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    print(
        f"torch {torch.__version__}, {args.device}, {torch.get_num_threads()} threads, "
        f"SIREN {args.layers}x{args.width}, {CHANNELS} channels, median of {args.repeats}"
    )
    torch.manual_seed(0)
    net = Siren(2, CHANNELS, args.width, args.layers).to(args.device)
    with cpu_heap_reuse(args.device == "cpu"):
        for side in (int(s) for s in args.sides.split(",")):
            coords = torch.from_numpy(grid_coords((side, side))).to(args.device)
            for phase, operators, training in (
                ("training step", training_operators(side), True),
                ("inference pass", inference_operators(), False),
            ):
                print(f"\n{side}x{side}, {phase}:")
                base = None
                for name, operator in operators.items():
                    seconds = seconds_per_step(
                        operator, net, coords, args.device, args.repeats, training
                    )
                    base = base or seconds
                    print(f"  {name:20s} {seconds:9.4f} s  {seconds / base:6.2f}x", flush=True)


if __name__ == "__main__":
    main()
