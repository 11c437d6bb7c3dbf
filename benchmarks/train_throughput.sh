#!/usr/bin/env bash
# Training throughput of every model kind on mnist (28x28) and shapes (56x56), genreg against the
# same networks in PyTorch (benchmarks/pytorch/train_throughput.py), on this machine. Run alone
# (anything else on the cores distorts both columns):
#   benchmarks/train_throughput.sh [build/genreg] [python3 with torch]
# genreg: 2,048 training images, 2 epochs of batch 64, the second epoch's images/s from
# history.json. PyTorch: 2,048 random images, the second of 2 epochs timed.
set -euo pipefail
genreg=${1:-build/genreg}
python=${2:-/usr/bin/python3}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export OMP_NUM_THREADS=2
printf '| model | data | genreg (C++) img/s | PyTorch img/s |\n|---|---|---|---|\n'
for data in mnist:28 shapes:56; do
  name=${data%%:*}
  size=${data##*:}
  for kind in ae vae wgan-gp gan-hinge gan; do
    "$genreg" train --model "$kind" --dataset "$name" --indices 0:2048 --epochs 2 --test-indices 0:64 \
      --out "$scratch/$kind-$name.pt" >/dev/null
    ours=$("$python" -c "import json,sys; print(round(json.load(open(sys.argv[1]))['history'][-1]['images_per_second']))" \
      "$scratch/$kind-${name}_train/history.json")
    theirs=$("$python" "$here/pytorch/train_throughput.py" --model "$kind" --size "$size" --images 2048 \
      --latent-dim $([ "$name" = shapes ] && echo 10 || echo 8) | awk '{print $3}')
    printf '| %s | %s | %s | %s |\n' "$kind" "$name" "$ours" "$theirs"
  done
done
