// The generative regularisers against closed forms on a linear generator G(z) = W z, PALM's
// monotone descent, and batch = one by one.
#include <gtest/gtest.h>

#include "genreg/operators/make_operator.h"
#include "genreg/solvers/generative_reconstructor.h"
#include "genreg/solvers/method_registry.h"

namespace genreg {
namespace {

// A registered generative method on generator `g`, found by name, with the fields of `o` that the
// method declares (solvers/method_settings.h).
ReconstructorPtr method_named(const std::string& name, const GeneratorPtr& g,
                              const GenerativeOptions& o = {}) {
  if (!MethodRegistry::instance().contains(name)) return make_method(name, {}, MethodPriors{g});
  const auto& info = MethodRegistry::instance().at(name);
  MethodSettings s;
  const std::vector<std::pair<std::string, nlohmann::json>> fields = {
      {"restarts", o.restarts()},     {"mu", o.mu()},
      {"prior", o.prior()},           {"optimizer", o.optimizer()},
      {"adam_lr", o.adam_lr()},       {"inner_iterations", o.inner_iterations()},
      {"iterations", o.iterations()}, {"tolerance", o.tolerance()}};
  for (const auto& [name_, value] : fields)
    if (info.reads(name_)) s.set(name_, value);
  return make_method(name, s.seed(o.seed()), MethodPriors{g});
}

// G(z) = W z reshaped to an h x w image: every latent problem becomes a least-squares problem.
class LinearGenerator : public Generator {
 public:
  LinearGenerator(int64_t d, int64_t h, int64_t w, uint64_t seed) : d_(d), h_(h), w_(w) {
    torch::manual_seed(seed);
    weight_ = torch::randn({h * w, d}) / std::sqrt(static_cast<double>(d));
  }
  torch::Tensor decode(const torch::Tensor& z) override {
    return z.matmul(weight_.t()).view({z.size(0), 1, h_, w_});
  }
  int64_t latent_dim() const override { return d_; }
  std::vector<int64_t> image_size() const override { return {h_, w_}; }
  torch::Device device() const override { return torch::kCPU; }
  const torch::Tensor& weight() const { return weight_; }

 private:
  int64_t d_, h_, w_;
  torch::Tensor weight_;
};

struct Problem {
  std::shared_ptr<LinearGenerator> g;
  OperatorPtr op;
  torch::Tensor y;
  double sigma = 0.1;
};

Problem make_problem(const std::string& op_spec, int64_t images, uint64_t seed = 0) {
  Problem p;
  p.g = std::make_shared<LinearGenerator>(5, 8, 8, seed);
  p.op = make_operator(op_spec, 8, 8);
  torch::manual_seed(seed + 1);
  const auto x = p.g->decode(torch::randn({images, 5})) + 0.05 * torch::randn({images, 1, 8, 8});
  p.y = p.op->apply(x) + p.sigma * torch::randn_like(p.op->apply(x));
  return p;
}

// The matrix M = A W (m x d) of the composed linear map z -> A G(z).
torch::Tensor composed_matrix(const Problem& p) {
  const auto eye = torch::eye(5);
  return p.op->apply(p.g->decode(eye)).flatten(1).t().to(torch::kFloat64);  // (m, d)
}

TEST(HardConstraint, LinearGeneratorReachesTheLeastSquaresMinimiser) {
  for (const std::string prior : {"none", "l2"}) {
    auto p = make_problem("cs:30", 3);
    const double lambda = prior == "l2" ? 2.0 : 0.0;
    GenerativeOptions o;
    o.prior(prior).iterations(3000).tolerance(1e-9);
    const auto hard = method_named("hard", p.g, o);
    Reconstruction r =
        hard->reconstruct(DataFidelity(p.op, p.y, p.sigma), torch::full({3}, lambda, torch::kFloat64));
    // Normal equations of ||M z - y||^2 / (2 sigma^2) + lambda ||z||^2.
    const auto M = composed_matrix(p);
    const auto s2 = p.sigma * p.sigma;
    const auto lhs = M.t().matmul(M) / s2 + 2.0 * lambda * torch::eye(5, torch::kFloat64);
    const auto rhs = M.t().matmul(p.y.flatten(1).t().to(torch::kFloat64)) / s2;
    const auto z_star = torch::linalg_solve(lhs, rhs).t();  // (3, 5)
    EXPECT_LT((r.z.to(torch::kFloat64) - z_star).abs().max().item<double>(),
              2e-3 * (1 + z_star.abs().max().item<double>()))
        << prior << "\n"
        << r.z << "\n"
        << z_star;
  }
}

TEST(HardConstraint, AdamReachesTheSameMinimiser) {
  auto p = make_problem("cs:30", 2);
  GenerativeOptions o;
  o.prior("l2").optimizer("adam").adam_lr(0.05).iterations(3000);
  GenerativeOptions b = o;
  b.optimizer("backtracking").tolerance(1e-9);
  const DataFidelity data(p.op, p.y, p.sigma);
  const auto lambda = torch::full({2}, 1.0, torch::kFloat64);
  const auto za = method_named("hard", p.g, o)->reconstruct(data, lambda).z;
  const auto zb = method_named("hard", p.g, b)->reconstruct(data, lambda).z;
  EXPECT_LT((za - zb).abs().max().item<double>(), 1e-2);
}

TEST(HardConstraint, SpherePriorKeepsTheRadius) {
  auto p = make_problem("denoise", 3);
  GenerativeOptions o;
  o.prior("sphere").iterations(50).restarts(2);
  const auto r = method_named("hard", p.g, o)
                     ->reconstruct(DataFidelity(p.op, p.y, p.sigma), torch::zeros({3}, torch::kFloat64));
  EXPECT_LT((r.z.norm(2, 1) - std::sqrt(5.0)).abs().max().item<double>(), 1e-4);
}

TEST(ProjectedGradient, DenoisingConvergesToTheProjectionOntoTheRange) {
  // With A = I, PGD's fixed point is the orthogonal projection of y onto range(W).
  auto p = make_problem("denoise", 2);
  GenerativeOptions o;
  o.prior("none").iterations(200).inner_iterations(50).tolerance(1e-9);
  const auto r = method_named("pgd", p.g, o)
                     ->reconstruct(DataFidelity(p.op, p.y, p.sigma), torch::zeros({2}, torch::kFloat64));
  const auto W = p.g->weight().to(torch::kFloat64);
  const auto y = p.y.flatten(1).to(torch::kFloat64);
  const auto projection = W.matmul(torch::linalg_solve(W.t().matmul(W), W.t().matmul(y.t()))).t();
  EXPECT_LT((r.x.flatten(1).to(torch::kFloat64) - projection).abs().max().item<double>(), 2e-3);
}

TEST(SparseDeviation, PalmObjectiveDecreasesMonotonically) {
  for (const std::string method : {"sparse", "sparse-tv", "relaxed"}) {
    auto p = make_problem("cs:40", 4, 3);
    GenerativeOptions o;
    o.iterations(60).mu(0.5).restarts(2).inner_iterations(30);
    std::vector<torch::Tensor> objectives;
    auto record = [&](int64_t, const torch::Tensor&, const torch::Tensor& f) {
      objectives.push_back(f.clone());
      return true;
    };
    SolverSummary summary;
    const auto r = method_named(method, p.g, o)
                       ->reconstruct(DataFidelity(p.op, p.y, p.sigma), torch::full({4}, 3.0, torch::kFloat64),
                                     &summary, record);
    ASSERT_GE(objectives.size(), 10u) << method;
    for (size_t k = 1; k < objectives.size(); ++k) {
      const auto increase = (objectives[k] - objectives[k - 1]) / objectives[k - 1].abs().clamp_min(1.0);
      EXPECT_LE(increase.max().item<double>(), 1e-5) << method << " iteration " << k;
    }
    EXPECT_LT(objectives.back().mean().item<double>(), 0.5 * objectives.front().mean().item<double>())
        << method;
    if (method != "relaxed") {
      ASSERT_TRUE(r.u.defined());
      EXPECT_LT((r.gz + r.u - r.x).abs().max().item<double>(), 1e-6);
    }
    EXPECT_EQ(r.objective.sizes(), (std::vector<int64_t>{4, 2}));
    // The kept restart is the one with the lowest objective.
    EXPECT_TRUE(torch::equal(r.chosen, r.objective.argmin(1))) << method;
  }
}

TEST(GenerativeReconstructor, BatchEqualsOneByOne) {
  // Each sample keeps its own step sizes and stopping, so a batch solves as its images one by one
  // (over a few iterations: later, float round-off that differs between batched and single
  // products can flip a backtracking test, and the slowly converging alternating methods then end
  // elsewhere).
  for (const std::string method : {"hard", "relaxed", "sparse", "sparse-tv", "pgd"}) {
    auto p = make_problem("inpaint:0.6", 3, 5);
    GenerativeOptions o;
    o.iterations(8).restarts(3).mu(0.3).inner_iterations(3);
    const auto rec = method_named(method, p.g, o);
    const auto lambda = torch::tensor({0.1, 1.0, 10.0}, torch::kFloat64);
    const auto batch = rec->reconstruct(DataFidelity(p.op, p.y, p.sigma), lambda);
    for (int64_t i = 0; i < 3; ++i) {
      const auto alone =
          rec->reconstruct(DataFidelity(p.op, p.y.narrow(0, i, 1), p.sigma), lambda.narrow(0, i, 1));
      EXPECT_LT((alone.x - batch.x.narrow(0, i, 1)).abs().max().item<double>(), 1e-5) << method << " " << i;
      EXPECT_NEAR(alone.objective.min().item<double>(), batch.objective[i].min().item<double>(),
                  1e-4 * (1 + batch.objective[i].min().item<double>()))
          << method;
    }
  }
}

TEST(GenerativeReconstructor, SettledSamplesStopWhileTheOthersGoOn) {
  // With a loose tolerance the samples of the alternating methods settle at different iterations;
  // the settled ones leave the batch (their objective stays fixed from then on) and the batch
  // still solves exactly as its images one by one. Inpainting keeps every product but the
  // generator's elementwise, so that batched and single runs round alike and take the same path.
  for (const std::string method : {"relaxed", "sparse"}) {
    auto p = make_problem("inpaint:0.6", 3, 9);
    GenerativeOptions o;
    o.iterations(150).restarts(2).mu(0.3).tolerance(2e-3);
    const auto rec = method_named(method, p.g, o);
    const auto lambda = torch::tensor({0.3, 1.0, 3.0}, torch::kFloat64);
    std::vector<torch::Tensor> objectives;
    const auto batch = rec->reconstruct(DataFidelity(p.op, p.y, p.sigma), lambda, nullptr,
                                        [&](int64_t, const torch::Tensor&, const torch::Tensor& f) {
                                          objectives.push_back(f.clone());
                                          return true;
                                        });
    ASSERT_GE(objectives.size(), 3u) << method;
    // Some iteration where part of the batch is frozen for good and part still moves.
    bool mixed = false;
    for (size_t k = 1; k + 1 < objectives.size() && !mixed; ++k) {
      const auto frozen = (objectives.back() == objectives[k - 1]);
      const auto moving = (objectives[k] != objectives[k - 1]);
      mixed = frozen.any().item<bool>() && moving.any().item<bool>();
    }
    EXPECT_TRUE(mixed) << method << ": every sample stopped at the same iteration (" << objectives.size()
                       << ")";
    for (int64_t i = 0; i < 3; ++i) {
      const auto alone =
          rec->reconstruct(DataFidelity(p.op, p.y.narrow(0, i, 1), p.sigma), lambda.narrow(0, i, 1));
      EXPECT_LT((alone.x - batch.x.narrow(0, i, 1)).abs().max().item<double>(), 1e-5) << method << " " << i;
      EXPECT_NEAR(alone.objective.min().item<double>(), batch.objective[i].min().item<double>(),
                  1e-5 * (1 + batch.objective[i].min().item<double>()))
          << method << " " << i;
    }
  }
}

TEST(GenerativeReconstructor, RejectsBadSetups) {
  auto p = make_problem("cs:30", 1);
  EXPECT_THROW(method_named("dreams", p.g), Error);
  EXPECT_THROW(method_named("encoder", p.g), Error);   // no encoder
  EXPECT_THROW(method_named("hard", nullptr), Error);  // no generator
  // Settings a method does not declare, or values outside their declared domains.
  EXPECT_THROW(make_method("sparse", MethodSettings().set("optimizer", "adam"), {p.g}), Error);
  EXPECT_THROW(make_method("hard", MethodSettings().set("prior", "cauchy"), {p.g}), Error);
  EXPECT_THROW(make_method("hard", MethodSettings().set("iterations", 0), {p.g}), Error);
  EXPECT_THROW(make_method("relaxed", MethodSettings().set("mu", std::nan("")), {p.g}), Error);
  EXPECT_THROW(make_method("hard", MethodSettings().set("restarts", 2.5), {p.g}), Error);
  EXPECT_NO_THROW(make_method("hard", MethodSettings().set("restarts", 2.0), {p.g}));
  const auto hard_method = method_named("hard", p.g);
  const auto& hard = *hard_method;
  const auto other = make_operator("cs:30", 9, 9);
  EXPECT_THROW(
      hard.reconstruct(DataFidelity(other, torch::zeros({1, 30}), 0.1), torch::ones({1}, torch::kFloat64)),
      Error);
}

TEST(MethodRegistry, EveryMethodIsFoundByNameWithWhatItNeeds) {
  const auto& registry = MethodRegistry::instance();
  for (const std::string name : {"tikhonov", "tv"}) EXPECT_FALSE(registry.at(name).needs.has_value()) << name;
  for (const std::string name : {"hard", "relaxed", "sparse", "sparse-tv", "pgd", "encoder"})
    EXPECT_EQ(registry.at(name).needs, ModelRole::generator) << name;
  EXPECT_FALSE(registry.at("pgd").has_lambda());
  EXPECT_TRUE(registry.at("sparse").reads("mu"));
  EXPECT_FALSE(registry.at("hard").reads("mu"));
  // Each made method answers to its own name.
  auto p = make_problem("cs:30", 1);
  for (const auto& name : registry.names(ModelRole::generator)) {
    if (name == "encoder") continue;  // needs an encoder, which the linear generator lacks
    EXPECT_EQ(method_named(name, p.g)->name(), name);
  }
  EXPECT_EQ(make_method("tv")->name(), "tv");
}

TEST(MethodRegistry, RefusesUnknownNamesAndUnusedSettings) {
  try {
    make_method("dreams");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tikhonov, tv, "), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(check_setting_names("sparse-tv", {"lambda", "mu", "inner_iterations"}));
  try {
    check_setting_names("tv", {"lambda", "mu"});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--mu is not used by tv (it reads: --lambda, --iterations"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(check_setting_names("pgd", {"lambda"}), Error);
}

}  // namespace
}  // namespace genreg
