// genreg.reconstruct's native half: any registered method (solvers/method_registry.h) on a batch of
// measurements held in Python, with the parameter rules of PROTOCOL.md ("Parameter choice"): a
// value, a grid chosen by mean PSNR on validation images, or the discrepancy principle per image.
// The same job as `genreg reconstruct` (pipeline/method_run.h: run_method), without its files: the
// result comes back as tensors and a summary.
#include <cmath>

#include "bindings.h"
#include "genreg/core/error.h"
#include "genreg/eval/metrics.h"
#include "genreg/models/conditional_generator.h"
#include "genreg/models/denoiser.h"
#include "genreg/models/generator.h"
#include "genreg/models/noise_predictor.h"
#include "genreg/operators/measurements.h"
#include "genreg/pipeline/method_run.h"
#include "genreg/pipeline/reconstruction_job.h"
#include "genreg/solvers/method_registry.h"

namespace genreg::python {
namespace {

// Python keyword arguments as method settings (their declarations check them in make_method).
MethodSettings settings_from(const py::dict& given, uint64_t seed) {
  MethodSettings s;
  for (const auto& item : given) s.set(item.first.cast<std::string>(), to_json(item.second));
  return s.seed(seed);
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
                            int64_t batch, uint64_t seed, const py::object& progress, const std::string& noise) {
  const auto& info = MethodRegistry::instance().at(name);
  const auto settings = check_settings(name, settings_from(settings_given, seed), "");
  // The parameter rule: a number, "discrepancy", or None with a grid and validation images.
  ParameterRule rule;
  bool given_lambda = false;
  if (!lam.is_none()) {
    given_lambda = true;
    if (py::isinstance<py::str>(lam)) {
      require(lam.cast<std::string>() == "discrepancy", "lam must be a number or 'discrepancy', got '",
              lam.cast<std::string>(), "'");
      rule = ParameterRule::discrepancy_principle(lam_grid.empty() ? std::vector<double>{}
                                                                   : parse_lambda_grid(lam_grid));
    } else {
      const double value = lam.cast<double>();
      require(std::isfinite(value) && value >= 0, "lam must be finite and non-negative, got ", value);
      require(lam_grid.empty(), "give either lam=VALUE or lam_grid, not both");
      rule = ParameterRule::fixed_at(value);
    }
  } else if (!lam_grid.empty()) {
    given_lambda = true;
    require(!validate.empty(), "lam_grid needs validate='I:J' (choose by PSNR) or lam='discrepancy'");
    rule = ParameterRule::validation_grid(parse_lambda_grid(lam_grid));
  }
  if (given_lambda) check_setting_names(name, {"lambda"}, "");
  require(info.has_lambda() == given_lambda,
          info.has_lambda()
              ? name + " needs lam=VALUE, lam='discrepancy' or lam_grid='A:B:N' with validate='I:J'"
              : name + " has no regularisation parameter (no lam or lam_grid)");
  require(std::isfinite(sigma) && sigma >= 0, "sigma must be finite and non-negative, got ", sigma);

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
  if (!noise.empty()) {
    // A named noise model: CT photon noise weighs the data term and whitens it (sigma 1).
    m.noise = NoiseModel::parse(noise);
    require(m.noise.kind == NoiseModel::Kind::beer_lambert, "noise= names CT photon noise 'ct:N0'; give Gaussian "
            "noise as sigma, got '", noise, "'");
    m.sigma = 1.0;
  }
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

  MethodRunOptions options;
  options.batch = batch;
  if (!progress.is_none())
    options.log = [&progress](const std::string& line) {
      py::gil_scoped_acquire gil;
      progress(line);
    };
  MethodRun run;
  {
    py::gil_scoped_release release;
    ScopedBlasThreads blas(1);
    // The same job as `genreg reconstruct` (pipeline/method_run.h), without its files.
    run = run_method(name, settings, priors, m, split_positions(validate, n).first, rule, options);
  }
  const auto& r = run.result;
  py::dict out;
  out["x"] = r.x;
  out["lambda"] = run.lambda;
  for (const auto& [key, t] :
       std::vector<std::pair<const char*, torch::Tensor>>{{"samples", r.samples},
                                                          {"std", r.std},
                                                          {"gz", r.gz},
                                                          {"u", r.u},
                                                          {"z", r.z},
                                                          {"objective", r.objective},
                                                          {"discrepancy", r.discrepancy}})
    if (t.defined()) out[key] = t;
  nlohmann::json info_json = {{"method", name},
                              {"operator", m.operator_spec},
                              {"sigma", sigma},
                              {"count", n},
                              {"seconds", run.seconds},
                              {"settings", run.settings.values()},
                              {"choice", run.choice_json()},
                              {"solver", run.summary.to_json()},
                              {"audit", run.audit.to_json()}};
  if (m.has_truth()) {
    // Metrics of the report images (those not in `validate`), as the program reports them.
    info_json["metrics"] = metrics_to_json(run.metrics, false);
    py::dict per_image;
    for (const auto& v : run.metrics) per_image[v.name.c_str()] = v.per_image;
    out["metrics"] = per_image;
    if (run.uncertainty) info_json["uncertainty"] = run.uncertainty->to_json();
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
         int64_t batch, uint64_t seed, const py::object& progress, const std::string& noise) {
        return reconstruct_native(y, op, method, sigma, model, lam, lam_grid, validate, x_true, settings,
                                  batch, seed, progress, noise);
      },
      py::arg("y"), py::arg("op"), py::arg("method"), py::arg("sigma"), py::arg("model").none(true),
      py::arg("lam").none(true), py::arg("lam_grid"), py::arg("validate"), py::arg("x_true").none(true),
      py::arg("settings"), py::arg("batch"), py::arg("seed"), py::arg("progress").none(true),
      py::arg("noise") = "");
  m.def("methods", [] {
    py::list out;
    for (const auto& name : MethodRegistry::instance().names()) {
      const auto& info = MethodRegistry::instance().at(name);
      py::dict d;
      d["name"] = info.name;
      d["summary"] = info.summary;
      d["needs"] = info.needs ? py::object(py::str(to_string(*info.needs))) : py::object(py::none());
      py::list settings;
      py::dict declared;
      for (const auto& spec : info.settings) {
        settings.append(spec.name);
        // The method's declaration (solvers/method_settings.h): what the keyword takes.
        py::dict entry;
        entry["type"] = to_string(spec.type);
        entry["domain"] = spec.domain_text();
        entry["help"] = spec.help;
        entry["searchable"] = spec.searchable;
        declared[spec.name.c_str()] = entry;
      }
      d["settings"] = settings;
      d["declarations"] = declared;
      d["has_lambda"] = info.has_lambda();
      out.append(d);
    }
    return out;
  });
}

}  // namespace genreg::python
