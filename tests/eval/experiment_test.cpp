// The experiment specifications and one method of an experiment: parameter choice by validation.
#include "genreg/eval/experiment.h"

#include <gtest/gtest.h>

#include "genreg/core/error.h"
#include "genreg/data/dataset.h"
#include "genreg/operators/measurements.h"
#include "genreg/pipeline/operator_shift.h"
#include "genreg/solvers/classical_methods.h"

namespace genreg {
namespace {

TEST(ExperimentSpec, EveryPaperCellBelongsToAMethod) {
  for (const auto& id : experiment_ids()) {
    const auto spec = experiment_spec(id);
    // Every experiment but the one the paper shows as figures only has the paper's cells.
    EXPECT_EQ(spec.paper.empty(), id == "mnist-deblur") << id;
    for (const auto& [key, cell] : spec.paper) {
      const bool found = std::any_of(spec.methods.begin(), spec.methods.end(),
                                     [&](const ExperimentMethod& m) { return m.key() == key; });
      EXPECT_TRUE(found) << id << ": " << key;
      EXPECT_GT(cell.mean, 10.0) << key;
    }
    for (const auto& m : spec.methods) {
      EXPECT_FALSE(m.lambdas.empty()) << m.key();
      // A learned method's model is one of the experiment's generators, denoisers, diffusion or
      // conditional models, of the role the method needs.
      if (!m.learned()) continue;
      const auto role = MethodRegistry::instance().at(m.method).needs;
      const auto& kinds = role == ModelRole::generator         ? spec.generators
                          : role == ModelRole::denoiser        ? spec.denoisers
                          : role == ModelRole::noise_predictor ? spec.diffusion_models
                                                               : spec.conditional_models;
      EXPECT_NE(std::find(kinds.begin(), kinds.end(), m.model), kinds.end()) << id << " " << m.key();
    }
  }
  EXPECT_EQ(experiment_spec("table1a").operator_spec, "cs:150");
  EXPECT_EQ(experiment_spec("table1b").latent_dim, 10);
  EXPECT_EQ(experiment_spec("shapes-plus-tomo").sigma, 0.05);
  EXPECT_THROW(experiment_spec("table2"), Error);
}

TEST(ExperimentSpec, TomographyExperimentsUseTheShapesRecipe) {
  // mnist trains on the whole split with each kind's default epochs and solves from 4 starts.
  const auto a = experiment_spec("table1a");
  EXPECT_EQ(a.restarts, 4);
  EXPECT_TRUE(a.train_indices.empty());
  EXPECT_TRUE(a.train_epochs.empty());
  // The 56x56 experiments: the recipe of the committed shapes generators, one start.
  for (const char* id : {"table1b", "shapes-plus-tomo"}) {
    const auto s = experiment_spec(id);
    EXPECT_EQ(s.restarts, 1) << id;
    EXPECT_EQ(s.train_indices, "0:10000") << id;
    for (const auto& kind : s.generators) EXPECT_EQ(s.train_epochs.count(kind), 1u) << id << " " << kind;
    for (const auto& kind : s.denoisers) EXPECT_EQ(s.train_epochs.count(kind), 1u) << id << " " << kind;
    EXPECT_EQ(s.train_dataset, "shapes") << id;
  }
  // Every generative grid of table1b holds the optima found on its validation images strictly
  // inside (hard: AE 0.01, VAE 1; relaxed and sparse: lambda 100), so the choice is not at an edge.
  const auto b = experiment_spec("table1b");
  auto inside = [](const std::vector<double>& grid, double v) {
    return grid.size() >= 3 && grid.front() < v * 0.999 && grid.back() > v * 1.001 &&
           std::any_of(grid.begin(), grid.end(), [&](double g) { return std::abs(g / v - 1) < 1e-9; });
  };
  for (const auto& m : b.methods) {
    if (m.method == "hard") {
      EXPECT_TRUE(inside(m.lambdas, 0.01) && inside(m.lambdas, 1.0)) << m.key();
    } else if (m.reads_mu()) {
      EXPECT_TRUE(inside(m.lambdas, 100.0)) << m.key();
    }
  }
}

// Each part of operator-shift starts at its base experiment's own acquisition (where its methods are
// tuned and its conditional models trained), runs only methods the base has, and shifts the
// acquisition in every further column.
TEST(ExperimentSpec, OperatorShiftPartsStartAtTheirBaseAcquisition) {
  const auto parts = operator_shift_parts();
  ASSERT_EQ(parts.size(), 2u);
  for (const auto& part : parts) {
    const auto base = experiment_spec(part.base);
    ASSERT_GE(part.acquisitions.size(), 3u) << part.name;
    EXPECT_EQ(part.acquisitions.front().operator_spec, base.operator_spec) << part.name;
    EXPECT_EQ(part.acquisitions.front().sigma, base.sigma) << part.name;
    for (size_t i = 1; i < part.acquisitions.size(); ++i) {
      const auto& a = part.acquisitions[i];
      EXPECT_TRUE(a.operator_spec != base.operator_spec || a.sigma != base.sigma)
          << part.name << " " << a.name;
    }
    bool conditional = false, unconditional = false;
    for (const auto& key : part.methods) {
      const auto it = std::find_if(base.methods.begin(), base.methods.end(),
                                   [&](const ExperimentMethod& m) { return m.key() == key; });
      ASSERT_NE(it, base.methods.end()) << part.name << " " << key;
      const auto need = MethodRegistry::instance().at(it->method).needs;
      (need == ModelRole::conditional_generator ? conditional : unconditional) = true;
    }
    EXPECT_TRUE(conditional && unconditional) << part.name;
  }
}

// A table of methods without generators (experiment --only with classical or sampling rows) still
// shows every value, in one "result" column, and the uncertainty table shows a sampler's coverage.
TEST(ExperimentSpec, TablesWithoutGeneratorsShowTheirValues) {
  auto spec = experiment_spec("table1a");
  spec.generators.clear();
  const auto truth = torch::full({4, 1, 8, 8}, 0.5f);
  MethodResult r;
  r.method = ExperimentMethod{"tv", "", {1.0}};
  r.x = truth + 0.1f;  // psnr exactly 20 dB
  r.metrics = compute_metrics(r.x, truth);
  r.uncertainty = {
      {"coverage_90", 0.5},    {"coverage_90_support", 0.25},    {"std_error_correlation", 0.1},
      {"interval_scale", 2.5}, {"calibrated_coverage_90", 0.95}, {"calibrated_coverage_90_support", 0.9}};
  r.audit = {{"share_outside", 1.0}, {"share_below", 1.0}, {"share_above", 0.0}};
  const auto md = experiment_markdown(spec, {r});
  EXPECT_NE(md.find("| method | result |"), std::string::npos) << md;
  EXPECT_NE(md.find("| TV | 20.00 +- 0.00 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| TV | 50.0% | 25.0% | 2.500 | 95.0% / 90.0% | 0.100 | 100.0% (100.0% / 0.0%) |"),
            std::string::npos)
      << md;
  // Without a fitted scale the calibrated cells are empty.
  r.uncertainty.erase("interval_scale");
  EXPECT_NE(experiment_markdown(spec, {r}).find("| TV | 50.0% | 25.0% | - | - | 0.100 |"), std::string::npos);
}

TEST(ExperimentMethodRun, ChoosesTheBestValidationLambdaAndScoresTheReport) {
  const auto data = load_dataset("mnist", DatasetOptions().split("test").range(IndexRange::parse("0:10")));
  const auto m = simulate_measurements(data, "cs:150", NoiseModel::parse("0.1"), 3);
  const auto validation = m.select(torch::arange(0, 4, torch::kLong));
  const auto report = m.select(torch::arange(4, 10, torch::kLong));
  ExperimentMethod tv{"tv", "", {0.01, 1.0, 100.0}, {1.0}};
  const auto r = run_experiment_method(tv, {}, validation, report, {});
  ASSERT_EQ(r.validation_curve.size(), 1u);
  const auto& curve = r.validation_curve[0];
  const auto best = std::max_element(curve.begin(), curve.end()) - curve.begin();
  EXPECT_EQ(r.lambda, tv.lambdas[best]);
  EXPECT_EQ(r.validation_psnr, curve[best]);
  // The curve is the PSNR of TV at each lambda on the validation images, solved independently.
  const TvReconstructor solver;
  for (size_t k = 0; k < tv.lambdas.size(); ++k) {
    const auto x = reconstruct(solver, validation, torch::full({4}, tv.lambdas[k], torch::kFloat64)).x;
    EXPECT_NEAR(curve[k], psnr(x.to(torch::kFloat32), validation.x_true).mean().item<double>(), 1e-3);
  }
  // The report images are solved at the chosen lambda and scored against their own truth.
  const auto x = reconstruct(solver, report, torch::full({6}, r.lambda, torch::kFloat64)).x;
  EXPECT_TRUE(torch::allclose(r.x, x.to(torch::kFloat32), 1e-5, 1e-5));
  EXPECT_NEAR(r.metrics[0].summary.mean, psnr(x.to(torch::kFloat32), report.x_true).mean().item<double>(),
              1e-6);
  EXPECT_EQ(r.metrics[0].summary.count, 6);
}

}  // namespace
}  // namespace genreg
