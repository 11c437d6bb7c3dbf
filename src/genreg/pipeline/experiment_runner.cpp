#include "genreg/pipeline/experiment_runner.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <string_view>

#include "genreg/core/error.h"
#include "genreg/data/dataset.h"
#include "genreg/io/atomic_file.h"
#include "genreg/io/html_report.h"
#include "genreg/io/image_grid.h"
#include "genreg/io/line_plot.h"
#include "genreg/io/number_format.h"
#include "genreg/io/output_paths.h"
#include "genreg/io/results_file.h"
#include "genreg/io/tensor_file.h"
#include "genreg/models/checkpoint.h"
#include "genreg/models/model_registry.h"
#include "genreg/operators/make_operator.h"
#include "genreg/operators/measurements.h"
#include "genreg/operators/noise.h"
#include "genreg/training/training_run.h"

namespace genreg {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string file_key(const ExperimentMethod& m) {
  std::string k = m.key();
  for (auto& c : k)
    if (c == '/') c = '-';
  return k;
}

// The acquisition conditional models are trained for.
std::string model_operator(const ExperimentSpec& spec) {
  return spec.model_operator_spec.empty() ? spec.operator_spec : spec.model_operator_spec;
}
double model_sigma(const ExperimentSpec& spec) {
  return spec.model_sigma > 0 ? spec.model_sigma : spec.sigma;
}
// What a conditional model of `kind` trained by the experiment sees of y.
std::string condition_of(const ExperimentSpec& spec, const std::string& kind) {
  const auto it = spec.conditions.find(kind);
  return it == spec.conditions.end() ? "backprojection" : it->second;
}

// The description of an untrained model of `kind` for the experiment's images: generators by the
// paper's architecture and latent dimension, denoisers with PROTOCOL.md's noise range [0, 0.5].
nlohmann::json untrained_description(const ExperimentSpec& spec, const std::string& kind,
                                     const ExperimentArgs& a, int64_t height, int64_t width) {
  if (ModelRegistry::instance().at(kind).role == ModelRole::generator) {
    ModelConfig config;
    config.kind = kind;
    config.arch = "paper";
    config.height = height;
    config.width = width;
    config.latent_dim = spec.latent_dim;
    config.channels = a.channels;
    config.validate();
    return config.to_json();
  }
  if (ModelRegistry::instance().at(kind).role == ModelRole::noise_predictor)
    return make_model({{"kind", kind}, {"height", height}, {"width", width}})->describe();
  if (ModelRegistry::instance().at(kind).role == ModelRole::conditional_generator)
    return make_model({{"kind", kind},
                       {"height", height},
                       {"width", width},
                       {"operator", make_operator(model_operator(spec), height, width)->spec()},
                       {"noise", NoiseModel::parse(std::to_string(model_sigma(spec))).str()},
                       {"condition", condition_of(spec, kind)}})
        ->describe();
  return make_model(
             {{"kind", kind}, {"height", height}, {"width", width}, {"noise_low", 0.0}, {"noise_high", 0.5}})
      ->describe();
}

// The model of `kind`: DIR/KIND.pt when a folder is given, else trained into out/models/ with the
// experiment's recipe (resuming a run that was killed). Records where it came from in `record`.
ModelPtr obtain_model(const ExperimentSpec& spec, const std::string& kind, const ExperimentArgs& a,
                      int64_t height, int64_t width, std::ostream& os, nlohmann::json& record) {
  const auto role = ModelRegistry::instance().at(kind).role;
  const bool conditional = role == ModelRole::conditional_generator;
  const auto epochs = spec.train_epochs.find(kind);
  // A conditional model is tied to the acquisition it was trained for, and named for it.
  const std::string file =
      conditional ? conditional_model_file(kind, model_operator(spec), model_sigma(spec)) : kind + ".pt";
  std::string path;
  if (!a.generators.empty()) {
    path = (fs::path(a.generators) / file).string();
    if (!fs::exists(path)) {
      // The experiment's own recipe, so that the folder's models match the ones it would train.
      std::string recipe = " --dataset " + spec.train_dataset;
      if (!spec.train_indices.empty()) recipe += " --indices " + spec.train_indices;
      if (epochs != spec.train_epochs.end()) recipe += " --epochs " + std::to_string(epochs->second);
      if (conditional)
        recipe += " --operator " + model_operator(spec) + " --noise " +
                  NoiseModel::parse(std::to_string(model_sigma(spec))).str() + " --condition " +
                  condition_of(spec, kind);
      fail("no ", kind, " ", to_string(role), " in ", a.generators, " (expected ", path,
           "; train one with genreg train --model ", kind, recipe, " --out ", path, ")");
    }
    os << to_string(role) << " " << kind << ": " << path << "\n";
  } else {
    // Generators keep their folder name of earlier runs (kept results refer to it).
    const fs::path folder = fs::path(a.out) / (role == ModelRole::generator  ? "generators"
                                               : role == ModelRole::denoiser ? "denoisers"
                                               : conditional                 ? "conditional"
                                                                             : "diffusion");
    path = (folder / file).string();
    auto train_options = DatasetOptions().split("train").image_size(spec.image_size);
    if (!spec.train_indices.empty()) train_options.range(IndexRange::parse(spec.train_indices));
    const auto train = load_dataset(spec.train_dataset, train_options);
    const auto test = load_dataset(
        spec.train_dataset,
        DatasetOptions().split("test").range(IndexRange::parse("0:2000")).image_size(spec.image_size));
    auto options = default_train_options(kind);
    options
        .epochs(a.epochs > 0                        ? a.epochs
                : epochs != spec.train_epochs.end() ? epochs->second
                                                    : default_epochs(kind))
        .seed(a.seed);
    TrainingRunOptions run;
    run.checkpoint = path;
    run.log_dir = (folder / (kind + "_train")).string();
    run.resume = true;
    run.dataset = spec.train_dataset;
    run.terminal = a.terminal;
    run.group = a.group;
    if (is_root(a.group)) fs::create_directories(folder);
    os << "training " << kind << " on " << train.size() << " " << spec.train_dataset << " images ("
       << options.epochs() << " epochs; checkpoint " << path << ")\n";
    // Conditional kinds train on pairs simulated with the experiment's acquisition (test pairs from
    // another noise stream).
    const auto pairs = [&](const torch::Tensor& images, uint64_t seed) {
      if (!conditional) return TrainingData(images);
      return TrainingData(
          images,
          SimulatedAcquisition{model_operator(spec), NoiseModel::parse(std::to_string(model_sigma(spec)))},
          seed);
    };
    const auto summary =
        run_training(untrained_description(spec, kind, a, train.height(), train.width()), options,
                     pairs(train.images, a.seed), pairs(test.images, a.seed + 1), run, a.device, os);
    record["training_seconds"] = summary.seconds;
    record["epochs"] = summary.epochs_done;
    record["log_dir"] = run.log_dir;
    for (const auto& [name, value] : summary.test_metrics) record[name] = value;
  }
  auto model = load_model(path, role, a.device);
  if (role == ModelRole::generator)
    check_generator_size(dynamic_cast<Generator&>(*model), height, width,
                         "the " + spec.dataset + " images of " + spec.id);
  record["checkpoint"] = path;
  // The checkpoint's contents name this model in the kept results: a retrained or replaced file
  // makes them stale.
  const auto bytes = read_file(path);
  record["checkpoint_hash"] =
      std::to_string(std::hash<std::string_view>{}(std::string_view(bytes.data(), bytes.size())));
  record["model"] = model->describe();
  return model;
}

// A result kept on disk: result.json and the report reconstructions (and G(z), u for sparse).
struct StoredResult {
  fs::path dir;
  explicit StoredResult(const fs::path& d) : dir(d) {}
  bool exists() const { return fs::exists(dir / "result.json") && fs::exists(dir / "x.pt"); }
};

void store(const StoredResult& s, const MethodResult& r, const nlohmann::json& settings) {
  fs::create_directories(s.dir);
  save_tensor((s.dir / "x.pt").string(), r.x);
  if (r.u.defined()) {
    save_tensor((s.dir / "gz.pt").string(), r.gz);
    save_tensor((s.dir / "u.pt").string(), r.u);
  }
  if (r.std.defined()) {
    save_tensor((s.dir / "std.pt").string(), r.std);
    save_tensor((s.dir / "samples.pt").string(), r.samples);
  }
  auto j = r.to_json(true);
  j["settings_chosen"] = j["settings"];
  j["settings"] = settings;
  write_file_atomically((s.dir / "result.json").string(), j.dump(2) + "\n");
}

// The stored result when it was made with the same settings, else nothing.
std::optional<MethodResult> restore(const StoredResult& s, const ExperimentMethod& method,
                                    const nlohmann::json& settings, const torch::Tensor& truth) {
  if (!s.exists()) return std::nullopt;
  nlohmann::json j;
  try {
    const auto bytes = read_file((s.dir / "result.json").string());
    j = nlohmann::json::parse(bytes.begin(), bytes.end());
    if (j.at("settings") != settings) return std::nullopt;
    MethodResult r;
    r.method = method;
    r.lambda = j.at("lambda").get<double>();
    r.chosen = MethodSettings(j.at("settings_chosen"));
    r.validation_psnr = j.at("validation_psnr").get<double>();
    r.seconds = j.at("seconds").get<double>();
    r.validation_curve = j.at("validation_curve").get<std::vector<std::vector<double>>>();
    r.uncertainty = j.value("uncertainty", nlohmann::json());
    r.audit = j.value("audit", nlohmann::json());
    r.x = load_tensor((s.dir / "x.pt").string());
    if (fs::exists(s.dir / "u.pt")) {
      r.gz = load_tensor((s.dir / "gz.pt").string());
      r.u = load_tensor((s.dir / "u.pt").string());
    }
    if (fs::exists(s.dir / "std.pt")) {
      r.std = load_tensor((s.dir / "std.pt").string());
      r.samples = load_tensor((s.dir / "samples.pt").string());
    }
    if (!r.x.sizes().equals(truth.sizes())) return std::nullopt;
    r.metrics = compute_metrics(r.x, truth);
    return r;
  } catch (const std::exception&) {
    return std::nullopt;  // unreadable: run the method again
  }
}

std::vector<PlotPanel> sweep_panels(const std::vector<MethodResult>& results) {
  std::vector<std::string> methods;
  for (const auto& r : results)
    if (std::find(methods.begin(), methods.end(), r.method.method) == methods.end())
      methods.push_back(r.method.method);
  std::vector<PlotPanel> panels;
  PlotPanel classical{"classical", "lambda", "mean validation PSNR (dB)", true, false, {}, {}, {}};
  for (const auto& method : methods) {
    PlotPanel p{method, "lambda", "mean validation PSNR (dB)", true, false, {}, {}, {}};
    for (const auto& r : results) {
      // A method without a lambda has no curve against lambda.
      if (r.method.method != method || r.validation_curve.empty() || r.method.lambdas.empty()) continue;
      // The curve of the chosen combination of the searched settings (the best curve's peak).
      size_t k = 0;
      double best = -1e300;
      for (size_t i = 0; i < r.validation_curve.size(); ++i) {
        const double peak = *std::max_element(r.validation_curve[i].begin(), r.validation_curve[i].end());
        if (peak > best) best = peak, k = i;
      }
      PlotSeries s{r.method.learned() ? model_label(r.method.model) : r.method.label(), r.method.lambdas,
                   r.validation_curve[k]};
      (r.method.learned() ? p : classical).series.push_back(s);
    }
    if (!p.series.empty()) {
      if (std::any_of(results.begin(), results.end(), [&](const MethodResult& r) {
            return r.method.method == method && !r.method.grids.empty();
          }))
        p.title += " (at the chosen settings)";
      panels.push_back(p);
    }
  }
  if (!classical.series.empty()) panels.push_back(classical);
  return panels;
}

}  // namespace

nlohmann::json run_experiment(const ExperimentSpec& spec_in, const ExperimentArgs& a, std::ostream& log_to) {
  // Rank 0 (or the only process) prints and writes; the other ranks train and solve their shares.
  const RootLog root_log(a.group, log_to);
  const bool root = root_log.root();
  std::ostream& os = root_log.stream();
  require(!a.out.empty(), "no output folder given");
  require(a.restarts >= 0, "--restarts must not be negative");
  require(a.iterations >= 1, "--iterations must be at least 1");
  ExperimentSpec spec = spec_in;
  const int64_t restarts = a.restarts > 0 ? a.restarts : spec.restarts;
  if (!a.validation.empty()) spec.validation = a.validation;
  if (!a.report.empty()) spec.report = a.report;
  if (!a.only.empty()) {
    std::vector<ExperimentMethod> kept;
    for (const auto& key : a.only) {
      auto it = std::find_if(spec.methods.begin(), spec.methods.end(),
                             [&](const ExperimentMethod& m) { return m.key() == key; });
      if (it == spec.methods.end()) {
        std::string known;
        for (const auto& m : spec.methods) known += (known.empty() ? "" : ", ") + m.key();
        fail("experiment ", spec.id, " has no method '", key, "' (it has ", known, ")");
      }
      kept.push_back(*it);
    }
    spec.methods = kept;
    const auto used = [&](std::vector<std::string>& kinds) {
      std::vector<std::string> out;
      for (const auto& g : kinds)
        if (std::any_of(kept.begin(), kept.end(), [&](const ExperimentMethod& m) { return m.model == g; }))
          out.push_back(g);
      kinds = out;
    };
    used(spec.generators);
    used(spec.denoisers);
    used(spec.diffusion_models);
    used(spec.conditional_models);
  }
  const auto t0 = Clock::now();
  // The kept methods, trained generators and measurements are the resumption cache.
  if (root)
    prepare_output_folder(
        a.out, PreviousRun::clear,
        {"methods/", "generators/", "denoisers/", "diffusion/", "conditional/", "measurements.pt"});
  os << spec.id << ": " << spec.description << "\n";

  nlohmann::json summary = {{"experiment", spec.id},
                            {"description", spec.description},
                            {"dataset", spec.dataset},
                            {"train_dataset", spec.train_dataset},
                            {"operator", spec.operator_spec},
                            {"sigma", spec.sigma},
                            {"validation", spec.validation},
                            {"report", spec.report},
                            {"restarts", restarts},
                            {"iterations", a.iterations},
                            {"seed", a.seed},
                            {"device", a.device.str()},
                            {"generators", nlohmann::json::object()},
                            {"denoisers", nlohmann::json::object()},
                            {"diffusion_models", nlohmann::json::object()},
                            {"conditional_models", nlohmann::json::object()}};
  if (!spec.noise.empty()) summary["noise"] = spec.noise;
  if (!spec.image_size.empty()) summary["size"] = spec.image_size;

  // 1. The ground truth: test images up to the end of the later range.
  const auto validation_range = IndexRange::parse(spec.validation);
  const auto report_range = IndexRange::parse(spec.report);
  const int64_t stop = std::max(validation_range.stop, report_range.stop);
  require(validation_range.stop > validation_range.start && report_range.stop > report_range.start,
          "validation and report ranges must be non-empty and have an end");
  require(validation_range.stop <= report_range.start || report_range.stop <= validation_range.start,
          "the validation images ", spec.validation, " overlap the report images ", spec.report);
  const auto data = load_dataset(
      spec.dataset, DatasetOptions().split("test").range(IndexRange{0, stop}).image_size(spec.image_size));

  // 2. Generators and denoisers.
  std::map<std::string, ModelPtr> models;
  const std::vector<std::pair<const std::vector<std::string>*, std::string>> roles = {
      {&spec.generators, "generators"},
      {&spec.denoisers, "denoisers"},
      {&spec.diffusion_models, "diffusion_models"},
      {&spec.conditional_models, "conditional_models"}};
  for (const auto& [kinds, key] : roles) {
    for (const auto& kind : *kinds) {
      nlohmann::json record;
      models[kind] = obtain_model(spec, kind, a, data.height(), data.width(), os, record);
      summary[key][kind] = record;
    }
  }
  const auto model_record = [&](const std::string& kind) -> const nlohmann::json& {
    for (const auto& [kinds, key] : roles)
      if (summary[key].contains(kind)) return summary[key][kind];
    fail("no model record for ", kind);
  };
  const double training_seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  // 3. Measurements of the validation and report images (one file, positions by test index).
  auto m = simulate_measurements(data, spec.operator_spec, experiment_noise(spec), a.seed);
  if (root) save_measurements((fs::path(a.out) / "measurements.pt").string(), m);
  m.y = m.y.to(a.device);
  m.x_true = m.x_true.to(a.device);
  const auto positions = [](const IndexRange& r) { return torch::arange(r.start, r.stop, torch::kLong); };
  const auto validation = positions(validation_range);
  const auto truth =
      m.select(positions(report_range).to(m.y.device())).x_true.to(torch::kCPU, torch::kFloat32);
  // Only the validation and report images are solved.
  const auto used = std::get<0>(torch::sort(torch::cat({validation, positions(report_range)})));
  const auto solved = m.select(used.to(m.y.device()));
  const auto validation_rows = torch::searchsorted(used, validation);
  os << "measurements: " << spec.operator_spec << " of " << spec.dataset << " test images " << spec.validation
     << " (validation) and " << spec.report << " (report), noise " << experiment_noise(spec).str() << "\n";

  // 4. Methods.
  ExperimentRunOptions run;
  run.common.set("restarts", restarts).set("iterations", a.iterations).seed(a.seed);
  run.batch = a.batch;
  run.log = [&](const std::string& line) { os << line << std::endl; };
  run.group = a.group;
  std::vector<MethodResult> results;
  for (size_t i = 0; i < spec.methods.size(); ++i) {
    const auto& method = spec.methods[i];
    const StoredResult stored(fs::path(a.out) / "methods" / file_key(method));
    // What the kept result depends on: a change to any of it runs the method again.
    nlohmann::json grids = nlohmann::json::object();
    for (const auto& [name, values] : method.grids) grids[name] = values;
    nlohmann::json settings = {{"lambdas", method.lambdas},
                               {"grids", grids},
                               {"method_settings", method.settings.values()},
                               {"operator", spec.operator_spec},
                               {"sigma", spec.sigma},
                               {"validation", spec.validation},
                               {"report", spec.report},
                               {"seed", a.seed}};
    if (!spec.noise.empty()) settings["noise"] = spec.noise;
    if (!spec.image_size.empty()) settings["size"] = spec.image_size;
    if (method.learned() && MethodRegistry::instance().at(method.method).reads("samples"))
      settings["calibration"] = "split conformal, 90%, validation support";
    if (method.learned()) {
      const auto& info = MethodRegistry::instance().at(method.method);
      if (info.needs == ModelRole::generator) {
        settings["restarts"] = restarts;
        settings["iterations"] = a.iterations;
      }
      // "generator": the key of results kept by earlier versions, for every model role.
      settings["generator"] = model_record(method.model)["checkpoint_hash"];
      settings["model"] = model_record(method.model)["model"];
    }
    os << "[" << i + 1 << "/" << spec.methods.size() << "] " << method.label();
    auto kept = restore(stored, method, settings, truth);
    // Rank 0's cache decides for every rank (they solve together or not at all).
    bool use_kept = kept.has_value();
    if (a.group) {
      auto flag = torch::full({1}, use_kept ? 1 : 0, torch::kLong);
      a.group->broadcast(flag, 0);
      use_kept = flag.item<int64_t>() != 0;
    }
    if (use_kept) {
      os << ": kept from an earlier run (" << stored.dir.string() << ")\n";
      if (kept) results.push_back(*kept);
      continue;
    }
    os << ": choosing lambda";
    for (const auto& item : method.grids) os << ", " << item.first;
    os << " on " << validation.numel() << " validation images, then " << truth.size(0) << " report images\n"
       << std::flush;
    MethodPriors priors;
    if (method.learned()) {
      const auto& model = models.at(method.model);
      priors.generator = std::dynamic_pointer_cast<Generator>(model);
      priors.denoiser = std::dynamic_pointer_cast<Denoiser>(model);
      priors.noise_predictor = std::dynamic_pointer_cast<NoisePredictor>(model);
      priors.conditional_generator = std::dynamic_pointer_cast<ConditionalGenerator>(model);
    }
    auto r = run_experiment_method(method, priors, solved, validation_rows, run);
    if (root) store(stored, r, settings);
    os << "  " << method.label() << ": psnr_paper " << format_fixed(r.metrics[1].summary.mean, 2) << " +- "
       << format_fixed(r.metrics[1].summary.std, 2) << ", psnr " << format_fixed(r.metrics[0].summary.mean, 2)
       << ", ssim " << format_fixed(r.metrics[2].summary.mean, 3) << " (lambda " << r.lambda;
    if (!method.grids.empty()) os << ", " << r.chosen_text();
    os << "; " << format_fixed(r.seconds, 1) << " s)\n";
    if (!r.uncertainty.is_null()) {
      os << "  90% intervals cover " << percent_of(r.uncertainty, "coverage_90") << " of the pixels, "
         << percent_of(r.uncertainty, "coverage_90_support") << " of the support's";
      if (r.uncertainty["interval_scale"].is_number())
        os << "; calibrated on the validation images (mean +- "
           << format_fixed(r.uncertainty["interval_scale"].get<double>(), 2)
           << " std): " << percent_of(r.uncertainty, "calibrated_coverage_90") << ", "
           << percent_of(r.uncertainty, "calibrated_coverage_90_support");
      os << "\n";
    }
    results.push_back(r);
  }

  // 5. Table, figures, report.
  if (!root) return nlohmann::json();
  const auto md = experiment_markdown(spec, results);
  write_file_atomically((fs::path(a.out) / "table.md").string(), md);
  nlohmann::json methods = nlohmann::json::array();
  for (const auto& r : results) {
    auto j = r.to_json(false);
    auto p = spec.paper.find(r.method.key());
    if (p != spec.paper.end()) j["paper_psnr_paper"] = {{"mean", p->second.mean}, {"std", p->second.std}};
    methods.push_back(j);
  }
  summary["methods"] = methods;

  const int64_t shown = std::min<int64_t>(8, truth.size(0));
  const auto pick = torch::linspace(0, truth.size(0) - 1, shown).round().to(torch::kLong);
  std::vector<GridRow> rows{{truth.index_select(0, pick)}};
  std::string row_names = "truth";
  for (const auto& r : results) {
    rows.push_back({r.x.index_select(0, pick)});
    row_names += " / " + r.method.label();
  }
  write_comparison_grid((fs::path(a.out) / "reconstructions.png").string(), rows);
  const auto validation_panels = sweep_panels(results);
  if (!validation_panels.empty())
    write_line_plot((fs::path(a.out) / "validation.png").string(), validation_panels, 420, 340);
  std::vector<std::string> decompositions;
  for (const auto& r : results) {
    if (!r.u.defined()) continue;
    const auto name = "decomposition-" + file_key(r.method) + ".png";
    write_comparison_grid((fs::path(a.out) / name).string(),
                          {{truth.index_select(0, pick)},
                           {r.gz.index_select(0, pick)},
                           {r.u.index_select(0, pick), Colormap::diverging, 0.0, 0.5},
                           {r.x.index_select(0, pick)}});
    decompositions.push_back(name);
  }

  // Sampling methods: truth / mean / std / |error| / single samples, and the calibration curves.
  std::vector<std::pair<std::string, std::string>> uncertainty_figures;
  PlotPanel calibration{"calibration of mean +- z std (support)",
                        "nominal coverage",
                        "observed coverage",
                        false,
                        false,
                        {},
                        {},
                        {}};
  for (const auto& r : results) {
    if (!r.std.defined()) continue;
    const auto t = truth.index_select(0, pick), mean = r.x.index_select(0, pick);
    const auto std = r.std.index_select(0, pick), samples = r.samples.index_select(0, pick);
    const double top = std::max(1e-6, std.max().item<double>());
    std::vector<GridRow> grid = {
        {t}, {mean}, {std, Colormap::heat, 0.0, top}, {(mean - t).abs(), Colormap::heat, 0.0, top}};
    for (int64_t k = 0; k < samples.size(1); ++k) grid.push_back({samples.select(1, k)});
    const auto name = "uncertainty-" + file_key(r.method) + ".png";
    write_comparison_grid((fs::path(a.out) / name).string(), grid);
    uncertainty_figures.push_back(
        {name, r.method.label() +
                   ": truth / posterior mean / std / |error| (std and error on one heat scale, 0 to " +
                   format_significant(top, 3) + ") / single samples"});
    const auto& c = r.uncertainty["calibration"];
    if (c.is_object())
      calibration.series.push_back({r.method.label(), c["nominal"].get<std::vector<double>>(),
                                    c["coverage_support"].get<std::vector<double>>()});
  }
  if (!calibration.series.empty()) {
    calibration.series.push_back({"ideal", {0.5, 0.99}, {0.5, 0.99}});
    write_line_plot((fs::path(a.out) / "calibration.png").string(), {calibration}, 420, 340);
  }

  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  summary["training_seconds"] = training_seconds;

  HtmlReport html(a.title.empty() ? "genreg experiment " + spec.id : a.title);
  html.paragraph(spec.description + ". Ground truth: " + spec.dataset + " test images " + spec.report +
                 "; parameters chosen by mean PSNR on test images " + spec.validation + "; " +
                 std::to_string(restarts) + " restart(s) and " + std::to_string(a.iterations) +
                 " iterations per generative solve. Total time " + format_duration(seconds) + " (" +
                 format_duration(training_seconds) + " for the models) on " + a.device.str() + ".");
  std::vector<std::vector<std::string>> table;
  for (const auto& r : results) {
    auto p = spec.paper.find(r.method.key());
    std::string paper = "-";
    if (p != spec.paper.end())
      paper = format_fixed(p->second.mean, 2) +
              (p->second.std > 0 ? " +- " + format_fixed(p->second.std, 2) : "");
    table.push_back(
        {r.method.label(),
         format_fixed(r.metrics[1].summary.mean, 2) + " +- " + format_fixed(r.metrics[1].summary.std, 2),
         paper,
         format_fixed(r.metrics[0].summary.mean, 2) + " +- " + format_fixed(r.metrics[0].summary.std, 2),
         format_fixed(r.metrics[2].summary.mean, 3) + " +- " + format_fixed(r.metrics[2].summary.std, 3),
         format_fixed(r.lambda, 4) + (r.method.grids.empty() ? "" : ", " + r.chosen_text()),
         format_fixed(r.seconds, 1)});
  }
  html.heading("Results on " + std::to_string(truth.size(0)) + " images", 2)
      .table({"method", "psnr_paper", "paper", "psnr", "ssim", "lambda", "seconds"}, table);
  std::vector<std::vector<std::string>> uncertainty_rows;
  for (const auto& r : results) {
    if (r.uncertainty.is_null()) continue;
    const bool calibrated = r.uncertainty["interval_scale"].is_number();
    uncertainty_rows.push_back(
        {r.method.label(), percent_of(r.uncertainty, "coverage_90"),
         percent_of(r.uncertainty, "coverage_90_support"),
         calibrated ? format_fixed(r.uncertainty["interval_scale"].get<double>(), 2) : "-",
         percent_of(r.uncertainty, "calibrated_coverage_90_support"), percent_of(r.audit, "share_outside")});
  }
  if (!uncertainty_rows.empty())
    html.heading("Uncertainty of the sampling methods", 2)
        .paragraph(
            "Coverage of the central 90% interval mean +- 1.645 std of the samples, over all pixels "
            "and over the support (truth or mean above 0.01); calibrated: mean +- c std with c fitted "
            "on the validation images (split conformal); the audit: the share of report images whose "
            "||A x - y||^2 / sigma^2 lies outside the chi-square 99% interval of true images.")
        .table({"method", "coverage (all)", "coverage (support)", "c", "calibrated coverage (support)",
                "audit outside"},
               uncertainty_rows);
  html.figure("reconstructions.png", "rows: " + row_names + " (evenly spaced report images)");
  if (!validation_panels.empty())
    html.figure("validation.png", "mean PSNR on the validation images against lambda");
  for (const auto& name : decompositions)
    html.figure(name, "truth / G(z) / deviation u (red positive, blue negative) / x = G(z) + u");
  for (const auto& [name, caption] : uncertainty_figures) html.figure(name, caption);
  if (!calibration.series.empty())
    html.figure("calibration.png",
                "sampling methods: observed against nominal coverage of mean +- z std on the support "
                "(below the diagonal: overconfident; before the validation-fitted scale of table.md)");
  for (const auto& kind : spec.generators) {
    auto generator = std::dynamic_pointer_cast<Generator>(models.at(kind));
    // Samples from the latent prior, drawn from a fixed seed.
    torch::manual_seed(a.seed + 17);
    torch::Tensor samples;
    {
      torch::NoGradGuard no_grad;
      samples = generator->sample(32).to(torch::kCPU, torch::kFloat32);
    }
    const auto name = "samples-" + kind + ".png";
    write_image_grid((fs::path(a.out) / name).string(), samples);
    html.figure(name, model_label(kind) + ": 32 samples G(z), z ~ N(0, I)");
  }
  html.link("table.md", "table.md").link("results.json", "results.json");
  html.write((fs::path(a.out) / "report.html").string());
  auto document =
      results_document(a.command, summary,
                       {"experiment", "description", "dataset", "train_dataset", "operator", "sigma", "noise",
                        "size", "validation", "report", "restarts", "iterations", "seed", "device"},
                       seconds, a.out);
  write_results_file(a.out, document);
  os << "\n"
     << md << "\nwrote " << (fs::path(a.out) / "report.html").string() << " (" << format_duration(seconds)
     << ")\n";
  return document;
}

}  // namespace genreg
