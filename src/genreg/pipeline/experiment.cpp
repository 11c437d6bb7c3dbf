#include "genreg/pipeline/experiment.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iomanip>
#include <map>
#include <sstream>

#include "genreg/core/error.h"
#include "genreg/core/source_dir.h"
#include "genreg/data/dataset.h"
#include "genreg/io/atomic_file.h"
#include "genreg/io/number_format.h"
#include "genreg/models/model_registry.h"
#include "genreg/solvers/method_registry.h"

namespace genreg {

// A conditional method and its model share a name: "cfm", not "cfm/cfm".
std::string ExperimentMethod::key() const {
  return learned() && model != method ? method + "/" + model : method;
}

std::string model_label(const std::string& kind) {
  if (kind == "dncnn") return "DnCNN";
  if (kind == "drunet") return "DRUNet";
  std::string g = kind == "wgan-gp" ? "GAN" : kind;
  for (auto& c : g) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return g;
}

std::string ExperimentMethod::label() const {
  const auto& info = MethodRegistry::instance().at(method);
  // A conditional method and its model share a name ("CFM", not "CFM (CFM)").
  if (!learned() || model == method) return info.label();
  return info.label() + " (" + model_label(model) + ")";
}

ParameterRule ExperimentMethod::rule() const {
  if (lambdas.empty() && grids.empty()) return ParameterRule::fixed_at(0.0);
  return ParameterRule::validation_grid(lambdas, grids);
}

std::string MethodResult::chosen_text() const {
  std::string out;
  for (const auto& [name, values] : method.grids)
    out += (out.empty() ? "" : ", ") + name + " " + format_significant(chosen.get<double>(name, 0.0), 4);
  return out;
}

namespace {

// The keys a spec may hold, so that a misspelt one is an error rather than a silent default.
void check_keys(const nlohmann::json& j, const std::vector<std::string>& known, const std::string& where) {
  require(j.is_object(), where, " must be a JSON object");
  for (const auto& item : j.items()) {
    if (std::find(known.begin(), known.end(), item.key()) != known.end()) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    fail(where, ": unknown key '", item.key(), "' (known: ", list, ")");
  }
}

// A grid: "A:B:N" (geometric, parse_lambda_grid) or a list of values.
std::vector<double> grid_values(const nlohmann::json& j, const std::string& where) {
  if (j.is_string()) return parse_lambda_grid(j.get<std::string>());
  require(j.is_array() && !j.empty(), where, " must be \"A:B:N\" or a non-empty list of numbers");
  std::vector<double> out;
  for (const auto& v : j) {
    require(v.is_number(), where, " must hold numbers, got ", v.dump());
    out.push_back(v.get<double>());
  }
  return out;
}

template <typename T>
T value_of(const nlohmann::json& j, const std::string& key, T fallback, const std::string& where) {
  if (!j.contains(key)) return fallback;
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    fail(where, ": '", key, "' has the wrong type (", j.at(key).dump(), ")");
  }
}

// The methods of one entry: one per model kind it names (or one without a model).
std::vector<ExperimentMethod> parse_methods(const nlohmann::json& entry, const std::string& where) {
  check_keys(entry, {"method", "models", "grid", "settings", "notes"}, where);
  const auto name = value_of<std::string>(entry, "method", "", where);
  require(!name.empty(), where, ": no \"method\"");
  const auto& info = MethodRegistry::instance().at(name);
  const std::string at = where + " (" + name + ")";
  ExperimentMethod base;
  base.method = name;
  if (entry.contains("settings")) {
    try {
      base.settings = check_settings(name, MethodSettings(entry.at("settings")), "");
    } catch (const Error& e) {
      fail(at, ": ", e.what());
    }
  }
  if (entry.contains("grid")) {
    check_keys(
        entry.at("grid"),
        [&] {
          std::vector<std::string> searchable;
          for (const auto& spec : info.settings)
            if (spec.searchable) searchable.push_back(spec.name);
          return searchable;
        }(),
        at + " grid");
    for (const auto& item : entry.at("grid").items()) {
      const auto values = grid_values(item.value(), at + " grid " + item.key());
      const auto& spec = info.setting(item.key(), "");
      try {
        for (double v : values) spec.checked(v, "");
      } catch (const Error& e) {
        fail(at, " grid: ", e.what());
      }
      require(!base.settings.has(item.key()), at, ": ", item.key(), " is both a setting and a grid");
      if (item.key() == "lambda")
        base.lambdas = values;
      else
        base.grids[item.key()] = values;
    }
  }
  require(!info.has_lambda() || !base.lambdas.empty(), at,
          " needs a lambda grid (\"grid\": {\"lambda\": \"A:B:N\"})");
  const auto models = value_of<std::vector<std::string>>(entry, "models", {}, where);
  require(info.needs.has_value() == !models.empty(), at,
          info.needs ? " needs " + needs_text(info.needs) + ": name its kinds in \"models\""
                     : std::string(" uses no learned model (no \"models\")"));
  std::vector<ExperimentMethod> out;
  if (models.empty()) out.push_back(base);
  for (const auto& kind : models) {
    const auto role = ModelRegistry::instance().at(kind).role;
    require(role == *info.needs, at, " needs ", needs_text(info.needs), ", and ", kind, " is a ",
            to_string(role));
    require(role != ModelRole::conditional_generator || kind == name, at, " takes a ", name, " model, not ",
            kind);
    auto m = base;
    m.model = kind;
    out.push_back(m);
  }
  return out;
}

}  // namespace

NoiseModel experiment_noise(const ExperimentSpec& spec) {
  return spec.noise.empty() ? NoiseModel::parse(std::to_string(spec.sigma)) : NoiseModel::parse(spec.noise);
}

ExperimentSpec parse_experiment_spec(const nlohmann::json& j, const std::string& source) {
  check_keys(j,
             {"id", "description", "dataset", "train_dataset", "operator", "sigma", "noise", "size",
              "latent_dim", "validation", "report", "restarts", "training", "conditions", "model_operator",
              "model_sigma", "methods", "paper", "notes"},
             source);
  ExperimentSpec s;
  s.source = source;
  s.id = value_of<std::string>(j, "id", "", source);
  s.description = value_of<std::string>(j, "description", "", source);
  s.dataset = value_of<std::string>(j, "dataset", "", source);
  s.train_dataset = value_of<std::string>(j, "train_dataset", s.dataset, source);
  s.operator_spec = value_of<std::string>(j, "operator", "", source);
  require(!s.id.empty() && !s.dataset.empty() && !s.operator_spec.empty(), source,
          ": an experiment needs \"id\", \"dataset\" and \"operator\"");
  s.sigma = value_of<double>(j, "sigma", s.sigma, source);
  require(std::isfinite(s.sigma) && s.sigma >= 0, source, ": sigma must be finite and non-negative");
  s.noise = value_of<std::string>(j, "noise", "", source);
  if (!s.noise.empty()) {
    require(!j.contains("sigma"), source, ": give \"sigma\" (Gaussian) or \"noise\", not both");
    try {
      s.noise = NoiseModel::parse(s.noise).str();
    } catch (const Error& e) {
      fail(source, ": ", e.what());
    }
  }
  if (j.contains("size")) {
    const auto& size = j.at("size");
    s.image_size = size.is_array() ? value_of<std::vector<int64_t>>(j, "size", {}, source)
                                   : std::vector<int64_t>(2, value_of<int64_t>(j, "size", 0, source));
    require(s.image_size.size() == 2 && s.image_size[0] >= 8 && s.image_size[1] >= 8 &&
                s.image_size[0] <= 4096 && s.image_size[1] <= 4096,
            source, ": size must be N or [H, W] with sides in 8..4096");
  }
  s.latent_dim = value_of<int64_t>(j, "latent_dim", s.latent_dim, source);
  s.validation = value_of<std::string>(j, "validation", s.validation, source);
  s.report = value_of<std::string>(j, "report", s.report, source);
  s.restarts = value_of<int64_t>(j, "restarts", s.restarts, source);
  require(s.restarts >= 1 && s.latent_dim >= 1, source, ": restarts and latent_dim must be positive");
  s.model_operator_spec = value_of<std::string>(j, "model_operator", "", source);
  s.model_sigma = value_of<double>(j, "model_sigma", 0.0, source);
  s.conditions = value_of<std::map<std::string, std::string>>(j, "conditions", {}, source);
  for (const auto& [kind, condition] : s.conditions)
    require(condition == "lmmse" || condition == "backprojection" || condition == "fbp", source,
            ": condition of ", kind, " must be lmmse, backprojection or fbp, got ", condition);
  if (j.contains("training")) {
    const auto& t = j.at("training");
    check_keys(t, {"indices", "epochs"}, source + " training");
    s.train_indices = value_of<std::string>(t, "indices", "", source + " training");
    s.train_epochs = value_of<std::map<std::string, int64_t>>(t, "epochs", {}, source + " training");
    for (const auto& [kind, epochs] : s.train_epochs) {
      ModelRegistry::instance().at(kind);
      require(epochs >= 1, source, ": epochs of ", kind, " must be positive");
    }
  }
  require(j.contains("methods") && j.at("methods").is_array() && !j.at("methods").empty(), source,
          ": \"methods\" must be a non-empty list");
  for (size_t i = 0; i < j.at("methods").size(); ++i) {
    const auto where = source + " methods[" + std::to_string(i) + "]";
    std::vector<ExperimentMethod> entries;
    try {
      entries = parse_methods(j.at("methods")[i], where);
    } catch (const Error& e) {
      // The registries' own errors ("unknown method 'tvv'") name the file and entry too.
      const std::string what = e.what();
      if (what.find(source) != std::string::npos) throw;
      fail(where, ": ", what);
    }
    for (auto& m : entries) s.methods.push_back(std::move(m));
  }
  for (const auto& m : s.methods) {
    require(std::count_if(s.methods.begin(), s.methods.end(),
                          [&](const ExperimentMethod& o) { return o.key() == m.key(); }) == 1,
            source, ": method ", m.key(), " appears twice");
    if (!m.learned()) continue;
    // The model kinds by role, in order of first use.
    const auto role = ModelRegistry::instance().at(m.model).role;
    auto& kinds = role == ModelRole::generator         ? s.generators
                  : role == ModelRole::denoiser        ? s.denoisers
                  : role == ModelRole::noise_predictor ? s.diffusion_models
                                                       : s.conditional_models;
    if (std::find(kinds.begin(), kinds.end(), m.model) == kinds.end()) kinds.push_back(m.model);
  }
  // Conditional models are trained and named for a Gaussian level (conditional_model_file).
  require(s.noise.empty() || s.conditional_models.empty(), source, ": conditional models (",
          s.conditional_models.empty() ? "" : s.conditional_models.front(),
          ") are trained for Gaussian noise "
          "in experiments; train one for ",
          s.noise, " with genreg train --noise and run it with genreg reconstruct");
  if (!s.image_size.empty())
    for (const auto& d : {s.dataset, s.train_dataset})
      require(dataset_takes_size(d), source,
              ": \"size\" is for datasets that take one (phantoms, folders, DICOM, "
              "NIfTI), not ",
              d);
  if (j.contains("paper")) {
    check_keys(
        j.at("paper"),
        [&] {
          std::vector<std::string> keys;
          for (const auto& m : s.methods) keys.push_back(m.key());
          return keys;
        }(),
        source + " paper");
    for (const auto& item : j.at("paper").items()) {
      const auto& cell = item.value();
      check_keys(cell, {"mean", "std"}, source + " paper " + item.key());
      s.paper[item.key()] = {value_of<double>(cell, "mean", 0.0, source),
                             value_of<double>(cell, "std", 0.0, source)};
    }
  }
  return s;
}

std::string experiments_folder() { return std::string(GENREG_SOURCE_DIR) + "/experiments"; }

std::vector<std::string> experiment_ids() {
  std::vector<std::string> out;
  const std::filesystem::path folder = experiments_folder();
  if (!std::filesystem::is_directory(folder)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.path().extension() == ".json") out.push_back(entry.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

nlohmann::json read_experiment_document(const std::string& id_or_path, std::string* path_out) {
  const bool is_path = id_or_path.size() > 5 && id_or_path.substr(id_or_path.size() - 5) == ".json";
  std::string path = id_or_path;
  if (!is_path) {
    const auto ids = experiment_ids();
    if (std::find(ids.begin(), ids.end(), id_or_path) == ids.end()) {
      std::string known;
      for (const auto& k : ids) known += (known.empty() ? "" : ", ") + k;
      fail("unknown experiment '", id_or_path, "' (known: ", known, "; or a spec file PATH.json)");
    }
    path = experiments_folder() + "/" + id_or_path + ".json";
  }
  require(std::filesystem::is_regular_file(path), "no experiment spec file ", path);
  if (path_out) *path_out = path;
  try {
    const auto bytes = read_file(path);
    return nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::exception& e) {
    fail(path, " is not valid JSON (", e.what(), ")");
  }
}

bool is_shift_study(const nlohmann::json& document) {
  return document.is_object() && document.contains("parts");
}

ExperimentSpec experiment_spec(const std::string& id_or_path) {
  std::string path;
  const auto document = read_experiment_document(id_or_path, &path);
  require(
      !is_shift_study(document), path,
      " is a study over several acquisitions (\"parts\"), not one experiment: run it with genreg experiment");
  return parse_experiment_spec(document, path);
}

std::string conditional_model_file(const std::string& kind, const std::string& operator_spec, double sigma) {
  std::string tag;
  for (const char c : operator_spec)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.') tag += c;
  std::ostringstream name;
  name << kind << "-" << tag << "-sigma" << sigma << ".pt";
  return name.str();
}

nlohmann::json MethodResult::to_json(bool per_image) const {
  nlohmann::json grids = nlohmann::json::object();
  for (const auto& [name, values] : method.grids) grids[name] = values;
  nlohmann::json j = {{"method", method.method},
                      {"model", method.model},
                      {"label", method.label()},
                      {"lambda", lambda},
                      {"settings", chosen.values()},
                      {"validation_psnr", validation_psnr},
                      {"seconds", seconds},
                      {"lambda_grid", method.lambdas},
                      {"grids", grids},
                      {"validation_curve", validation_curve},
                      {"metrics", metrics_to_json(metrics, per_image)}};
  if (!uncertainty.is_null()) j["uncertainty"] = uncertainty;
  if (!audit.is_null()) j["audit"] = audit;
  return j;
}

MethodResult run_experiment_method(const ExperimentMethod& method, const MethodPriors& priors,
                                   const Measurements& m, const torch::Tensor& validation,
                                   const ExperimentRunOptions& options) {
  require(m.has_truth(), "an experiment needs ground truth");
  const auto& info = MethodRegistry::instance().at(method.method);
  auto settings = method.settings;
  // The experiment's generative settings (restarts, iterations) for the methods on a generator.
  if (info.needs == ModelRole::generator)
    for (const auto& item : options.common.values().items())
      if (info.reads(item.key()) && !settings.has(item.key())) settings.set(item.key(), item.value());
  settings.seed(options.common.seed());
  MethodRunOptions o;
  o.batch = options.batch;
  o.group = options.group;
  o.log = options.log;
  o.log_interval = 30.0;
  o.solve_validation = false;
  const auto run = run_method(method.method, settings, priors, m, validation, method.rule(), o);
  MethodResult out;
  out.method = method;
  out.chosen = run.settings;
  out.lambda = info.has_lambda() ? run.lambda.index_select(0, run.report)[0].item<double>() : 0.0;
  out.validation_psnr = run.validation_psnr;
  out.validation_curve = run.validation_curves();
  out.x = run.report_rows(run.result.x).to(torch::kFloat32);
  if (run.result.u.defined()) {
    out.gz = run.report_rows(run.result.gz).to(torch::kFloat32);
    out.u = run.report_rows(run.result.u).to(torch::kFloat32);
  }
  out.metrics = run.metrics;
  if (run.result.samples.defined()) {
    out.std = run.report_rows(run.result.std).to(torch::kFloat32);
    const auto samples = run.report_rows(run.result.samples);
    out.samples = samples.narrow(1, 0, std::min<int64_t>(3, samples.size(1))).to(torch::kFloat32);
  }
  if (run.uncertainty) out.uncertainty = run.uncertainty->to_json();
  out.audit = run.audit.to_json();
  out.seconds = run.seconds;
  return out;
}

namespace {

std::string cell(const Summary& s, int digits) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << s.mean << " +- " << s.std;
  return out.str();
}

const MetricValues& metric(const MethodResult& r, const std::string& name) {
  for (const auto& m : r.metrics)
    if (m.name == name) return m;
  fail("no metric ", name);
}

}  // namespace

std::string experiment_markdown(const ExperimentSpec& spec, const std::vector<MethodResult>& results) {
  // A row per generative method, with a column per generator; one cell (the first column) for
  // a classical method or a method of another model kind (plug-and-play with its denoiser).
  auto is_generator = [&](const std::string& kind) {
    return std::find(spec.generators.begin(), spec.generators.end(), kind) != spec.generators.end();
  };
  std::vector<std::string> rows;  // row keys in order of first appearance
  for (const auto& r : results) {
    const auto row = is_generator(r.method.model) ? r.method.method : r.method.key();
    if (std::find(rows.begin(), rows.end(), row) == rows.end()) rows.push_back(row);
  }
  auto find = [&](const std::string& row, const std::string& generator) -> const MethodResult* {
    for (const auto& r : results)
      if ((generator.empty() ? r.method.key() == row : r.method.method == row && r.method.model == generator))
        return &r;
    return nullptr;
  };
  std::ostringstream md;
  // A column per generator; one "result" column when none is run (--only without generative rows).
  const std::vector<std::string> columns =
      spec.generators.empty() ? std::vector<std::string>{""} : spec.generators;
  auto table = [&](const std::string& name, int digits, bool with_paper) {
    md << "\n### " << name << (with_paper ? " (ours / paper)" : "") << "\n\n| method |";
    for (const auto& g : columns) md << " " << (g.empty() ? std::string("result") : model_label(g)) << " |";
    md << "\n|---|";
    for (size_t k = 0; k < columns.size(); ++k) md << "---|";
    md << "\n";
    for (const auto& method : rows) {
      const auto* single = find(method, "");
      const bool generative = !single;
      md << "| " << (generative ? method : single->method.label()) << " |";
      for (size_t k = 0; k < columns.size(); ++k) {
        const auto* r = find(method, generative ? columns[k] : "");
        std::string text = "-";
        if (r && (generative || k == 0)) {
          text = cell(metric(*r, name).summary, digits);
          if (with_paper) {
            auto p = spec.paper.find(r->method.key());
            text += " / ";
            if (p == spec.paper.end()) {
              text += "-";
            } else {
              std::ostringstream paper;
              paper << std::fixed << std::setprecision(2) << p->second.mean;
              if (p->second.std > 0) paper << " +- " << p->second.std;
              text += paper.str();
            }
          }
        } else if (!generative && k > 0) {
          text = "";
        }
        md << " " << text << " |";
      }
      md << "\n";
    }
  };
  md << "## " << spec.id << ": " << spec.description << "\n\n"
     << "Ground truth: `" << spec.dataset << "` test images " << spec.report << "; parameters chosen by mean "
     << "PSNR on test images " << spec.validation << "; operator `" << spec.operator_spec << "`, ";
  if (spec.noise.empty())
    md << "sigma " << spec.sigma;
  else
    md << "noise " << spec.noise;
  md << ". Mean +- std over the report images. The paper's standard deviations are given "
     << "where its Table 1 states them.\n";
  table("psnr_paper", 2, true);
  table("psnr", 2, false);
  table("ssim", 3, false);
  md << "\n### Chosen parameters\n\n| method | lambda | searched settings | validation PSNR (dB) | seconds "
        "|\n|---|---|---|---|---|\n";
  auto number = [](double v, int digits, bool fixed) {
    std::ostringstream out;
    if (fixed) out << std::fixed;
    out << std::setprecision(digits) << v;
    return out.str();
  };
  for (const auto& r : results)
    md << "| " << r.method.label() << " | " << number(r.lambda, 4, false) << " | "
       << (r.method.grids.empty() ? "-" : r.chosen_text()) << " | " << number(r.validation_psnr, 2, true)
       << " | " << number(r.seconds, 1, true) << " |\n";
  md << "\n### Uncertainty and data fidelity\n\nCoverage of the central 90% intervals (mean +- 1.645 std of "
        "the samples) over all pixels and over the support (truth or mean above 0.01); calibrated: of "
        "mean +- c std with c fitted on the validation images by split conformal prediction (the 90% "
        "quantile of their support's |truth - mean| / std); the correlation of the "
        "std with the absolute error; the share of report images whose ||A x - y||^2 / sigma^2 lies outside "
        "the chi-square 99% interval of true images (below: fits the noise; above: misses the data).\n\n"
        "| method | coverage (all) | coverage (support) | calibrated c | calibrated coverage (all / support) "
        "| std-error correlation | audit: outside (below / above) |\n|---|---|---|---|---|---|---|\n";
  for (const auto& r : results) {
    const bool sampled = !r.uncertainty.is_null();
    const bool calibrated = sampled && r.uncertainty.value("interval_scale", nlohmann::json()).is_number();
    md << "| " << r.method.label() << " | " << (sampled ? percent_of(r.uncertainty, "coverage_90") : "-")
       << " | " << (sampled ? percent_of(r.uncertainty, "coverage_90_support") : "-") << " | "
       << (calibrated ? number(r.uncertainty["interval_scale"].get<double>(), 3, true) : "-") << " | "
       << (calibrated ? percent_of(r.uncertainty, "calibrated_coverage_90") + " / " +
                            percent_of(r.uncertainty, "calibrated_coverage_90_support")
                      : "-")
       << " | "
       << (sampled && r.uncertainty["std_error_correlation"].is_number()
               ? number(r.uncertainty["std_error_correlation"].get<double>(), 3, true)
               : "-")
       << " | "
       << (r.audit.is_null()
               ? "-"
               : percent_of(r.audit, "share_outside") + " (" + percent_of(r.audit, "share_below") + " / " +
                     percent_of(r.audit, "share_above") + ")")
       << " |\n";
  }
  return md.str();
}

std::string percent_of(const nlohmann::json& j, const std::string& key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return "-";
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << 100.0 * j[key].get<double>() << "%";
  return out.str();
}

}  // namespace genreg
