#include "genreg/eval/generative_sweep.h"

#include <chrono>
#include <iomanip>
#include <sstream>

#include "genreg/core/error.h"
#include "genreg/eval/metrics.h"

namespace genreg {
namespace {

// An iteration callback that writes a line to `log` at most every `interval` seconds.
IterationCallback throttled(const std::function<void(const std::string&)>& log, double interval,
                            const std::string& what) {
  if (!log) return {};
  using Clock = std::chrono::steady_clock;
  auto start = std::make_shared<Clock::time_point>(Clock::now());
  auto last = std::make_shared<Clock::time_point>(*start);
  return [=](int64_t k, const torch::Tensor&, const torch::Tensor& f) {
    const auto now = Clock::now();
    if (std::chrono::duration<double>(now - *last).count() >= interval) {
      *last = now;
      std::ostringstream line;
      line << "  " << what << ": iteration " << k << ", mean objective " << std::setprecision(6)
           << f.mean().item<double>() << ", " << std::setprecision(3)
           << std::chrono::duration<double>(now - *start).count() << " s";
      log(line.str());
    }
    return true;
  };
}

}  // namespace

GenerativeSweep sweep_generative(const GenerativeReconstructor& method, const Measurements& m,
                                 const std::vector<double>& lambdas, int64_t max_images,
                                 const ProgressReport& progress,
                                 const std::function<void(const std::string&)>& log, double interval) {
  require(!lambdas.empty(), "empty lambda grid");
  const auto start = std::chrono::steady_clock::now();
  const auto op = m.make_op();
  const int64_t n = m.size(), l = static_cast<int64_t>(lambdas.size());
  const int64_t r = method.name() == "encoder" ? 1 : method.options().restarts();
  // One batch holds every lambda for a chunk of images (images x lambdas x restarts samples).
  const int64_t chunk = std::max<int64_t>(1, max_images / l);
  std::vector<torch::Tensor> xs, objectives, discrepancies, psnrs;
  GenerativeSweep out;
  out.kept.lambdas = lambdas;
  for (int64_t i0 = 0; i0 < n; i0 += chunk) {
    const int64_t len = std::min(chunk, n - i0);
    // Sample s = lambda (s / len), image i0 + (s % len).
    const auto images = torch::arange(i0, i0 + len, torch::kLong).repeat({l});
    const auto lambda = torch::tensor(lambdas, torch::kFloat64).repeat_interleave(len);
    DataFidelity data(op, m.y.index_select(0, images.to(m.y.device())), m.sigma);
    const auto res = method.solve_full(data, lambda, &out.kept.summary,
                                       throttled(log, interval,
                                                 "sweep over " + std::to_string(l) + " lambdas, images " +
                                                     std::to_string(i0) + "-" + std::to_string(i0 + len)));
    xs.push_back(res.x.view({l, len, res.x.size(1), res.x.size(2), res.x.size(3)}).to(torch::kCPU));
    objectives.push_back(res.objective.view({l, len, r}));
    discrepancies.push_back(res.discrepancy.view({l, len, r}));
    if (m.has_truth()) {
      const auto truth =
          m.x_true.index_select(0, images.to(m.x_true.device())).to(torch::kCPU, torch::kFloat32);
      psnrs.push_back(psnr(res.restarts_x.to(torch::kCPU).flatten(0, 1), truth.repeat_interleave(r, 0))
                          .view({l, len, r}));
    }
    if (progress)
      progress((i0 + len) * l, n * l,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  out.kept.x = torch::cat(xs, 1);
  out.objective = torch::cat(objectives, 1);
  out.discrepancy = torch::cat(discrepancies, 1);
  // The kept restart has the lowest objective.
  const auto kept = out.objective.argmin(2, true);
  out.kept.discrepancy = out.discrepancy.gather(2, kept).squeeze(2);
  if (!psnrs.empty()) {
    out.psnr = torch::cat(psnrs, 1);
    out.kept.psnr = out.psnr.gather(2, kept).squeeze(2);
  }
  out.kept.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.kept.summary.seconds = out.kept.seconds;
  return out;
}

GenerativeResult solve_generative(const GenerativeReconstructor& method, const Measurements& m,
                                  const torch::Tensor& lambda, int64_t max_samples,
                                  const std::function<void(const std::string&)>& log, double interval) {
  require(lambda.dim() == 1 && lambda.size(0) == m.size(), "one lambda per image is needed");
  const auto op = m.make_op();
  const int64_t n = m.size(), r = method.name() == "encoder" ? 1 : method.options().restarts();
  const int64_t chunk = std::max<int64_t>(1, max_samples / r);
  std::vector<torch::Tensor> x, gz, u, z, objective, discrepancy, chosen;
  for (int64_t i0 = 0; i0 < n; i0 += chunk) {
    const int64_t len = std::min(chunk, n - i0);
    const auto idx = torch::arange(i0, i0 + len, torch::kLong);
    DataFidelity data(op, m.y.index_select(0, idx.to(m.y.device())), m.sigma);
    const auto progress =
        throttled(log, interval, "images " + std::to_string(i0) + "-" + std::to_string(i0 + len));
    const auto res = method.solve_full(data, lambda.narrow(0, i0, len), nullptr, progress);
    x.push_back(res.x);
    gz.push_back(res.gz);
    if (res.u.defined()) u.push_back(res.u);
    if (res.z.defined()) z.push_back(res.z);
    objective.push_back(res.objective);
    discrepancy.push_back(res.discrepancy);
    chosen.push_back(res.chosen);
  }
  GenerativeResult out;
  out.x = torch::cat(x);
  out.gz = torch::cat(gz);
  if (!u.empty()) out.u = torch::cat(u);
  if (!z.empty()) out.z = torch::cat(z);
  out.objective = torch::cat(objective);
  out.discrepancy = torch::cat(discrepancy);
  out.chosen = torch::cat(chosen);
  return out;
}

}  // namespace genreg
