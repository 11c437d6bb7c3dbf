#!/usr/bin/env python3
"""CT at scale (issue #34; BENCHMARKS.md "CT at scale"): genreg's physical parallel-beam ray
transform, matrix-free and stored, and its filtered back-projection at 64-512 pixels, side by side
in one run with scikit-image's radon / iradon (Debian's python3-skimage), on the same ct-phantom
slices and the same number of angles.

Each configuration runs in a fresh child process, so that its peak memory (the process's maximum
resident set above its own baseline after loading the slices) is its own. Times are medians of
three repetitions on a batch of 8 slices (genreg) or per slice (scikit-image, one at a time as its
API takes them). genreg runs with both cores and, for the per-core comparison, with one;
scikit-image's radon and iradon are single-threaded numpy.

    /usr/bin/python3 benchmarks/ct_scale.py            # writes benchmarks/results/ct-scale.json

Needs a committed tree (the results file names the commit) and build/python (scripts/setup).
"""
import json
import pathlib
import resource
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "build" / "python"))

SIZES = [64, 128, 256, 512]
BATCH = 8


def views_for(n):
    return round(45 * n / 16)  # genreg's default, LoDoPaB scaled (PROTOCOL.md)


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def median_time(f, repeats=3):
    """The median of `repeats` runs (one run when the first takes over 20 s)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
        if times[0] > 20.0:
            break
    return sorted(times)[len(times) // 2]


def psnr(x, truth):
    import torch
    mse = torch.mean((x.double() - truth.double()) ** 2).item()
    return 10 * torch.log10(torch.tensor(1.0 / mse)).item()


def child(task, n, views, threads):
    """One measurement in this process: prints a JSON line."""
    import torch
    import genreg
    torch.set_num_threads(threads)
    genreg._genreg.init_runtime(threads)
    phantoms = genreg.load_dataset("ct-phantom", split="test", indices=f"0:{BATCH}", size=n).images
    baseline = peak_mib()
    out = {"task": task, "size": n, "views": views, "threads": threads}
    if task in ("matrix-free", "matrix"):
        spec = f"ct:parallel,views={views},projector={task}"
        try:
            start = time.perf_counter()
            op = genreg.operator(spec, n)
            y = op(phantoms)
            out["setup_seconds"] = time.perf_counter() - start
        except genreg.Error as e:
            out["refused"] = str(e)
            print(json.dumps(out))
            return
        forward = median_time(lambda: op(phantoms))
        adjoint = median_time(lambda: op.adjoint(y))
        out.update(detectors=op.range_shape[-1], forward_per_slice=forward / BATCH, adjoint_per_slice=adjoint / BATCH,
                   peak_mib=peak_mib() - baseline)
    elif task == "fbp":
        op = genreg.operator(f"ct:parallel,views={views}", n)
        y = op(phantoms)
        result = {}
        seconds = median_time(lambda: result.update(x=genreg.fbp(y, op)))
        out.update(fbp_per_slice=seconds / BATCH, psnr=psnr(result["x"], phantoms), peak_mib=peak_mib() - baseline)
    elif task == "skimage":
        import numpy as np
        from skimage.transform import iradon, radon
        theta = (np.arange(views) + 0.5) * 180.0 / views  # genreg's midpoints, in degrees
        image = phantoms[0, 0].double().numpy()
        sinogram = {}
        forward = median_time(lambda: sinogram.update(s=radon(image, theta=theta, circle=False)))
        recon = {}
        fbp = median_time(lambda: recon.update(x=iradon(sinogram["s"], theta=theta, filter_name="ramp",
                                                          circle=False, output_size=n)))
        out.update(detectors=sinogram["s"].shape[0], forward_per_slice=forward, fbp_per_slice=fbp,
                   psnr=psnr(torch.from_numpy(recon["x"]), phantoms[0, 0]),
                   peak_mib=peak_mib() - baseline)
    print(json.dumps(out))


def run_child(task, n, views, threads):
    line = subprocess.run([sys.executable, __file__, "--child", task, str(n), str(views), str(threads)],
                          check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    result = json.loads(line)
    print(f"  {task} {n}px {views} views {threads} thread(s): {result}", file=sys.stderr, flush=True)
    return result


def main():
    if "--child" in sys.argv:
        i = sys.argv.index("--child")
        task, n, views, threads = sys.argv[i + 1], int(sys.argv[i + 2]), int(sys.argv[i + 3]), int(sys.argv[i + 4])
        return child(task, n, views, threads)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    if dirty and "--allow-dirty" not in sys.argv:
        raise SystemExit("benchmarks/ct_scale.py: uncommitted changes: commit first, so that the result names "
                         "the code that made it")
    import genreg
    start = time.perf_counter()
    provenance = json.loads(genreg._genreg.provenance(["benchmarks/ct_scale.py"] + sys.argv[1:]))
    rows = []
    configurations = [(n, views_for(n)) for n in SIZES] + [(512, 1000)]
    for n, views in configurations:
        row = {"size": n, "views": views}
        for task in ("matrix-free", "matrix", "fbp"):
            for threads in (2, 1):
                if task == "matrix" and threads == 1:
                    continue
                row[f"{task}_{threads}"] = run_child(task, n, views, threads)
        row["skimage"] = run_child("skimage", n, views, 1)
        rows.append(row)
    document = {"command": "/usr/bin/python3 benchmarks/ct_scale.py", "recorded_by": "benchmarks/ct_scale.py",
                "provenance": provenance, "seconds": time.perf_counter() - start, "batch": BATCH,
                "results": {"rows": rows}}
    out = ROOT / "benchmarks" / "results" / "ct-scale.json"
    out.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
