#!/usr/bin/env python3
"""Where the time goes (issue #36; BENCHMARKS.md "Where the time goes: a roofline table"): for each
learned method and the training of its network, the FLOPs per image of the dense kernels
(convolutions forward and backward, matrix products; counted by genreg.profiling.FlopCounter as
LibTorch dispatches them), the seconds per image, the rate achieved, and that rate as a share of
this machine's limits measured in the same run, before and after the workloads: SGEMM (a 1024 x 1024
torch.mm) and a 3x3 convolution of 64 x 32 x 28 x 28 images to 32 channels
(torch.nn.functional.conv2d), on the same LibTorch. Everything runs on one thread, so the shares
compare with one core's peak.

The rate counts only the dense kernels' FLOPs but divides by the whole run's time: the gap to the
convolution's rate is everything else (element-wise layers, the data terms, the solver's own work).

    /usr/bin/python3 benchmarks/roofline.py     # writes benchmarks/results/roofline.json
Needs a committed tree (the results file names the commit) and build/python (scripts/setup).
"""
import json
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "build" / "python"))

import torch  # noqa: E402

MODELS = ROOT / "docs" / "models"
# (workload, network, dataset, operator, method, settings, images): the experiments' settings
# (mnist-deblur's and table1a's spec files), few images: a rate needs seconds, not a test set.
SOLVERS = [("hard", "vae", "mnist", "cs:150", "hard", {"lam": 0.1, "restarts": 4}, "100:110"),
           ("pnp-hqs", "drunet", "mnist", "blur:gauss5", "pnp-hqs", {"lam": 0.3, "iterations": 8}, "100:120"),
           ("pnp-admm", "drunet", "mnist", "blur:gauss5", "pnp-admm", {"lam": 0.32}, "100:120"),
           ("dps", "ddpm", "mnist", "blur:gauss5", "dps", {"lam": 1.0, "steps": 100, "samples": 4}, "100:104"),
           ("diffpir", "ddpm", "mnist", "blur:gauss5", "diffpir", {"lam": 1.0, "steps": 100, "samples": 4}, "100:104"),
           ("cfm", "cfm-cs150-sigma0.1", "mnist", "cs:150", "cfm", {"samples": 8}, "100:110")]
# (workload, model kind, extra options): one epoch on 512 mnist images.
TRAINING = [("train vae", "vae", {}), ("train drunet", "drunet", {}), ("train ddpm", "ddpm", {}),
            ("train cfm", "cfm", {"operator": "cs:150", "noise": "0.1"})]
TRAIN_IMAGES = 512


def median_seconds(f, repeats=5):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def sgemm_rate():
    """GFLOP/s of a 1024 x 1024 float32 matrix product (torch.mm on this LibTorch)."""
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    torch.mm(a, b)  # warm-up
    return 2 * 1024**3 / median_seconds(lambda: torch.mm(a, b)) / 1e9


def convolution_rate():
    """GFLOP/s of a 3x3 convolution, 64 images of 32 x 28 x 28 to 32 channels, padding 1 (forward)."""
    x, w = torch.randn(64, 32, 28, 28), torch.randn(32, 32, 3, 3)
    with torch.no_grad():
        torch.nn.functional.conv2d(x, w, padding=1)  # warm-up
        seconds = median_seconds(lambda: torch.nn.functional.conv2d(x, w, padding=1))
    return 2 * 64 * 32 * 28 * 28 * 32 * 9 / seconds / 1e9


def counted(genreg, f):
    with genreg.profiling.FlopCounter() as count:
        start = time.perf_counter()
        out = f()
        seconds = time.perf_counter() - start
    return out, count.flops, seconds


def solver_row(genreg, workload, network, dataset, spec, method, settings, indices):
    op = genreg.operator(spec, 28)
    x = genreg.load_dataset(dataset, split="test", indices=indices).images
    y = genreg.simulate(x, op, sigma=0.1, seed=0)
    model = genreg.load_model(str(MODELS / dataset / f"{network}.pt"))
    result, flops, seconds = counted(genreg, lambda: genreg.reconstruct(y, op, method, sigma=0.1, model=model,
                                                                          **settings))
    count = x.shape[0]
    return {"workload": workload, "network": network, "operator": spec, "settings": settings, "images": indices,
            "flops_per_image": flops / count, "seconds_per_image": seconds / count,
            "psnr": float(genreg.psnr(result.x, x).mean())}


def training_row(genreg, workload, kind, options):
    with tempfile.TemporaryDirectory() as folder:
        _, flops, seconds = counted(genreg, lambda: genreg.train(
            kind, str(pathlib.Path(folder) / "model.pt"), progress=None, dataset="mnist",
            indices=f"0:{TRAIN_IMAGES}", epochs=1, threads=1, **options))
    return {"workload": workload, "network": kind, "images": TRAIN_IMAGES, "flops_per_image": flops / TRAIN_IMAGES,
            "seconds_per_image": seconds / TRAIN_IMAGES}


def main():
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    if dirty:
        raise SystemExit("benchmarks/roofline.py: uncommitted changes: commit first, so that the result names "
                         "the code that made it")
    torch.set_num_threads(1)
    import genreg
    genreg._genreg.init_runtime(1)
    start = time.perf_counter()
    provenance = json.loads(genreg._genreg.provenance(["benchmarks/roofline.py"] + sys.argv[1:]))
    # The machine's limits before and after the workloads (this kind of machine drifts by tens of
    # percent within minutes); the table divides by the better of the two.
    limits = {"sgemm_gflops_before": sgemm_rate(), "conv3x3_gflops_before": convolution_rate()}
    rows = []
    for solver in SOLVERS:
        rows.append(solver_row(genreg, *solver))
        print(f"  {rows[-1]}", file=sys.stderr, flush=True)
    for training in TRAINING:
        rows.append(training_row(genreg, *training))
        print(f"  {rows[-1]}", file=sys.stderr, flush=True)
    limits.update(sgemm_gflops_after=sgemm_rate(), conv3x3_gflops_after=convolution_rate())
    document = {"command": "/usr/bin/python3 benchmarks/roofline.py", "recorded_by": "benchmarks/roofline.py",
                "provenance": provenance, "threads": 1, "seconds": time.perf_counter() - start,
                "results": {"limits": limits, "rows": rows}}
    out = ROOT / "benchmarks" / "results" / "roofline.json"
    out.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
