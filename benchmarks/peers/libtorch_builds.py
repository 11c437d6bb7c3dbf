#!/usr/bin/env python3
"""The same genreg on two LibTorch builds, in one run (issue #35; BENCHMARKS.md "genreg on Debian's
LibTorch 1.13 and PyPI's 2.15"): build/genreg (scripts/setup: Debian's libtorch 1.13 with OpenBLAS)
against the program `pip install .` put into the peer environment (PyPI's torch 2.15 with its MKL),
on the README's main job (`genreg demo`) and three solver workloads, alternating the two programs
so that drifts of the machine's speed hit both. Wall-clock seconds of the whole process; the
workloads' psnr is read from their results and must agree (the same code: a disagreement beyond
rounding would mean one build computes something else).

    /usr/bin/python3 benchmarks/peers/libtorch_builds.py      # benchmarks/results/libtorch-builds.json

Needs build/genreg (scripts/setup) and build/peers/bin/genreg (scripts/peers); a committed tree.
"""
import json
import pathlib
import subprocess
import sys
import tempfile
import time

import peer_results

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILDS = {"debian-1.13": ROOT / "build" / "genreg", "pypi-2.15": ROOT / "build" / "peers" / "bin" / "genreg"}
MODELS = ROOT / "docs" / "models"


def workloads(folder):
    tomo, cs = folder / "tomo.pt", folder / "cs.pt"
    setup = [["simulate", "--dataset", "shapes", "--indices", "100:200", "--operator", "tomo", "--noise", "0.1",
              "--out", str(tomo)],
             ["simulate", "--dataset", "mnist", "--indices", "100:200", "--operator", "cs:150", "--noise", "0.1",
              "--out", str(cs)]]
    runs = [("demo", ["demo"]),
            ("pnp-hqs, tomo, shapes 100 images", ["reconstruct", "--measurements", str(tomo), "--method", "pnp-hqs",
                                                  "--denoiser", str(MODELS / "shapes" / "drunet.pt"), "--lambda", "0.1"]),
            ("tv, tomo, shapes 100 images", ["reconstruct", "--measurements", str(tomo), "--method", "tv",
                                             "--lambda", "2.2"]),
            ("hard (VAE), cs:150, mnist 100 images", ["reconstruct", "--measurements", str(cs), "--method", "hard",
                                                      "--generator", str(MODELS / "mnist" / "vae.pt"),
                                                      "--lambda", "0.1", "--restarts", "4"])]
    return setup, runs


def psnr_of(out):
    document = json.loads((out / "results.json").read_text())
    found = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("psnr", "psnr_paper") and isinstance(value, (int, float)):
                    found.append(value)
                elif key in ("psnr", "psnr_paper") and isinstance(value, dict) and "mean" in value:
                    found.append(value["mean"])
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(document.get("results", document))
    return found


def main():
    peer_results.require_committed("libtorch_builds.py")
    for name, program in BUILDS.items():
        if not program.exists():
            raise SystemExit(f"libtorch_builds.py: {program} is missing (scripts/setup, scripts/peers)")
    versions = {name: subprocess.run([str(p), "--version"], capture_output=True, text=True).stdout.strip()
                for name, p in BUILDS.items()}
    start = time.perf_counter()
    provenance = None
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp)
        setup, runs = workloads(folder)
        for args in setup:
            subprocess.run([str(BUILDS["debian-1.13"])] + args, check=True,
                           capture_output=True)
        for label, args in runs:
            row = {"workload": label, "args": args[:1] + [a.replace(str(ROOT) + "/", "") for a in args[1:]]}
            for name, program in BUILDS.items():
                out = folder / f"{name}-{len(rows)}"
                began = time.perf_counter()
                done = subprocess.run([str(program)] + args + ["--out", str(out), "--json"], capture_output=True,
                                      text=True)
                seconds = time.perf_counter() - began
                if done.returncode != 0:
                    raise SystemExit(f"libtorch_builds.py: {name} {label} failed: {done.stderr.strip()[-400:]}")
                row[name] = {"seconds": seconds, "psnr": psnr_of(out)}
                if provenance is None:
                    provenance = json.loads((out / "results.json").read_text()).get("provenance")
                print(f"  {label}: {name} {seconds:.1f} s psnr {row[name]['psnr'][:4]}", file=sys.stderr, flush=True)
            rows.append(row)
    if provenance is not None:
        provenance["argv"] = ["benchmarks/peers/libtorch_builds.py"]
    document = {"command": "/usr/bin/python3 benchmarks/peers/libtorch_builds.py",
                "recorded_by": "benchmarks/peers/libtorch_builds.py", "provenance": provenance,
                "versions": versions, "seconds": time.perf_counter() - start, "results": {"rows": rows}}
    peer_results.write(document, "libtorch-builds", quick=False)


if __name__ == "__main__":
    main()
