// genreg.reconstruct's native half: any registered method (solvers/method_registry.h) on a batch of
// measurements held in Python, with the parameter rules of PROTOCOL.md ("Parameter choice"): a
// value, a grid chosen by mean PSNR on validation images, or the discrepancy principle per image.
// The same library calls as `genreg reconstruct` (pipeline/reconstruction_job.cpp), without its
// files: the result comes back as tensors and a summary.
#include <chrono>
#include <cmath>

#include "bindings.h"
#include "genreg/core/error.h"
#include "genreg/eval/metrics.h"
#include "genreg/eval/parameter_choice.h"
#include "genreg/eval/uncertainty.h"
#include "genreg/models/conditional_generator.h"
#include "genreg/models/denoiser.h"
#include "genreg/models/generator.h"
#include "genreg/models/noise_predictor.h"
#include "genreg/operators/measurements.h"
#include "genreg/pipeline/reconstruction_job.h"
#include "genreg/solvers/method_registry.h"

namespace genreg::python {
namespace {

// Settings by MethodInfo's names (adam_lr, no_box, ...), as Python keyword arguments give them.
MethodSettings parse_settings(const py::dict& given, std::vector<std::string>& names, uint64_t seed) {
  MethodSettings s;
  GenerativeOptions g;
  for (const auto& item : given) {
    const auto key = item.first.cast<std::string>();
    const auto value = item.second;
    names.push_back(key);
    auto integer = [&](int64_t low) {
      const auto v = value.cast<int64_t>();
      require(v >= low, key, " must be at least ", low, ", got ", v);
      return v;
    };
    auto real = [&](double low, bool positive) {
      const auto v = value.cast<double>();
      require(std::isfinite(v) && (positive ? v > low : v >= low), key, " must be finite and ",
              positive ? "above " : "at least ", low, ", got ", v);
      return v;
    };
    if (key == "iterations")
      s.iterations(integer(0));
    else if (key == "tolerance")
      s.tolerance(real(0, false));
    else if (key == "no_box")
      s.box(!value.cast<bool>());
    else if (key == "restarts")
      g.restarts(integer(1));
    else if (key == "mu")
      g.mu(real(0, false));
    else if (key == "prior")
      g.prior(value.cast<std::string>());
    else if (key == "optimizer")
      g.optimizer(value.cast<std::string>());
    else if (key == "adam_lr")
      g.adam_lr(real(0, true));
    else if (key == "inner_iterations")
      g.inner_iterations(integer(1));
    else if (key == "denoiser_sigma")
      s.denoiser_sigma(real(0, true));
    else if (key == "samples")
      s.samples(integer(1));
    else if (key == "steps")
      s.steps(integer(1));
    else if (key == "zeta")
      s.zeta(real(0, false));
    else if (key == "eta")
      s.eta(real(0, false));
    else if (key == "large_variance")
      s.large_variance(value.cast<bool>());
    else if (key == "clip")
      s.clip(value.cast<bool>());
    else if (key == "solver")
      s.solver(value.cast<std::string>());
    else if (key == "allow_operator_shift")
      s.allow_operator_shift(value.cast<bool>());
    else
      fail("unknown setting '", key,
           "' (settings: restarts, mu, prior, optimizer, adam_lr, iterations, tolerance, inner_iterations, "
           "no_box, denoiser_sigma, samples, steps, zeta, eta, large_variance, clip, solver, "
           "allow_operator_shift)");
  }
  g.seed(seed);
  return s.generative(g).seed(seed);
}

MethodPriors priors_for(const MethodInfo& info, const ModelHandle* model, const Measurements& m) {
  MethodPriors priors;
  if (!info.needs) {
    require(model == nullptr, info.name, " uses no learned model (model=None)");
    return priors;
  }
  require(model != nullptr, info.name, " needs ", needs_text(info.needs),
          ": pass model=genreg.load_model(...)");
  const auto& p = model->model;
  require(p->role() == *info.needs, info.name, " needs ", needs_text(info.needs), ", and ",
          model->source.empty() ? std::string("the model") : model->source, " is a ", p->kind_name(), " (",
          to_string(p->role()), ")");
  require(p->device() == m.y.device(), "the model is on ", p->device().str(), " and y on ",
          m.y.device().str(), ": move one of them (model.to(...), y.to(...))");
  require(p->image_size() == std::vector<int64_t>{m.height, m.width}, "the model makes ", p->image_size()[0],
          "x", p->image_size()[1], " images, the operator ", m.height, "x", m.width);
  switch (*info.needs) {
    case ModelRole::generator:
      priors.generator = std::dynamic_pointer_cast<Generator>(p);
      break;
    case ModelRole::denoiser:
      priors.denoiser = std::dynamic_pointer_cast<Denoiser>(p);
      break;
    case ModelRole::noise_predictor:
      priors.noise_predictor = std::dynamic_pointer_cast<NoisePredictor>(p);
      break;
    case ModelRole::conditional_generator:
      priors.conditional_generator = std::dynamic_pointer_cast<ConditionalGenerator>(p);
      break;
  }
  return priors;
}

py::dict reconstruct_native(const torch::Tensor& y, const OperatorHandle& op, const std::string& name,
                            double sigma, const ModelHandle* model, const py::object& lam,
                            const std::string& lam_grid, const std::string& validate,
                            const std::optional<torch::Tensor>& x_true, const py::dict& settings_given,
                            int64_t batch, uint64_t seed, const py::object& progress) {
  const auto& info = MethodRegistry::instance().at(name);
  std::vector<std::string> given;
  auto settings = parse_settings(settings_given, given, seed);
  // The parameter rule: a number, "discrepancy", or None with a grid and validation images.
  enum class Rule { none, fixed, validation, discrepancy } rule = Rule::none;
  double lambda_value = 0.0;
  if (!lam.is_none()) {
    given.push_back("lambda");
    if (py::isinstance<py::str>(lam)) {
      require(lam.cast<std::string>() == "discrepancy", "lam must be a number or 'discrepancy', got '",
              lam.cast<std::string>(), "'");
      rule = Rule::discrepancy;
    } else {
      lambda_value = lam.cast<double>();
      require(std::isfinite(lambda_value) && lambda_value >= 0, "lam must be finite and non-negative, got ",
              lambda_value);
      require(lam_grid.empty(), "give either lam=VALUE or lam_grid, not both");
      rule = Rule::fixed;
    }
  } else if (!lam_grid.empty()) {
    given.push_back("lambda");
    require(!validate.empty(), "lam_grid needs validate='I:J' (choose by PSNR) or lam='discrepancy'");
    rule = Rule::validation;
  }
  check_settings(name, given, "");
  require(info.has_lambda() == (rule != Rule::none),
          info.has_lambda()
              ? name + " needs lam=VALUE, lam='discrepancy' or lam_grid='A:B:N' with validate='I:J'"
              : name + " has no regularisation parameter (no lam or lam_grid)");
  require(batch > 0, "batch must be positive, got ", batch);
  require(std::isfinite(sigma) && sigma >= 0, "sigma must be finite and non-negative, got ", sigma);
  require(rule != Rule::discrepancy || sigma > 0,
          "the discrepancy principle needs the noise level sigma > 0");

  const auto domain = op.op->domain_shape(), range = op.op->range_shape();
  require(y.dim() == static_cast<int64_t>(range.size()) + 1 && y.sizes().slice(1) == c10::IntArrayRef(range),
          "y must be (N, ", c10::IntArrayRef(range), ") for ", op.op->spec(), ", got ", y.sizes());
  Measurements m;
  m.y = y.detach();
  m.operator_spec = op.op->spec();
  m.height = domain[1];
  m.width = domain[2];
  m.noise.sigma = sigma;
  m.sigma = sigma;
  m.seed = seed;
  m.dataset = "python";
  const int64_t n = m.size();
  m.indices = torch::arange(n, torch::kLong);
  if (x_true) {
    require(x_true->sizes() == c10::IntArrayRef({n, 1, m.height, m.width}), "x_true must be (", n, ", 1, ",
            m.height, ", ", m.width, "), got ", x_true->sizes());
    m.x_true = x_true->detach().to(y.device(), y.scalar_type());
  }
  require(validate.empty() || m.has_truth(), "validate needs x_true");
  const auto priors = priors_for(info, model, m);
  const auto method = make_method(name, settings, priors);

  ProgressLog log;
  if (!progress.is_none())
    log = [&progress](const std::string& line) {
      py::gil_scoped_acquire gil;
      progress(line);
    };
  Reconstruction r;
  SolverSummary summary;
  auto lambda = torch::full({n}, lambda_value, torch::kFloat64);
  nlohmann::json choice = {{"rule", "fixed"}};
  double interval_scale = 0.0;
  UncertaintySummary uncertainty;
  const auto start = std::chrono::steady_clock::now();
  {
    py::gil_scoped_release release;
    ScopedBlasThreads blas(1);
    const auto [validation, report] = split_positions(validate, n);
    if (rule == Rule::validation) {
      const auto grid = parse_lambda_grid(lam_grid);
      const auto s = sweep_lambdas(*method, m.select(validation), grid, batch, {}, log);
      const int64_t k = choose_by_validation(s);
      lambda.fill_(grid[k]);
      std::vector<double> psnr_mean;
      for (size_t i = 0; i < grid.size(); ++i) psnr_mean.push_back(s.psnr[i].mean().item<double>());
      choice = {{"rule", "validation"}, {"validate", validate}, {"lambdas", grid}, {"psnr_mean", psnr_mean}};
    } else if (rule == Rule::discrepancy) {
      const auto grid = parse_lambda_grid(lam_grid.empty() ? std::string("1e-4:1e2:13") : lam_grid);
      const auto s = sweep_lambdas(*method, m, grid, batch, {}, log);
      const auto chosen = choose_by_discrepancy(s, op.op->range_size(), sigma);
      lambda = torch::tensor(grid, torch::kFloat64).index_select(0, chosen);
      choice = {{"rule", "discrepancy"}, {"lambdas", grid}};
    }
    r = genreg::reconstruct(*method, m, lambda, batch, &summary, log);
    if (r.samples.defined() && m.has_truth()) {
      if (validation.numel() > 0) {
        const auto v = validation.to(r.samples.device());
        interval_scale = fit_interval_scale(r.samples.index_select(0, v), m.x_true.index_select(0, v));
      }
      uncertainty = summarise_uncertainty(r.samples, m.x_true, 0.01, interval_scale);
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  py::dict out;
  out["x"] = r.x;
  out["lambda"] = lambda;
  for (const auto& [key, t] :
       std::vector<std::pair<const char*, torch::Tensor>>{{"samples", r.samples},
                                                          {"std", r.std},
                                                          {"gz", r.gz},
                                                          {"u", r.u},
                                                          {"z", r.z},
                                                          {"objective", r.objective},
                                                          {"discrepancy", r.discrepancy}})
    if (t.defined()) out[key] = t;
  nlohmann::json info_json = {
      {"method", name},   {"operator", m.operator_spec}, {"sigma", sigma}, {"count", n}, {"seconds", seconds},
      {"choice", choice}, {"solver", summary.to_json()}};
  if (m.has_truth()) {
    const auto metrics = compute_metrics(r.x, m.x_true);
    info_json["metrics"] = metrics_to_json(metrics, false);
    py::dict per_image;
    for (const auto& v : metrics) per_image[v.name.c_str()] = v.per_image;
    out["metrics"] = per_image;
    if (r.samples.defined()) info_json["uncertainty"] = uncertainty.to_json();
  }
  out["summary"] = to_python(info_json);
  return out;
}

}  // namespace

void bind_reconstruction(py::module_& m) {
  m.def(
      "reconstruct_native",
      [](const torch::Tensor& y, const OperatorHandle& op, const std::string& method, double sigma,
         const ModelHandle* model, const py::object& lam, const std::string& lam_grid,
         const std::string& validate, const std::optional<torch::Tensor>& x_true, const py::dict& settings,
         int64_t batch, uint64_t seed, const py::object& progress) {
        return reconstruct_native(y, op, method, sigma, model, lam, lam_grid, validate, x_true, settings,
                                  batch, seed, progress);
      },
      py::arg("y"), py::arg("op"), py::arg("method"), py::arg("sigma"), py::arg("model").none(true),
      py::arg("lam").none(true), py::arg("lam_grid"), py::arg("validate"), py::arg("x_true").none(true),
      py::arg("settings"), py::arg("batch"), py::arg("seed"), py::arg("progress").none(true));
  m.def("methods", [] {
    py::list out;
    for (const auto& name : MethodRegistry::instance().names()) {
      const auto& info = MethodRegistry::instance().at(name);
      py::dict d;
      d["name"] = info.name;
      d["summary"] = info.summary;
      d["needs"] = info.needs ? py::object(py::str(to_string(*info.needs))) : py::object(py::none());
      d["settings"] = info.settings;
      d["has_lambda"] = info.has_lambda();
      out.append(d);
    }
    return out;
  });
}

}  // namespace genreg::python
