#include "genreg/pipeline/method_run.h"

#include <chrono>
#include <iomanip>
#include <sstream>

#include "genreg/core/error.h"
#include "genreg/data/index_range.h"
#include "genreg/functionals/data_fidelity.h"
#include "genreg/io/number_format.h"
#include "genreg/pipeline/sharded_solves.h"

namespace genreg {
namespace {

using Clock = std::chrono::steady_clock;

// PROTOCOL.md's default grid of the discrepancy principle.
const char* const kDiscrepancyGrid = "1e-4:1e2:13";

// Every combination of the searched settings' values, the first setting varying slowest.
std::vector<MethodSettings> combinations(const MethodSettings& base,
                                         const std::map<std::string, std::vector<double>>& grids) {
  std::vector<MethodSettings> out{base};
  for (const auto& [name, values] : grids) {
    std::vector<MethodSettings> next;
    for (const auto& s : out)
      for (double v : values) next.push_back(MethodSettings(s).set(name, v));
    out = next;
  }
  return out;
}

void check_rule(const MethodInfo& info, const ParameterRule& rule, const Measurements& m,
                const torch::Tensor& validation) {
  const bool has_validation = validation.numel() > 0;
  if (!info.has_lambda()) {
    require(rule.kind != ParameterRule::Kind::discrepancy && rule.lambdas.empty() && rule.lambda == 0.0,
            info.name, " has no regularisation parameter to choose");
  }
  if (rule.kind == ParameterRule::Kind::fixed) {
    require(std::isfinite(rule.lambda) && rule.lambda >= 0, "lambda must be finite and non-negative, got ",
            rule.lambda);
    require(rule.setting_grids.empty(),
            "setting grids are chosen on validation images (the validation rule)");
  }
  if (rule.kind == ParameterRule::Kind::validation) {
    require(has_validation, "a parameter grid is chosen on validation images: give some");
    require(m.has_truth(), "choosing parameters on validation images needs their ground truth");
    require(!rule.lambdas.empty() || !info.has_lambda(), "the validation rule needs a lambda grid");
    require(info.has_lambda() || !rule.setting_grids.empty(), info.name,
            " has no regularisation parameter, and no setting grid was given to choose");
  }
  if (rule.kind == ParameterRule::Kind::discrepancy)
    require(m.sigma > 0, "the discrepancy principle needs the noise level sigma > 0");
  for (const auto& [name, values] : rule.setting_grids) {
    const auto& spec = info.setting(name, "");
    require(spec.searchable && name != "lambda", name, " is not a setting a grid may search for ", info.name);
    require(!values.empty(), "the grid of ", name, " is empty");
    for (double v : values) spec.checked(v, "");
  }
  for (double v : rule.lambdas)
    require(std::isfinite(v) && v >= 0, "lambda values must be finite and non-negative, got ", v);
}

}  // namespace

ParameterRule ParameterRule::fixed_at(double lambda) {
  ParameterRule r;
  r.lambda = lambda;
  return r;
}

ParameterRule ParameterRule::validation_grid(std::vector<double> lambdas,
                                             std::map<std::string, std::vector<double>> setting_grids) {
  ParameterRule r;
  r.kind = Kind::validation;
  r.lambdas = std::move(lambdas);
  r.setting_grids = std::move(setting_grids);
  return r;
}

ParameterRule ParameterRule::discrepancy_principle(std::vector<double> lambdas) {
  ParameterRule r;
  r.kind = Kind::discrepancy;
  r.lambdas = std::move(lambdas);
  return r;
}

std::string ParameterRule::name() const {
  switch (kind) {
    case Kind::fixed:
      return "fixed";
    case Kind::validation:
      return "validation";
    case Kind::discrepancy:
      return "discrepancy";
  }
  return "?";
}

bool MethodRun::has_lambda() const { return MethodRegistry::instance().at(method).has_lambda(); }

torch::Tensor MethodRun::report_rows(const torch::Tensor& rows) const {
  if (!rows.defined()) return rows;
  // `solved` is sorted and holds `report`: the row of position p is its rank in `solved`.
  const auto row = torch::searchsorted(solved, report);
  return rows.index_select(0, row.to(rows.device())).to(torch::kCPU);
}

std::vector<std::vector<double>> MethodRun::validation_curves() const {
  std::vector<std::vector<double>> out;
  if (rule.kind != ParameterRule::Kind::validation) return out;
  for (const auto& s : sweeps) {
    std::vector<double> curve;
    for (size_t k = 0; k < s.lambdas.size(); ++k) curve.push_back(s.psnr[k].mean().item<double>());
    out.push_back(curve);
  }
  return out;
}

nlohmann::json MethodRun::choice_json() const {
  nlohmann::json j = {{"rule", rule.name()}};
  if (rule.kind == ParameterRule::Kind::discrepancy) {
    const auto l = lambda.index_select(0, solved).contiguous();
    j["lambda_per_image"] = std::vector<double>(l.data_ptr<double>(), l.data_ptr<double>() + l.numel());
  } else if (has_lambda()) {
    j["lambda"] = lambda.numel() > 0 ? lambda.index_select(0, solved)[0].item<double>() : rule.lambda;
  }
  for (const auto& item : rule.setting_grids) j[item.first] = settings.values().at(item.first);
  if (rule.kind == ParameterRule::Kind::validation) j["validation_psnr"] = validation_psnr;
  nlohmann::json rows = nlohmann::json::array();
  for (size_t i = 0; i < sweeps.size(); ++i) {
    const auto& s = sweeps[i];
    for (size_t k = 0; k < s.lambdas.size(); ++k) {
      nlohmann::json row = {{"lambda", s.lambdas[k]},
                            {"discrepancy_mean", s.discrepancy[k].mean().item<double>()}};
      for (const auto& item : rule.setting_grids) row[item.first] = swept[i].values().at(item.first);
      if (s.psnr.defined()) row["psnr_mean"] = s.psnr[k].mean().item<double>();
      if (s.start_objective.size(2) > 1) {
        row["objective_mean_per_restart"] = nlohmann::json::array();
        for (int64_t r = 0; r < s.start_objective.size(2); ++r)
          row["objective_mean_per_restart"].push_back(
              s.start_objective[k].select(1, r).mean().item<double>());
      }
      rows.push_back(row);
    }
  }
  if (!rows.empty()) j["sweep"] = rows;
  return j;
}

MethodRun run_method(const std::string& method, const MethodSettings& settings, const MethodPriors& priors,
                     const Measurements& m, const torch::Tensor& validation_in, const ParameterRule& rule,
                     const MethodRunOptions& options) {
  const auto start = Clock::now();
  const auto& info = MethodRegistry::instance().at(method);
  require(options.batch > 0, "the batch must be positive, got ", options.batch);
  require(std::isfinite(options.interval_scale) && options.interval_scale >= 0,
          "the interval scale must be finite and non-negative, got ", options.interval_scale);
  const int64_t n = m.size();
  const auto validation =
      validation_in.defined() ? validation_in.to(torch::kCPU, torch::kLong) : torch::empty({0}, torch::kLong);
  require(validation.numel() == 0 ||
              (validation.min().item<int64_t>() >= 0 && validation.max().item<int64_t>() < n),
          "validation positions outside the ", n, " images");
  check_rule(info, rule, m, validation);
  const auto checked = check_settings(method, settings, "");

  MethodRun out;
  out.method = method;
  out.rule = rule;
  out.settings = checked;
  out.lambda = torch::zeros({n}, torch::kFloat64);
  auto is_validation = torch::zeros({n}, torch::kBool);
  if (validation.numel() > 0) is_validation.index_fill_(0, validation, true);
  out.report = torch::arange(n, torch::kLong).masked_select(~is_validation);
  require(out.report.numel() > 0, "the validation images leave no images to report on");
  const bool solve_validation = options.solve_validation || rule.kind != ParameterRule::Kind::validation;
  out.solved = solve_validation ? torch::arange(n, torch::kLong) : out.report;
  const auto on_device = [&](const torch::Tensor& index) { return index.to(m.y.device()); };

  if (rule.kind == ParameterRule::Kind::fixed) {
    out.lambda.fill_(rule.lambda);
  } else if (rule.kind == ParameterRule::Kind::validation) {
    const auto mv = m.select(on_device(validation));
    const auto lambdas = info.has_lambda() ? rule.lambdas : std::vector<double>{0.0};
    double best = -1e300;
    for (const auto& candidate : combinations(checked, rule.setting_grids)) {
      const auto rec = make_method(method, candidate, priors);
      auto s = sharded_sweep_lambdas(options.group, *rec, mv, lambdas, options.batch, options.progress,
                                     options.log);
      const int64_t k = choose_by_validation(s);
      const double score = s.psnr[k].mean().item<double>();
      if (options.log && !rule.setting_grids.empty()) {
        std::ostringstream line;
        line << "  " << method << " at";
        for (const auto& item : rule.setting_grids)
          line << " " << item.first << " " << candidate.values()[item.first];
        line << ": best lambda " << lambdas[k] << " (" << std::fixed << std::setprecision(2) << score
             << " dB on " << validation.numel() << " validation images)";
        options.log(line.str());
      }
      if (score > best) {
        best = score;
        out.chosen_sweep = static_cast<int64_t>(out.sweeps.size());
        out.chosen_lambda = k;
        out.settings = candidate;
      }
      out.sweeps.push_back(std::move(s));
      out.swept.push_back(candidate);
    }
    out.validation_psnr = best;
    out.lambda.fill_(lambdas[out.chosen_lambda]);
  } else {
    std::vector<double> lambdas = rule.lambdas.empty() ? parse_lambda_grid(kDiscrepancyGrid) : rule.lambdas;
    const auto rec = make_method(method, checked, priors);
    auto s = sharded_sweep_lambdas(options.group, *rec, m.select(on_device(out.solved)), lambdas,
                                   options.batch, options.progress, options.log);
    const auto choice = choose_by_discrepancy(s, m.make_op()->range_size(), m.sigma);
    out.lambda.index_copy_(0, out.solved, torch::tensor(lambdas, torch::kFloat64).index_select(0, choice));
    out.sweeps.push_back(std::move(s));
    out.swept.push_back(checked);
  }
  if (!info.has_lambda()) out.lambda.zero_();

  // The reconstructions at the chosen parameters.
  const auto rec = make_method(method, out.settings, priors);
  out.result = sharded_reconstruct(options.group, *rec, m.select(on_device(out.solved)),
                                   out.lambda.index_select(0, out.solved), options.batch, &out.summary,
                                   options.log, options.log_interval);

  const auto row_of = [&](const torch::Tensor& positions) {
    return on_device(torch::searchsorted(out.solved, positions));
  };
  // Calibration of a sampler's intervals on the validation images: their samples at the chosen
  // parameters, from the sweep or from the final solve.
  out.interval_scale = options.interval_scale;
  if (out.interval_scale > 0) out.scale_source = "given";
  if (out.interval_scale == 0 && out.result.samples.defined() && m.has_truth() && validation.numel() > 0) {
    torch::Tensor samples;
    if (rule.kind == ParameterRule::Kind::validation) {
      const auto& swept = out.sweeps[out.chosen_sweep].samples;
      if (swept.defined()) samples = swept[out.chosen_lambda];
    } else {
      samples = out.result.samples.index_select(0, row_of(validation).to(out.result.samples.device()));
    }
    if (samples.defined() && samples.size(1) >= 2) {
      out.interval_scale = fit_interval_scale(
          samples.to(torch::kCPU, torch::kFloat32),
          m.x_true.index_select(0, on_device(validation)).to(torch::kCPU, torch::kFloat32));
      out.scale_source =
          "split conformal on the " + std::to_string(validation.numel()) + " validation images";
    }
  }
  if (rule.kind != ParameterRule::Kind::validation && validation.numel() > 0 && m.has_truth()) {
    const auto x = out.result.x.index_select(0, row_of(validation).to(out.result.x.device()));
    out.validation_psnr =
        compute_metrics(x.to(torch::kCPU, torch::kFloat32),
                        m.x_true.index_select(0, on_device(validation)).to(torch::kCPU, torch::kFloat32))[0]
            .summary.mean;
  }

  // The report images: the audit of every method; metrics and uncertainty with ground truth.
  const auto mr = m.select(on_device(out.report));
  const auto x = out.report_rows(out.result.x).to(torch::kFloat32);
  const auto op = m.make_op();
  DataFidelity data(op, mr.y, m.sigma, m.weights(mr.y));
  out.audit = audit_data_fidelity(data.discrepancy(x.to(mr.y.device(), mr.y.scalar_type())), op->range_size(),
                                  m.sigma);
  if (m.has_truth()) {
    const auto truth = mr.x_true.to(torch::kCPU, torch::kFloat32);
    out.metrics = compute_metrics(x, truth);
    if (out.result.samples.defined())
      out.uncertainty = summarise_uncertainty(out.report_rows(out.result.samples).to(torch::kFloat32), truth,
                                              0.01, out.interval_scale);
  }
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return out;
}

std::pair<torch::Tensor, torch::Tensor> split_positions(const std::string& validate, int64_t n) {
  auto all = torch::arange(n, torch::kLong);
  if (validate.empty()) return {torch::empty({0}, torch::kLong), all};
  const auto r = IndexRange::parse(validate).resolve(n);
  auto is_validation = (all >= r.start) & (all < r.stop);
  auto rest = all.masked_select(~is_validation);
  require(rest.numel() > 0, "--validate ", validate, " leaves no images to report on");
  return {all.masked_select(is_validation), rest};
}

}  // namespace genreg
