#include "genreg/eval/parameter_choice.h"

#include <chrono>
#include <cmath>
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
  require(lo > 0 && hi >= lo && n >= 1, "bad lambda grid '", text, "' (need 0 < A <= B and N >= 1)");
  std::vector<double> out;
  for (int64_t i = 0; i < n; ++i) {
    const double v = n == 1 ? lo : lo * std::pow(hi / lo, double(i) / double(n - 1));
    // Rounded to 12 significant digits, so that 1e-2:1e2:5 holds 10 rather than 9.999999999999998.
    const double scale = std::pow(10.0, 11 - std::floor(std::log10(v)));
    out.push_back(std::round(v * scale) / scale);
  }
  return out;
}

torch::Tensor reconstruct(const Reconstructor& method, const Measurements& m, const torch::Tensor& lambda,
                          int64_t max_batch, SolverSummary* summary, const ProgressLog& log,
                          double interval) {
  const auto op = m.make_op();
  const int64_t n = m.size();
  require(lambda.numel() == n, "one lambda per image expected");
  std::vector<torch::Tensor> parts;
  SolverSummary chunk_summary;
  double seconds = 0;
  for (int64_t start = 0; start < n; start += max_batch) {
    const int64_t len = std::min(max_batch, n - start);
    DataFidelity data(op, m.y.narrow(0, start, len), m.sigma);
    IterationCallback callback;
    auto last = std::chrono::steady_clock::now();
    if (log) {
      const double level = static_cast<double>(op->range_size()) * m.sigma * m.sigma;
      callback = [&, start, len, level](int64_t k, const torch::Tensor& x, const torch::Tensor& objective) {
        const auto now = std::chrono::steady_clock::now();
        if (std::chrono::duration<double>(now - last).count() < interval) return true;
        last = now;
        std::ostringstream line;
        line << "  images " << start << "-" << start + len << ", iteration " << k << ": objective "
             << objective.mean().item<double>() << ", discrepancy "
             << data.discrepancy(x).mean().item<double>() << " (level " << level << ")";
        log(line.str());
        return true;
      };
    }
    parts.push_back(
        method.solve(data, lambda.narrow(0, start, len).to(torch::kFloat64), &chunk_summary, callback));
    seconds += chunk_summary.seconds;
  }
  if (summary) {
    *summary = chunk_summary;
    summary->seconds = seconds;
  }
  return torch::cat(parts, 0);
}

SweepResult sweep_lambdas(const Reconstructor& method, const Measurements& m,
                          const std::vector<double>& lambdas, int64_t max_batch,
                          const ProgressReport& progress) {
  require(!lambdas.empty(), "empty lambda grid");
  const auto start = std::chrono::steady_clock::now();
  const auto op = m.make_op();
  const int64_t n = m.size(), l = static_cast<int64_t>(lambdas.size()), total = n * l;
  // Sample s = lambda index (s / n), image (s % n): the whole sweep is one long batch, cut in chunks.
  auto lambda_all = torch::tensor(lambdas, torch::kFloat64).repeat_interleave(n);
  auto image_all = torch::arange(n, torch::kLong).repeat({l});
  SweepResult result;
  result.lambdas = lambdas;
  std::vector<torch::Tensor> xs, discrepancies;
  for (int64_t s0 = 0; s0 < total; s0 += max_batch) {
    const int64_t len = std::min(max_batch, total - s0);
    auto images = image_all.narrow(0, s0, len);
    DataFidelity data(op, m.y.index_select(0, images.to(m.y.device())), m.sigma);
    auto x = method.solve(data, lambda_all.narrow(0, s0, len), &result.summary);
    xs.push_back(x);
    discrepancies.push_back(data.discrepancy(x).to(torch::kFloat64));
    if (progress) {
      progress(s0 + len, total,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  }
  auto x = torch::cat(xs, 0);
  result.x = x.view({l, n, x.size(1), x.size(2), x.size(3)});
  result.discrepancy = torch::cat(discrepancies, 0).view({l, n});
  if (m.has_truth()) {
    auto truth = m.x_true.to(x.scalar_type()).repeat({l, 1, 1, 1});
    result.psnr = psnr(x, truth).view({l, n});
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.summary.seconds = result.seconds;
  return result;
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
