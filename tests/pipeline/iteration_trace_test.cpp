// The iteration trace records what the method's iterates are: its last entry equals the returned
// reconstruction's PSNR and discrepancy, and rows of several starts per image are matched to their
// image's truth in the methods' image-major layout.
#include "genreg/pipeline/iteration_trace.h"

#include <gtest/gtest.h>

#include <cmath>

#include "genreg/core/error.h"
#include "genreg/eval/metrics.h"
#include "genreg/operators/make_operator.h"
#include "genreg/solvers/method_registry.h"

namespace genreg {
namespace iteration_trace_test {

TEST(IterationTrace, LastEntryIsTheReconstruction) {
  torch::manual_seed(1);
  const auto op = make_operator("cs:30", 8, 8);
  const auto truth = torch::rand({3, 1, 8, 8}, torch::kFloat64);
  const auto clean = op->apply(truth);
  const auto y = clean + 0.05 * torch::randn(clean.sizes(), torch::kFloat64);
  const DataFidelity data(op, y, 0.05);
  const auto lambda = torch::full({3}, 0.3, torch::kFloat64);
  const auto method = make_method("tikhonov");
  SolverSummary summary;
  const auto x = method->solve(data, lambda, &summary);
  const auto trace = trace_iterations(*method, data, lambda, truth);
  ASSERT_EQ(trace.iteration.size(), trace.discrepancy.size());
  ASSERT_EQ(trace.iteration.size(), trace.psnr.size());
  EXPECT_EQ(static_cast<int64_t>(trace.iteration.size()), summary.iterations.max().item<int64_t>());
  const double level = 30 * 0.05 * 0.05;
  EXPECT_NEAR(trace.discrepancy.back(), data.discrepancy(x).mean().item<double>() / level, 1e-6);
  EXPECT_NEAR(trace.psnr.back(), psnr(x.to(torch::kFloat32), truth.to(torch::kFloat32)).mean().item<double>(),
              1e-4);
  // Conjugate gradients from 0 move towards the data: the discrepancy falls from the first entry.
  EXPECT_LT(trace.discrepancy.back(), trace.discrepancy.front());
  EXPECT_EQ(trace.to_json()["psnr"].size(), trace.psnr.size());
}

// Two starts per image: each image's rows are its truth plus 0.05 and minus 0.1, so the mean PSNR is
// (20 log10(1 / 0.05) + 20 log10(1 / 0.1)) / 2 only when rows meet their own image's truth. An
// iterate of another size (a sampler's chunk) is skipped.
class TwoStarts : public Reconstructor {
 public:
  explicit TwoStarts(torch::Tensor truth) : truth_(std::move(truth)) {}
  std::string name() const override { return "two-starts"; }
  int64_t starts_per_image() const override { return 2; }
  torch::Tensor solve(const DataFidelity& data, const torch::Tensor&, SolverSummary*,
                      const IterationCallback& callback) const override {
    const auto rows = torch::stack({truth_ + 0.05, truth_ - 0.1}, 1).flatten(0, 1);  // image-major
    if (callback) {
      callback(1, rows.narrow(0, 0, 3), torch::zeros({3}));
      callback(2, rows, torch::zeros({rows.size(0)}));
    }
    return truth_.clone();
  }

 private:
  torch::Tensor truth_;
};

TEST(IterationTrace, StartsMeetTheirOwnImagesTruth) {
  torch::manual_seed(2);
  const auto op = make_operator("denoise", 6, 6);
  const auto truth = 0.2 + 0.6 * torch::rand({4, 1, 6, 6});
  const DataFidelity data(op, op->apply(truth), 0.1);
  const auto trace = trace_iterations(TwoStarts(truth), data, torch::ones({4}, torch::kFloat64), truth);
  ASSERT_EQ(trace.iteration, std::vector<double>{2.0});
  EXPECT_EQ(trace.rows_per_image, 2);
  EXPECT_NEAR(trace.psnr[0], 0.5 * (20 * std::log10(1 / 0.05) + 20 * std::log10(1 / 0.1)), 1e-3);
  // ||A x - y||^2 / (M sigma^2) with A = I: (0.05^2 + 0.1^2) / 2 / 0.1^2 per pixel.
  EXPECT_NEAR(trace.discrepancy[0], 0.5 * (0.05 * 0.05 + 0.1 * 0.1) / (0.1 * 0.1), 1e-4);
}

TEST(IterationTrace, RefusesAMethodWithoutUsableIterates) {
  const auto op = make_operator("denoise", 6, 6);
  const auto truth = torch::rand({5, 1, 6, 6});
  const DataFidelity data(op, op->apply(truth), 0.1);
  // Every iterate has 2 rows for 5 images: none can be matched to the truth.
  class Silent : public Reconstructor {
   public:
    std::string name() const override { return "silent"; }
    torch::Tensor solve(const DataFidelity& d, const torch::Tensor&, SolverSummary*,
                        const IterationCallback& callback) const override {
      const auto x = torch::zeros({2, 1, 6, 6});
      if (callback) callback(1, x, torch::zeros({2}));
      return torch::zeros({d.y().size(0), 1, 6, 6});
    }
  };
  EXPECT_THROW(trace_iterations(Silent(), data, torch::ones({5}, torch::kFloat64), truth), Error);
}

}  // namespace iteration_trace_test
}  // namespace genreg
