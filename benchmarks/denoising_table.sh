#!/usr/bin/env bash
# The denoising table of BENCHMARKS.md ("Plug-and-play"; PROTOCOL.md: Gaussian noise of sigma 0.05,
# 0.1 and 0.2 on test images 0..199): per dataset and sigma, the noisy input's PSNR (computed,
# 20 log10(1 / sigma)), TV denoising with lambda chosen on images 0..19 from a 17-point grid
# 0.1..1000, and each given denoiser applied once (`--method denoiser`, the image range [0, 1]).
#
#   benchmarks/denoising_table.sh OUT DATASET=DENOISER.pt [DATASET=DENOISER.pt ...]
#   e.g. benchmarks/denoising_table.sh /tmp/den mnist=docs/models/mnist/drunet.pt
#
# GENREG (default build/genreg) names the binary. Prints a markdown table; the runs stay in OUT.
set -euo pipefail
genreg=${GENREG:-build/genreg}
if [ $# -lt 2 ]; then
  echo "usage: $0 OUT DATASET=DENOISER.pt [DATASET=DENOISER.pt ...]" >&2
  exit 2
fi
out=$1
shift
mkdir -p "$out"

# mean psnr and ssim (and the chosen lambda) of one reconstruct run's results.json
summary() {
  python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
m = r["metrics"]
lam = r.get("lambda")
print("%.2f %.3f %s" % (m["psnr"]["mean"], m["ssim"]["mean"], "%g" % lam if isinstance(lam, (int, float)) else "-"))
' "$1/results.json"
}

echo "| data | sigma | noisy | TV (lambda) | denoiser | denoiser psnr | denoiser ssim | TV ssim |"
echo "|---|---|---|---|---|---|---|---|"
for pair in "$@"; do
  data=${pair%%=*}
  denoiser=${pair#*=}
  for sigma in 0.05 0.1 0.2; do
    run=$out/$data-$sigma
    "$genreg" simulate --dataset "$data" --indices 0:200 --operator denoise --noise "$sigma" --out "$run.pt" >/dev/null
    "$genreg" reconstruct --measurements "$run.pt" --method denoiser --denoiser "$denoiser" --out "$run-denoiser" >/dev/null
    "$genreg" reconstruct --measurements "$run.pt" --method tv --lambda-grid 1e-1:1e3:17 --validate 0:20 \
      --out "$run-tv" >/dev/null
    read -r den_psnr den_ssim _ < <(summary "$run-denoiser")
    read -r tv_psnr tv_ssim tv_lambda < <(summary "$run-tv")
    noisy=$(python3 -c "import math; print('%.2f' % (20 * math.log10(1 / $sigma)))")
    echo "| $data | $sigma | $noisy | $tv_psnr ($tv_lambda) | $(basename "$denoiser") | $den_psnr | $den_ssim | $tv_ssim |"
  done
done
