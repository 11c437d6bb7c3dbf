#!/usr/bin/env bash
# Data-parallel training on this machine (BENCHMARKS.md, "Data-parallel training"): for each
# default model on mnist, one process of 2 threads against 2 ranks of 1 thread (`--nproc 2`), and
# what the ranks' synchronisation costs (all-reduce ms per step and its share of the step). Then
# PyTorch's DistributedDataParallel written the usual way (benchmarks/pytorch/ddp_train.py) for the
# autoencoders, 1 x 2 threads against 2 x 1. Run alone:
#   benchmarks/data_parallel.sh [build/genreg] [python3 with torch]
# 2,048 training images, 2 epochs of batch 64 (32 steps each); images/s over both epochs' training
# time (history.json), all-reduce figures from results.json (data_parallel).
set -euo pipefail
genreg=${1:-build/genreg}
python=${2:-/usr/bin/python3}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
unset OMP_NUM_THREADS
read_run() {  # images/s, then (for a data-parallel run) all-reduce ms/step, share of the step, KiB/step
  "$python" - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["results"]
h = r["history"]
seconds = sum(e["seconds"] for e in h)
images = r["train_images"] if "train_images" in r else d["settings"]["train_images"]
steps = len(h) * (images // d["settings"]["options"]["batch_size"])
out = [str(round(steps * d["settings"]["options"]["batch_size"] / seconds))]
p = r.get("data_parallel")
if p:
    step_ms = 1000 * seconds / steps
    out += ["%.2f" % p["all_reduce_ms_per_step"], "%.1f%%" % (100 * p["all_reduce_ms_per_step"] / step_ms),
            "%.0f" % (p["bytes_per_step"] / 1024), "%.1f" % step_ms]
print(" ".join(out))
PY
}
printf '| model | 1 x 2 threads img/s | 2 x 1 thread img/s | step (ms) | all-reduce ms/step | share of the step | KiB per step |\n'
printf '|---|---|---|---|---|---|---|\n'
for kind in ae vae wgan-gp drunet dncnn ddpm cfm; do
  extra=""
  [ "$kind" = cfm ] && extra="--operator cs:150 --noise 0.1"
  common="train --model $kind --dataset mnist --indices 0:2048 --epochs 2 --test-indices 0:64 $extra"
  "$genreg" --threads 2 --json $common --out "$scratch/$kind-1.pt" >"$scratch/$kind-1.json" 2>/dev/null
  "$genreg" --threads 1 --json $common --nproc 2 --out "$scratch/$kind-2.pt" >"$scratch/$kind-2.json" 2>/dev/null
  read -r one <<<"$(read_run "$scratch/$kind-1.json")"
  read -r two ms share kib step <<<"$(read_run "$scratch/$kind-2.json")"
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$kind" "$one" "$two" "$step" "$ms" "$share" "$kib"
done
echo
printf '| PyTorch DDP | 1 x 2 threads img/s | 2 x 1 thread img/s |\n|---|---|---|\n'
for kind in ae vae; do
  one=$(cd "$here/pytorch" && "$python" ddp_train.py --model "$kind" --nproc 1 --threads 2 | awk '{print $6}')
  two=$(cd "$here/pytorch" && "$python" ddp_train.py --model "$kind" --nproc 2 --threads 1 | awk '{print $6}')
  printf '| %s | %s | %s |\n' "$kind" "$one" "$two"
done
