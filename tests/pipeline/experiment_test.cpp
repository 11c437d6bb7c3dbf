// The experiment specifications and one method of an experiment: parameter choice by validation.
#include "genreg/pipeline/experiment.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "genreg/core/error.h"
#include "genreg/core/source_dir.h"
#include "genreg/data/dataset.h"
#include "genreg/models/checkpoint.h"
#include "genreg/operators/measurements.h"
#include "genreg/pipeline/experiment_runner.h"
#include "genreg/pipeline/operator_shift.h"
#include "genreg/solvers/classical_methods.h"
#include "test_support.h"

namespace genreg {
namespace {

TEST(ExperimentSpec, EveryPaperCellBelongsToAMethod) {
  for (const auto& id : experiment_ids()) {
    if (is_shift_study(read_experiment_document(id))) {
      EXPECT_THROW(experiment_spec(id), Error) << id;  // a study, not one experiment
      continue;
    }
    const auto spec = experiment_spec(id);
    // Every experiment but those the paper shows as figures or not at all has the paper's cells.
    EXPECT_EQ(spec.paper.empty(), id == "mnist-deblur" || id == "motion-deblur") << id;
    for (const auto& [key, cell] : spec.paper) {
      const bool found = std::any_of(spec.methods.begin(), spec.methods.end(),
                                     [&](const ExperimentMethod& m) { return m.key() == key; });
      EXPECT_TRUE(found) << id << ": " << key;
      EXPECT_GT(cell.mean, 10.0) << key;
    }
    for (const auto& m : spec.methods) {
      // Every method with a lambda has a grid for it.
      EXPECT_EQ(m.lambdas.empty(), !MethodRegistry::instance().at(m.method).has_lambda()) << m.key();
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
  EXPECT_EQ(experiment_spec("motion-deblur").operator_spec, "blur:motion,length=9,angle=20");
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
    } else if (m.grids.count("mu")) {
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
  r.method = ExperimentMethod{"tv", "", {1.0}, {}, {}};
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
  ExperimentMethod tv{"tv", "", {0.01, 1.0, 100.0}, {}, {}};
  const auto r = run_experiment_method(tv, {}, m, torch::arange(0, 4, torch::kLong), {});
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

// A spec file read from anywhere: every built-in spec round-trips through the parser, and a user's
// file with a misspelt key, an unknown method, a model of the wrong role or a setting outside its
// domain is refused with the file and the reason.
TEST(ExperimentSpec, SpecFilesAreCheckedAgainstTheRegistries) {
  const nlohmann::json good = {{"id", "mine"},
                               {"dataset", "mnist"},
                               {"operator", "blur:gauss5"},
                               {"sigma", 0.05},
                               {"methods",
                                {{{"method", "pnp-admm"},
                                  {"models", {"drunet"}},
                                  {"grid", {{"lambda", "0.1:1:3"}}},
                                  {"settings", {{"denoiser_sigma", 0.1}, {"iterations", 50}}}},
                                 {{"method", "sparse"},
                                  {"models", {"vae", "ae"}},
                                  {"grid", {{"lambda", {1, 10}}, {"mu", "1e-3:1e-1:3"}}}},
                                 {{"method", "tv"}, {"grid", {{"lambda", "0.1:10:3"}}}}}}};
  const auto s = parse_experiment_spec(good, "mine.json");
  ASSERT_EQ(s.methods.size(), 4u);
  EXPECT_EQ(s.methods[0].key(), "pnp-admm/drunet");
  EXPECT_EQ(s.methods[0].settings.get<int64_t>("iterations", 0), 50);
  EXPECT_EQ(s.methods[2].key(), "sparse/ae");
  EXPECT_EQ(s.methods[2].lambdas, (std::vector<double>{1, 10}));
  EXPECT_EQ(s.methods[2].grids.at("mu").size(), 3u);
  EXPECT_EQ(s.generators, (std::vector<std::string>{"vae", "ae"}));
  EXPECT_EQ(s.denoisers, (std::vector<std::string>{"drunet"}));
  EXPECT_EQ(s.train_dataset, "mnist");
  const auto refused = [&](const std::function<void(nlohmann::json&)>& change, const std::string& message) {
    auto j = good;
    change(j);
    try {
      parse_experiment_spec(j, "mine.json");
      ADD_FAILURE() << "accepted: " << j.dump();
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("mine.json"), std::string::npos) << what;
      EXPECT_NE(what.find(message), std::string::npos) << what;
    }
  };
  refused([](auto& j) { j["sigmaa"] = 0.1; }, "unknown key 'sigmaa'");
  refused([](auto& j) { j["methods"][2]["method"] = "tvv"; }, "unknown method 'tvv'");
  refused([](auto& j) { j["methods"][0]["models"] = {"vae"}; }, "needs a denoiser");
  refused([](auto& j) { j["methods"][0]["settings"]["denoiser_sigma"] = 2.0; }, "denoiser_sigma must be");
  refused([](auto& j) { j["methods"][0]["settings"]["zeta"] = 0.5; }, "zeta is not used by pnp-admm");
  refused([](auto& j) { j["methods"][2]["grid"].erase("lambda"); }, "needs a lambda grid");
  refused([](auto& j) { j["methods"][2]["grid"]["restarts"] = "1:4:2"; }, "unknown key 'restarts'");
  refused([](auto& j) { j["methods"].push_back(j["methods"][2]); }, "appears twice");
  // A file on disk: found by path, its errors name it.
  const auto dir = std::filesystem::temp_directory_path() / "genreg_spec_test";
  std::filesystem::create_directories(dir);
  const auto path = (dir / "mine.json").string();
  std::ofstream(path) << good.dump(2);
  EXPECT_EQ(experiment_spec(path).id, "mine");
  std::ofstream(path) << "{ not json";
  EXPECT_THROW(experiment_spec(path), Error);
  EXPECT_THROW(experiment_spec((dir / "missing.json").string()), Error);
  std::filesystem::remove_all(dir);
}

// A grid of a searchable setting (relaxed's mu) is swept with lambda: one sweep per value, each the
// sweep of the method made with that value, and the best (lambda, mu) on the validation images kept.
// A setting that is not searchable is refused as a grid.
TEST(ExperimentMethodRun, SearchesASettingGridWithLambda) {
  const auto data = load_dataset("mnist", DatasetOptions().split("test").range(IndexRange::parse("0:8")));
  const auto m = simulate_measurements(data, "cs:150", NoiseModel::parse("0.1"), 3);
  const auto validation = torch::arange(0, 3, torch::kLong);
  EXPECT_THROW(run_method("tv", {}, {}, m, validation,
                          ParameterRule::validation_grid({1.0}, {{"iterations", {10, 20}}})),
               Error);
  MethodPriors priors;
  priors.generator = model_as<Generator>(
      load_model(std::string(GENREG_SOURCE_DIR) + "/docs/models/mnist/vae.pt", ModelRole::generator),
      "vae.pt");
  const auto settings = MethodSettings().set("iterations", 10).seed(1);
  const std::vector<double> lambdas{1.0, 10.0}, mus{0.001, 0.1};
  const auto run = run_method("relaxed", settings, priors, m, validation,
                              ParameterRule::validation_grid(lambdas, {{"mu", mus}}));
  ASSERT_EQ(run.sweeps.size(), 2u);
  const auto curves = run.validation_curves();
  for (size_t i = 0; i < mus.size(); ++i) {
    EXPECT_EQ(run.swept[i].get<double>("mu", 0.0), mus[i]);
    const auto alone =
        sweep_lambdas(*make_method("relaxed", MethodSettings(settings).set("mu", mus[i]), priors),
                      m.select(validation), lambdas);
    for (size_t k = 0; k < lambdas.size(); ++k)
      EXPECT_NEAR(curves[i][k], alone.psnr[k].mean().item<double>(), 1e-6) << mus[i] << " " << lambdas[k];
  }
  double best = -1e300;
  for (const auto& c : curves) best = std::max(best, *std::max_element(c.begin(), c.end()));
  EXPECT_DOUBLE_EQ(run.validation_psnr, best);
  EXPECT_DOUBLE_EQ(curves[run.chosen_sweep][run.chosen_lambda], best);
  EXPECT_EQ(run.settings.get<double>("mu", 0.0), mus[run.chosen_sweep]);
  EXPECT_EQ(run.lambda[5].item<double>(), lambdas[run.chosen_lambda]);
  EXPECT_EQ(run.report.numel(), 5);
  EXPECT_EQ(run.metrics[0].summary.count, 5);
}

}  // namespace
}  // namespace genreg

namespace genreg {

// A CT experiment as data: phantoms at a size of the spec's choosing, CT photon noise, FBP and TV
// (weighted least squares) chosen on validation images; TV beats FBP, and the files say the noise.
TEST(ExperimentSpec, CtExperimentsTakeANoiseModelAndAnImageSize) {
  const nlohmann::json spec = {
      {"id", "ct-tiny"},
      {"dataset", "ct-phantom"},
      {"size", 48},
      {"operator", "ct:parallel,views=90"},
      {"noise", "ct:4096"},
      {"validation", "0:2"},
      {"report", "2:6"},
      {"methods",
       {{{"method", "fbp"}, {"settings", {{"filter", "hann"}}}},
        {{"method", "tv"}, {"grid", {{"lambda", "3e2:3e3:2"}}}, {"settings", {{"iterations", 100}}}}}}};
  const auto s = parse_experiment_spec(spec, "ct-tiny.json");
  EXPECT_EQ(s.image_size, (std::vector<int64_t>{48, 48}));
  EXPECT_EQ(experiment_noise(s).str(), "ct:4096");
  testing::TempDir dir;
  ExperimentArgs args;
  args.out = dir / "ct";
  std::ostringstream log;
  const auto document = run_experiment(s, args, log);
  EXPECT_EQ(document.at("settings").at("noise"), "ct:4096");
  const auto& methods = document.at("results").at("methods");
  ASSERT_EQ(methods.size(), 2u);
  const double fbp = methods[0].at("metrics").at("psnr").at("mean").get<double>();
  const double tv = methods[1].at("metrics").at("psnr").at("mean").get<double>();
  EXPECT_GT(fbp, 25.0);
  EXPECT_GT(tv, fbp) << log.str();
  // Refusals: both sigma and noise, a size for a dataset without one, conditional models.
  auto bad = spec;
  bad["sigma"] = 0.1;
  EXPECT_THROW(parse_experiment_spec(bad, "b.json"), Error);
  bad = spec;
  bad["dataset"] = "mnist";
  EXPECT_THROW(parse_experiment_spec(bad, "b.json"), Error);
  bad = spec;
  bad["methods"].push_back({{"method", "postprocess"}, {"models", {"postprocess"}}});
  EXPECT_THROW(parse_experiment_spec(bad, "b.json"), Error);
}

}  // namespace genreg
