#include "genreg/pipeline/parameter_choice.h"

#include <chrono>
#include <cmath>
#include <iomanip>
#include <limits>
#include <memory>
#include <sstream>

#include "genreg/core/error.h"
#include "genreg/eval/metrics.h"
#include "genreg/operators/operator_spec.h"

namespace genreg {

std::vector<double> parse_lambda_grid(const std::string& text) {
  const auto a = text.find(':');
  const auto b = a == std::string::npos ? std::string::npos : text.find(':', a + 1);
  require(b != std::string::npos, "bad lambda grid '", text, "' (use A:B:N, e.g. 1e-3:10:9)");
  const double lo = parse_number(text.substr(0, a), "lambda grid '" + text + "'");
  const double hi = parse_number(text.substr(a + 1, b - a - 1), "lambda grid '" + text + "'");
  const int64_t n = parse_integer(text.substr(b + 1), "lambda grid '" + text + "'");
  require(std::isfinite(lo) && std::isfinite(hi) && lo > 0 && hi >= lo && n >= 1 && n <= 1000,
          "bad lambda grid '", text, "' (need finite 0 < A <= B and 1 <= N <= 1000)");
  std::vector<double> out;
  for (int64_t i = 0; i < n; ++i) {
    const double v = n == 1 ? lo : lo * std::pow(hi / lo, double(i) / double(n - 1));
    // Rounded to 12 significant digits, so that 1e-2:1e2:5 holds 10 rather than 9.999999999999998.
    const double scale = std::pow(10.0, 11 - std::floor(std::log10(v)));
    out.push_back(std::round(v * scale) / scale);
  }
  return out;
}

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

SweepResult sweep_lambdas(const Reconstructor& method, const Measurements& m,
                          const std::vector<double>& lambdas, int64_t max_samples,
                          const ProgressReport& progress, const ProgressLog& log, double interval) {
  require(!lambdas.empty(), "empty lambda grid");
  require(max_samples >= 1, "the batch must hold at least one sample");
  const auto start = std::chrono::steady_clock::now();
  const auto op = m.make_op();
  const int64_t n = m.size(), l = static_cast<int64_t>(lambdas.size()), r = method.starts_per_image();
  // One batch holds every lambda for a chunk of images (images x lambdas x starts samples).
  const int64_t chunk = std::max<int64_t>(1, max_samples / (l * method.batch_per_image()));
  std::vector<torch::Tensor> xs, objectives, discrepancies, psnrs, samples;
  SweepResult out;
  out.lambdas = lambdas;
  for (int64_t i0 = 0; i0 < n; i0 += chunk) {
    const int64_t len = std::min(chunk, n - i0);
    // Sample s = lambda (s / len), image i0 + (s % len).
    const auto images = torch::arange(i0, i0 + len, torch::kLong).repeat({l});
    const auto lambda = torch::tensor(lambdas, torch::kFloat64).repeat_interleave(len);
    const auto y = m.y.index_select(0, images.to(m.y.device()));
    DataFidelity data(op, y, m.sigma, m.weights(y));
    const auto res = method.reconstruct(data, lambda, &out.summary,
                                        throttled(log, interval,
                                                  "sweep over " + std::to_string(l) + " lambdas, images " +
                                                      std::to_string(i0) + "-" + std::to_string(i0 + len)));
    xs.push_back(res.x.view({l, len, res.x.size(1), res.x.size(2), res.x.size(3)}).to(torch::kCPU));
    if (res.samples.defined()) {
      auto sizes = res.samples.sizes().vec();
      sizes.erase(sizes.begin());
      sizes.insert(sizes.begin(), {l, len});
      samples.push_back(res.samples.to(torch::kCPU, torch::kFloat32).view(sizes));
    }
    objectives.push_back(res.objective.view({l, len, r}));
    discrepancies.push_back(res.discrepancy.view({l, len, r}));
    if (m.has_truth()) {
      const auto truth =
          m.x_true.index_select(0, images.to(m.x_true.device())).to(torch::kCPU, torch::kFloat32);
      psnrs.push_back(
          psnr(res.restarts_x.to(torch::kCPU, torch::kFloat32).flatten(0, 1), truth.repeat_interleave(r, 0))
              .view({l, len, r}));
    }
    if (progress)
      progress((i0 + len) * l, n * l,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  out.x = torch::cat(xs, 1);
  if (samples.size() == xs.size()) out.samples = torch::cat(samples, 1);
  out.start_objective = torch::cat(objectives, 1);
  out.start_discrepancy = torch::cat(discrepancies, 1);
  // The kept start has the lowest objective (NaN never wins).
  const auto kept =
      torch::nan_to_num(out.start_objective, std::numeric_limits<double>::infinity()).argmin(2, true);
  out.discrepancy = out.start_discrepancy.gather(2, kept).squeeze(2);
  if (!psnrs.empty()) {
    out.start_psnr = torch::cat(psnrs, 1);
    out.psnr = out.start_psnr.gather(2, kept).squeeze(2);
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.summary.seconds = out.seconds;
  return out;
}

Reconstruction reconstruct(const Reconstructor& method, const Measurements& m, const torch::Tensor& lambda,
                           int64_t max_samples, SolverSummary* summary, const ProgressLog& log,
                           double interval) {
  require(lambda.dim() == 1 && lambda.size(0) == m.size(), "one lambda per image is needed");
  require(max_samples >= 1, "the batch must hold at least one sample");
  const auto op = m.make_op();
  const int64_t n = m.size();
  const int64_t chunk = std::max<int64_t>(1, max_samples / method.batch_per_image());
  std::vector<Reconstruction> parts;
  SolverSummary chunk_summary;
  double seconds = 0.0;
  for (int64_t i0 = 0; i0 < n; i0 += chunk) {
    const int64_t len = std::min(chunk, n - i0);
    const auto idx = torch::arange(i0, i0 + len, torch::kLong);
    const auto y = m.y.index_select(0, idx.to(m.y.device()));
    DataFidelity data(op, y, m.sigma, m.weights(y));
    const auto progress =
        throttled(log, interval, "images " + std::to_string(i0) + "-" + std::to_string(i0 + len));
    parts.push_back(
        method.reconstruct(data, lambda.narrow(0, i0, len).to(torch::kFloat64), &chunk_summary, progress));
    seconds += chunk_summary.seconds;
  }
  if (summary) {
    *summary = chunk_summary;
    summary->seconds = seconds;
  }
  // Concatenates a field over the chunks where every chunk has it.
  auto cat = [&](torch::Tensor Reconstruction::*field) {
    std::vector<torch::Tensor> list;
    for (const auto& p : parts) {
      if (!(p.*field).defined()) return torch::Tensor();
      list.push_back(p.*field);
    }
    return torch::cat(list);
  };
  Reconstruction out;
  for (auto field : kReconstructionFields) out.*field = cat(field);
  // A result holding NaN or inf is a failure, not a result (a lambda far too large, a diverged
  // step): name the method, the image and its lambda.
  const auto finite = torch::isfinite(out.x).flatten(1).all(1).to(torch::kCPU);
  if (!finite.all().item<bool>()) {
    const int64_t image = torch::argmin(finite.to(torch::kInt)).item<int64_t>();
    fail(method.name(), " gave a reconstruction that is not finite (NaN or inf) for image ", image,
         " at lambda ", lambda[image].item<double>(), " of ", lambda.size(0),
         " images; try a smaller lambda");
  }
  return out;
}

int64_t choose_by_validation(const SweepResult& sweep) {
  require(sweep.psnr.defined(), "choosing lambda by validation needs ground truth");
  return sweep.psnr.mean(1).argmax().item<int64_t>();
}

torch::Tensor choose_by_discrepancy(const SweepResult& sweep, int64_t measurements, double sigma) {
  const double level = static_cast<double>(measurements) * sigma * sigma;
  const int64_t l = sweep.discrepancy.size(0), n = sweep.discrepancy.size(1);
  auto choice = torch::zeros({n}, torch::kLong);
  // Lambdas are increasing along the grid: take the last index whose fit is within the level.
  auto fits = (sweep.discrepancy <= level).to(torch::kCPU);
  auto fa = fits.accessor<bool, 2>();
  auto ca = choice.accessor<int64_t, 1>();
  for (int64_t i = 0; i < n; ++i) {
    int64_t best = -1;
    double best_lambda = -1.0;
    for (int64_t k = 0; k < l; ++k) {
      if (fa[k][i] && sweep.lambdas[k] > best_lambda) {
        best = k;
        best_lambda = sweep.lambdas[k];
      }
    }
    if (best < 0) {  // nothing fits: the smallest lambda comes closest
      best = 0;
      for (int64_t k = 1; k < l; ++k)
        if (sweep.lambdas[k] < sweep.lambdas[best]) best = k;
    }
    ca[i] = best;
  }
  return choice;
}

}  // namespace genreg
