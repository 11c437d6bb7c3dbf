#!/usr/bin/env python3
"""CT projectors and FBP side by side with the field's (issue #35; BENCHMARKS.md "CT: genreg, ASTRA
and ODL"): genreg's matrix-free Joseph ray transform and its FBP against the ASTRA toolbox's CPU
Joseph projector ('linear') and FBP, and ODL's RayTransform and fbp_op (on ASTRA's CPU backend),
in one process on the same ct-phantom slices, geometry and views, 64 to 512 pixels.

The same geometry: a 26 cm square image, views at the midpoints (k + 1/2) pi / V, detector bins at
the midpoints of [-r, r], r the image's half diagonal (genreg's `ct:parallel` defaults). ASTRA sees
genreg's array as it is; ODL's first axis is x, so its array is genreg's flipped upside down and
transposed. The run checks the sinograms agree (max difference relative to the largest value) and
refuses to record if they do not: that is what "same geometry" means here.

Times are medians of 3 repetitions over a batch of slices: genreg takes the batch at once (1 and 2
threads); ASTRA's and ODL's Python APIs take one slice per call (ASTRA's CPU algorithms run on one
thread). Forward + adjoint is one A and one A^T per slice.

    build/peers/bin/python benchmarks/peers/ct_peers.py           # benchmarks/results/ct-peers.json
    build/peers/bin/python benchmarks/peers/ct_peers.py --quick   # 64 px, 2 slices, 1 repetition: a check

Needs the peer environment with genreg installed into it (scripts/peers), or GENREG_PYTHON_DIR
naming a build's python folder compiled against that environment's torch.
"""
import json
import os
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
if os.environ.get("GENREG_PYTHON_DIR"):
    sys.path.insert(0, os.environ["GENREG_PYTHON_DIR"])

import numpy as np  # noqa: E402
import torch  # noqa: E402

try:
    import astra
    import odl
    from odl.applications import tomo as odl_tomo
except ImportError as e:
    raise SystemExit(f"ct_peers.py: {e.name} is not installed here: run it with the peer environment's python "
                     "(scripts/peers makes build/peers)")
import genreg  # noqa: E402
import peer_results  # noqa: E402

FIELD_OF_VIEW = 0.26  # metres, genreg's ImageGrid
# The largest sinogram difference accepted, relative to the sinogram's largest value: ASTRA computes in
# float32 (geometry included), which gave 2e-5 at 64 px growing to 2e-4 at 256 px; a flipped detector
# or mirrored image gave 0.55-0.66 at 64 px.
AGREEMENT = 1e-3


def views_for(n):
    return round(45 * n / 16)  # genreg's default (PROTOCOL.md)


def median_time(f, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def psnr(x, truth):
    mse = float(np.mean((np.asarray(x, np.float64) - np.asarray(truth, np.float64)) ** 2))
    return 10 * np.log10(1.0 / mse)


class Astra:
    """ASTRA's CPU Joseph projector ('linear'), its FP/BP/FBP algorithms on pre-made data objects."""

    def __init__(self, n, views, detectors, spacing):
        half = FIELD_OF_VIEW / 2
        self.vol_geom = astra.create_vol_geom(n, n, -half, half, -half, half)
        angles = (np.arange(views) + 0.5) * np.pi / views
        self.proj_geom = astra.create_proj_geom("parallel", spacing, detectors, angles)
        self.projector = astra.create_projector("linear", self.proj_geom, self.vol_geom)
        self.volume = astra.data2d.create("-vol", self.vol_geom, 0)
        self.sinogram = astra.data2d.create("-sino", self.proj_geom, 0)
        self.algorithms = {}
        for name, extra in (("FP", {}), ("BP", {}), ("FBP", {"FilterType": "ram-lak"})):
            cfg = astra.astra_dict(name)
            cfg["ProjectorId"] = self.projector
            cfg["ProjectionDataId"] = self.sinogram
            cfg["VolumeDataId" if name == "FP" else "ReconstructionDataId"] = self.volume
            cfg.update({"option": extra} if extra else {})
            self.algorithms[name] = astra.algorithm.create(cfg)

    def forward(self, image):
        astra.data2d.store(self.volume, image)
        astra.algorithm.run(self.algorithms["FP"])
        return astra.data2d.get_shared(self.sinogram)

    def adjoint(self, sinogram):
        astra.data2d.store(self.sinogram, sinogram)
        astra.algorithm.run(self.algorithms["BP"])
        return astra.data2d.get_shared(self.volume)

    def fbp(self, sinogram):
        astra.data2d.store(self.sinogram, sinogram)
        astra.algorithm.run(self.algorithms["FBP"])
        return astra.data2d.get_shared(self.volume)


class Odl:
    """ODL's RayTransform and fbp_op (Ram-Lak) on ASTRA's CPU backend; arrays in genreg's layout."""

    def __init__(self, n, views, detectors, radius):
        half = FIELD_OF_VIEW / 2
        self.space = odl.uniform_discr([-half, -half], [half, half], (n, n), dtype="float32")
        geometry = odl_tomo.Parallel2dGeometry(odl.uniform_partition(0, np.pi, views),
                                               odl.uniform_partition(-radius, radius, detectors))
        self.ray = odl_tomo.RayTransform(self.space, geometry, impl="astra_cpu")
        self.fbp_op = odl_tomo.fbp_op(self.ray, filter_type="Ram-Lak", frequency_scaling=1.0)

    def element(self, image):
        return self.space.element(np.ascontiguousarray(image[::-1, :].T))

    def image(self, element):
        return np.asarray(element.data)[:, ::-1].T

    def forward(self, image):
        return np.asarray(self.ray(self.element(image)).data)

    def adjoint(self, sinogram):
        return self.image(self.ray.adjoint(self.ray.range.element(sinogram)))

    def fbp(self, sinogram):
        return self.image(self.fbp_op(self.ray.range.element(sinogram)))


def measure(n, views, slices, repeats):
    phantoms = genreg.load_dataset("ct-phantom", split="test", indices=f"0:{slices}", size=n).images
    images = [p[0].numpy().astype(np.float32) for p in phantoms]
    op = genreg.operator(f"ct:parallel,views={views}", n)
    y = op(phantoms)
    detectors = op.range_shape[-1]
    pixel = FIELD_OF_VIEW / n
    radius = 0.5 * pixel * np.sqrt(2.0 * n * n)
    row = {"size": n, "views": views, "detectors": detectors, "slices": slices}

    for threads in (1, 2):
        torch.set_num_threads(threads)
        genreg._genreg.init_runtime(threads)
        forward = median_time(lambda: op(phantoms), repeats)
        adjoint = median_time(lambda: op.adjoint(y), repeats)
        out, joseph = {}, {}
        fbp = median_time(lambda: out.update(x=genreg.fbp(y, op)), repeats)
        fbp_joseph = median_time(lambda: joseph.update(x=genreg.fbp(y, op, back_projector="joseph")), repeats)
        row[f"genreg_{threads}"] = {"forward": forward / slices, "adjoint": adjoint / slices, "fbp": fbp / slices,
                                    "psnr": float(np.mean([psnr(out["x"][i, 0], images[i]) for i in range(slices)])),
                                    "fbp_joseph": fbp_joseph / slices,
                                    "psnr_joseph": float(np.mean([psnr(joseph["x"][i, 0], images[i])
                                                                  for i in range(slices)]))}
    sinograms = [y[i, 0].numpy() for i in range(slices)]
    scale = float(np.abs(sinograms[0]).max())

    for name, peer in (("astra", Astra(n, views, detectors, 2 * radius / detectors)),
                       ("odl", Odl(n, views, detectors, radius))):
        theirs = [np.array(peer.forward(im)) for im in images]
        difference = max(float(np.abs(t - s).max()) for t, s in zip(theirs, sinograms)) / scale
        if difference > AGREEMENT:
            raise SystemExit(f"ct_peers.py: {name}'s sinogram differs from genreg's by {difference:.2e} of its "
                             f"largest value at {n} px: not the same geometry")
        forward = median_time(lambda: [peer.forward(im) for im in images], repeats)
        adjoint = median_time(lambda: [peer.adjoint(s) for s in sinograms], repeats)
        recon = []
        fbp = median_time(lambda: recon.__setitem__(slice(None), [np.array(peer.fbp(s)) for s in sinograms]),
                          repeats)
        row[name] = {"forward": forward / slices, "adjoint": adjoint / slices, "fbp": fbp / slices,
                     "psnr": float(np.mean([psnr(r, im) for r, im in zip(recon, images)])),
                     "sinogram_difference": difference}
        print(f"  {n} px {views} views: {name} {row[name]}", file=sys.stderr, flush=True)
    print(f"  {n} px {views} views: genreg {row['genreg_1']} / 2 threads {row['genreg_2']}", file=sys.stderr,
          flush=True)
    return row


def main():
    quick = "--quick" in sys.argv
    if not quick:
        peer_results.require_committed("ct_peers.py")
    start = time.perf_counter()
    provenance = json.loads(genreg._genreg.provenance(["benchmarks/peers/ct_peers.py"] + sys.argv[1:]))
    configurations = [(64, 32)] if quick else [(n, views_for(n)) for n in (64, 128, 256, 512)] + [(512, 1000)]
    rows = [measure(n, views, 2 if quick else 8, 1 if quick else 3) for n, views in configurations]
    versions = {"torch": torch.__version__, "astra-toolbox": astra.__version__, "odl": odl.__version__,
                "numpy": np.__version__, "genreg": genreg.__version__}
    document = {"command": "build/peers/bin/python benchmarks/peers/ct_peers.py" + (" --quick" if quick else ""),
                "recorded_by": "benchmarks/peers/ct_peers.py", "provenance": provenance, "versions": versions,
                "seconds": time.perf_counter() - start, "results": {"rows": rows}}
    peer_results.write(document, "ct-peers", quick)


if __name__ == "__main__":
    main()
