#include "genreg/pipeline/reconstruction_job.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "genreg/core/error.h"
#include "genreg/eval/metrics.h"
#include "genreg/eval/uncertainty.h"
#include "genreg/io/atomic_file.h"
#include "genreg/io/html_report.h"
#include "genreg/io/image_grid.h"
#include "genreg/io/line_plot.h"
#include "genreg/io/number_format.h"
#include "genreg/io/output_paths.h"
#include "genreg/io/results_file.h"
#include "genreg/io/tensor_file.h"
#include "genreg/models/checkpoint.h"
#include "genreg/operators/measurements.h"
#include "genreg/operators/operator_spec.h"
#include "genreg/pipeline/iteration_trace.h"
#include "genreg/pipeline/parameter_choice.h"
#include "genreg/pipeline/sharded_solves.h"
#include "genreg/solvers/conditional_sampling.h"
#include "genreg/solvers/diffusion_posterior.h"

namespace genreg {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Per start r: mean over images of the objective, discrepancy and PSNR against lambda.
std::vector<PlotPanel> start_panels(const SweepResult& s, double level) {
  const int64_t r = s.start_objective.size(2);
  std::vector<PlotPanel> panels;
  auto panel = [&](const std::string& title, const std::string& y, const torch::Tensor& values, bool log_y) {
    PlotPanel p{title, "lambda", y, true, log_y, {}, {}, {}};
    for (int64_t k = 0; k < r; ++k) {
      PlotSeries series{"restart " + std::to_string(k + 1), s.lambdas, {}};
      for (size_t l = 0; l < s.lambdas.size(); ++l)
        series.y.push_back(values.select(2, k)[static_cast<int64_t>(l)].mean().item<double>());
      p.series.push_back(series);
    }
    return p;
  };
  panels.push_back(panel("objective per restart", "mean objective", s.start_objective, true));
  auto d = panel("data discrepancy per restart", "mean ||Ax - y||^2", s.start_discrepancy, true);
  d.horizontal_lines.push_back({level, "M sigma^2"});
  panels.push_back(d);
  if (s.start_psnr.defined())
    panels.push_back(panel("PSNR per restart", "mean PSNR (dB)", s.start_psnr, false));
  return panels;
}

std::string percent(double share) {
  return std::isfinite(share) ? format_significant(100.0 * share, 3) + "%" : std::string("n/a");
}

// Coverage, calibration and the sample figure of a sampling method (eval/uncertainty.h), on the
// report images: samples (N, K, 1, H, W), truth (N, 1, H, W), back-projections A^T y (N, 1, H, W).
// `interval_scale` > 0: the calibrated interval mean +- c std is reported too, `scale_source` saying
// where c came from.
void report_uncertainty(const UncertaintySummary& u, const torch::Tensor& samples, const torch::Tensor& truth,
                        const torch::Tensor& backprojection, double interval_scale,
                        const std::string& scale_source, const std::string& out, nlohmann::json& summary,
                        HtmlReport& html, std::ostream& os) {
  summary["uncertainty"] = u.to_json();
  if (interval_scale > 0) summary["uncertainty"]["interval_scale_source"] = scale_source;
  os << "  90% intervals of " << u.samples << " samples cover " << percent(u.coverage) << " of the pixels, "
     << percent(u.coverage_support) << " of the support's";
  if (std::isfinite(u.quantile_coverage_support))
    os << " (5-95% quantiles: " << percent(u.quantile_coverage_support) << ")";
  os << "; std / |error| correlation " << format_significant(u.std_error_correlation, 3) << "\n";
  if (interval_scale > 0)
    os << "  calibrated intervals mean +- " << format_significant(interval_scale, 3) << " std ("
       << scale_source << ") cover " << percent(u.calibrated_coverage) << " of the pixels, "
       << percent(u.calibrated_coverage_support) << " of the support's\n";
  std::vector<std::vector<std::string>> table = {
      {"coverage of mean +- 1.645 std, all pixels", percent(u.coverage)},
      {"the same, support (truth or mean non-zero)", percent(u.coverage_support)},
      {"coverage of the 5%-95% quantiles (K >= 20), support", percent(u.quantile_coverage_support)},
      {"coverage of the image mean intensity's interval, images", percent(u.image_coverage)},
      {"correlation of std with |error|", format_significant(u.std_error_correlation, 3)}};
  if (interval_scale > 0) {
    table.push_back({"calibrated interval: mean +- c std, c (" + scale_source + ")",
                     format_significant(interval_scale, 3)});
    table.push_back({"coverage of the calibrated interval, all pixels", percent(u.calibrated_coverage)});
    table.push_back({"the same, support", percent(u.calibrated_coverage_support)});
  }
  html.heading("Uncertainty (" + std::to_string(u.samples) + " samples per image)", 2)
      .table({"statistic", "value"}, table);
  const int64_t shown = std::min<int64_t>(8, samples.size(0));
  const auto s = samples.narrow(0, 0, shown).to(torch::kCPU, torch::kFloat32);
  const auto t = truth.narrow(0, 0, shown).to(torch::kCPU, torch::kFloat32);
  const auto b = backprojection.narrow(0, 0, shown).to(torch::kCPU, torch::kFloat32);
  const auto mean = s.mean(1), std = s.size(1) > 1 ? s.std(1, true) : torch::zeros_like(mean);
  const double std_max = std::max(1e-6, std.max().item<double>());
  std::vector<GridRow> rows = {{t},
                               {b, Colormap::grey, b.min().item<double>(), b.max().item<double>()},
                               {mean},
                               {std, Colormap::heat, 0.0, std_max},
                               {(mean - t).abs(), Colormap::heat, 0.0, std_max}};
  for (int64_t k = 0; k < std::min<int64_t>(3, s.size(1)); ++k) rows.push_back({s.select(1, k)});
  write_comparison_grid((fs::path(out) / "samples.png").string(), rows);
  html.figure("samples.png",
              "truth / A^T y / posterior mean / std / |error| (std and error on one heat scale, 0 to " +
                  format_significant(std_max, 3) + ") / single samples");
  PlotPanel calibration{"calibration of mean +- z std (support)",
                        "nominal coverage",
                        "observed coverage",
                        false,
                        false,
                        {},
                        {},
                        {}};
  calibration.series.push_back({"observed", u.levels, u.level_coverage});
  calibration.series.push_back({"ideal", u.levels, u.levels});
  PlotPanel z{"z-scores (truth - mean) / std, support", "z", "pixels", false, false, {}, {}, {}};
  PlotSeries counts{"count", {}, u.z_counts};
  counts.kind = SeriesKind::bars;
  for (size_t i = 0; i < u.z_counts.size(); ++i) counts.x.push_back(0.5 * (u.z_edges[i] + u.z_edges[i + 1]));
  z.series.push_back(counts);
  write_line_plot((fs::path(out) / "calibration.png").string(), {calibration, z}, 520, 400);
  html.figure(
      "calibration.png",
      "observed against nominal coverage (below the diagonal: overconfident), and the z-score histogram "
      "(a calibrated sampler's is close to N(0, 1))");
}

}  // namespace

ParameterRule parameter_rule(const ReconstructionJob& job) {
  const auto& info = MethodRegistry::instance().at(job.method);
  const bool automatic = job.lambda.rfind("auto", 0) == 0;
  std::map<std::string, std::vector<double>> grids;
  for (const auto& [name, text] : job.grids) {
    const auto& spec = info.setting(name);
    require(spec.searchable && name != "lambda", "--grid ", name, ": ", spec.spelled("--"),
            " is not a setting a grid may search (give --lambda-grid for lambda)");
    require(!job.settings.has(name), "give either ", spec.spelled("--"), " or a grid of it, not both");
    grids[name] = parse_lambda_grid(text);
  }
  require(grids.empty() || !job.validate.empty(), "a setting grid is chosen on --validate images");
  if (!info.has_lambda()) {
    require(job.lambda.empty() && job.lambda_grid.empty(), job.method,
            " has no regularisation parameter to choose (no --lambda or --lambda-grid)");
    // --validate still sets images apart: a posterior sampler's intervals are calibrated on them.
    require(job.validate.empty() || info.reads("samples") || !grids.empty(),
            "--validate chooses a parameter, and ", job.method, " has none");
    if (!grids.empty()) return ParameterRule::validation_grid({}, grids);
    return ParameterRule::fixed_at(0.0);
  }
  require(!job.lambda.empty() || !job.lambda_grid.empty(),
          "give --lambda VALUE, --lambda-grid A:B:N with --validate, or --lambda auto:discrepancy");
  require(!automatic || job.lambda == "auto:discrepancy", "unknown automatic rule '", job.lambda,
          "' (use auto:discrepancy)");
  if (automatic) {
    require(grids.empty(), "setting grids are chosen on --validate images, not by the discrepancy principle");
    return ParameterRule::discrepancy_principle(job.lambda_grid.empty() ? std::vector<double>{}
                                                                        : parse_lambda_grid(job.lambda_grid));
  }
  require(job.lambda_grid.empty() || job.lambda.empty(),
          "give either --lambda VALUE or --lambda-grid, not both");
  if (job.lambda_grid.empty()) {
    const double lambda = parse_number(job.lambda, "--lambda");
    require(std::isfinite(lambda) && lambda >= 0, "--lambda must be finite and non-negative");
    if (!grids.empty()) return ParameterRule::validation_grid({lambda}, grids);
    // A posterior sampler's intervals are calibrated on the --validate images.
    require(job.validate.empty() || info.reads("samples"),
            "--validate chooses lambda from --lambda-grid; with one --lambda there is no choice");
    return ParameterRule::fixed_at(lambda);
  }
  require(!job.validate.empty(),
          "a lambda grid needs --validate A:B (choose by PSNR) or --lambda auto:discrepancy");
  return ParameterRule::validation_grid(parse_lambda_grid(job.lambda_grid), grids);
}

nlohmann::json run_reconstruction_job(const ReconstructionJob& job, std::ostream& log_to) {
  // In a process group every rank solves its share of the images (pipeline/sharded_solves.h) and
  // rank 0 alone prints, writes and returns the document.
  const RootLog root_log(job.group, log_to);
  const bool root = root_log.root();
  std::ostream& os = root_log.stream();
  const auto& info = MethodRegistry::instance().at(job.method);
  require(job.batch > 0, "--batch must be positive");
  require(std::isfinite(job.interval_scale) && job.interval_scale >= 0,
          "--interval-scale must be finite and positive, got ", job.interval_scale);
  require(job.trace >= 0, "--trace must be a number of images (0: none), got ", job.trace);
  require(job.interval_scale == 0 || info.reads("samples"),
          "--interval-scale applies to posterior samplers (", job.method,
          " gives one reconstruction per image)");
  require(
      info.needs == ModelRole::generator || job.generator.empty(),
      "--generator is for the methods that need ", needs_text(ModelRole::generator), " (",
      [] {
        std::string list;
        for (const auto& n : MethodRegistry::instance().names(ModelRole::generator))
          list += (list.empty() ? "" : ", ") + n;
        return list;
      }(),
      "), not ", job.method);
  require(info.needs != ModelRole::generator || !job.generator.empty(), "--method ", job.method,
          " needs --generator CHECKPOINT (from genreg train)");
  require(info.needs == ModelRole::denoiser || job.denoiser.empty(),
          "--denoiser is for the methods that need ", needs_text(ModelRole::denoiser), ", not ", job.method);
  require(info.needs != ModelRole::denoiser || !job.denoiser.empty(), "--method ", job.method,
          " needs --denoiser CHECKPOINT (from genreg train --model dncnn or drunet)");
  require(info.needs == ModelRole::noise_predictor || job.diffusion.empty(),
          "--diffusion-model is for the methods that need ", needs_text(ModelRole::noise_predictor), ", not ",
          job.method);
  require(info.needs != ModelRole::noise_predictor || !job.diffusion.empty(), "--method ", job.method,
          " needs --diffusion-model CHECKPOINT (from genreg train --model ddpm)");
  require(info.needs == ModelRole::conditional_generator || job.conditional.empty(),
          "--conditional-model is for the methods that need ", needs_text(ModelRole::conditional_generator),
          ", not ", job.method);
  require(info.needs != ModelRole::conditional_generator || !job.conditional.empty(), "--method ", job.method,
          " needs --conditional-model CHECKPOINT (from genreg train --model ", job.method,
          " --operator SPEC --noise S)");
  const ParameterRule rule = parameter_rule(job);

  auto m = load_measurements(job.measurements);
  m.y = m.y.to(job.device);
  if (m.has_truth()) m.x_true = m.x_true.to(job.device);
  require(job.validate.empty() || m.has_truth(), "--validate needs ground truth in ", job.measurements);
  MethodPriors priors;
  if (info.needs == ModelRole::generator) {
    // Any generator: genreg's kinds or TorchScript (models/torchscript_model.h).
    priors.generator =
        model_as<Generator>(load_model(job.generator, ModelRole::generator, job.device), job.generator);
    check_generator_size(*priors.generator, m.height, m.width, "the images of " + job.measurements);
  }
  if (info.needs == ModelRole::denoiser)
    priors.denoiser =
        model_as<Denoiser>(load_model(job.denoiser, ModelRole::denoiser, job.device), job.denoiser);
  if (info.needs == ModelRole::noise_predictor) {
    auto model = load_model(job.diffusion, ModelRole::noise_predictor, job.device);
    require(model->image_size() == std::vector<int64_t>{m.height, m.width}, job.diffusion, " was trained on ",
            model->image_size()[0], "x", model->image_size()[1], " images, not the ", m.height, "x", m.width,
            " images of ", job.measurements);
    priors.noise_predictor = model_as<NoisePredictor>(model, job.diffusion);
  }
  if (info.needs == ModelRole::conditional_generator)
    priors.conditional_generator = model_as<ConditionalGenerator>(
        load_model(job.conditional, ModelRole::conditional_generator, job.device), job.conditional);
  auto settings = check_settings(job.method, job.settings);
  settings.seed(job.seed);
  // The method as given, for the header and the trace (the chosen settings make the solves).
  const auto method = make_method(job.method, settings, priors);
  const auto op = m.make_op();
  const int64_t n = m.size(), count = op->range_size();
  const double level = count * m.sigma * m.sigma;
  if (root) prepare_output_folder(job.out);
  os << "reconstructing " << n << " images (" << m.dataset << " " << m.split << ", " << m.operator_spec
     << ", sigma " << m.sigma << ") with " << job.method;
  if (priors.generator) {
    const auto restarts = settings.get<int64_t>("restarts", 1);
    os << " on " << job.generator << " (" << restarts << " restart" << (restarts > 1 ? "s" : "") << ", prior "
       << settings.get<std::string>("prior", "l2") << ", "
       << settings.get<std::string>("optimizer", "backtracking") << ")";
  }
  os << "\n";

  auto [validation_cpu, report_cpu] = split_positions(job.validate, n);
  nlohmann::json summary = {{"measurements", job.measurements},
                            {"method", job.method},
                            {"operator", m.operator_spec},
                            {"sigma", m.sigma},
                            {"count", n},
                            {"discrepancy_level", level}};
  if (priors.generator) {
    summary["generator"] = job.generator;
    if (auto* model = dynamic_cast<GenerativeModel*>(priors.generator.get()))
      summary["model"] = model->config().to_json();
    summary["restarts"] = settings.get<int64_t>("restarts", 1);
    summary["prior"] = settings.get<std::string>("prior", "l2");
    summary["optimizer"] = settings.get<std::string>("optimizer", "backtracking");
  }
  if (priors.denoiser) {
    summary["denoiser"] = job.denoiser;
    summary["denoiser_noise_range"] = priors.denoiser->noise_range();
  }
  if (priors.noise_predictor) {
    summary["diffusion_model"] = job.diffusion;
    if (auto* model = dynamic_cast<Model*>(priors.noise_predictor.get()))
      summary["model"] = model->describe();
    if (const auto* sampler = dynamic_cast<const DiffusionPosteriorSampler*>(method.get())) {
      summary["samples"] = sampler->options().samples();
      summary["steps"] = sampler->options().steps();
      if (info.reads("zeta")) summary["zeta"] = sampler->options().zeta();
      if (info.reads("eta")) summary["eta"] = sampler->options().eta();
      if (sampler->options().large_variance()) summary["large_variance"] = true;
      summary["clip"] = sampler->clips();
      summary["box"] = sampler->options().box();
    }
  }
  if (priors.conditional_generator) {
    summary["conditional_model"] = job.conditional;
    if (auto* model = dynamic_cast<Model*>(priors.conditional_generator.get()))
      summary["model"] = model->describe();
    if (const auto* sampler = dynamic_cast<const ConditionalSampling*>(method.get())) {
      summary["samples"] = sampler->samples_per_image();
      if (info.reads("steps")) {
        summary["steps"] = sampler->options().steps();
        summary["solver"] = sampler->options().solver();
      }
      if (sampler->options().allow_operator_shift()) summary["allow_operator_shift"] = true;
    }
  }
  MethodRunOptions options;
  options.batch = job.batch;
  options.group = job.group;
  options.progress = [&](int64_t done, int64_t total, double seconds) {
    os << "  sweep: " << done << "/" << total << " solves, " << format_significant(seconds, 3) << " s, ETA "
       << format_significant(seconds / done * (total - done), 3) << " s" << std::endl;
  };
  options.log = [&](const std::string& line) { os << line << std::endl; };
  options.interval_scale = job.interval_scale;
  const auto run = run_method(job.method, settings, priors, m, validation_cpu, rule, options);
  const auto& result = run.result;
  const double seconds = run.seconds;
  if (!root) return nlohmann::json();

  summary["settings"] = run.settings.values();
  summary["choice"] = run.choice_json();
  if (rule.kind == ParameterRule::Kind::validation) summary["choice"]["validate"] = job.validate;
  if (info.has_lambda() && rule.kind != ParameterRule::Kind::discrepancy)
    summary["lambda"] = run.lambda[0].item<double>();
  if (rule.kind == ParameterRule::Kind::discrepancy)
    summary["lambda_per_image"] = summary["choice"]["lambda_per_image"];
  std::vector<PlotPanel> sweep_panels, start_figure;
  if (rule.kind == ParameterRule::Kind::validation) {
    const auto& best_sweep = run.sweeps[run.chosen_sweep];
    const double best_lambda = run.lambda[0].item<double>();
    os << "  chose lambda " << format_significant(best_lambda);
    for (const auto& [name, values] : rule.setting_grids)
      os << ", " << name << " " << format_significant(run.settings.get<double>(name, 0.0));
    os << " by mean PSNR " << format_significant(run.validation_psnr) << " dB on " << validation_cpu.numel()
       << " validation images\n";
    PlotPanel q{"PSNR on validation images", "lambda", "mean PSNR (dB)", true, false, {}, {}, {}};
    const auto curves = run.validation_curves();
    for (size_t i = 0; i < run.sweeps.size(); ++i) {
      std::string label = "mean PSNR";
      if (run.sweeps.size() > 1) {
        label.clear();
        for (const auto& [name, values] : rule.setting_grids)
          label += (label.empty() ? "" : ", ") + name + " " +
                   format_significant(run.swept[i].get<double>(name, 0.0), 3);
      }
      q.series.push_back({label, run.sweeps[i].lambdas, curves[i]});
    }
    PlotPanel disc{
        "data discrepancy (validation images)", "lambda", "mean ||Ax - y||^2", true, true, {}, {}, {}};
    disc.horizontal_lines.push_back({level, "M sigma^2"});
    PlotSeries d{"discrepancy", best_sweep.lambdas, {}};
    for (size_t k = 0; k < best_sweep.lambdas.size(); ++k)
      d.y.push_back(best_sweep.discrepancy[k].mean().item<double>());
    disc.series.push_back(d);
    disc.vertical_lines.push_back(best_lambda);
    q.vertical_lines.push_back(best_lambda);
    if (info.has_lambda()) sweep_panels = {disc, q};
    if (best_sweep.start_objective.size(2) > 1) start_figure = start_panels(best_sweep, level);
  } else if (rule.kind == ParameterRule::Kind::discrepancy) {
    const auto& s = run.sweeps.front();
    const auto chosen = run.lambda;
    const double median = chosen.median().item<double>();
    os << "  discrepancy principle: median lambda " << format_significant(median) << " (range "
       << format_significant(chosen.min().item<double>()) << " to "
       << format_significant(chosen.max().item<double>()) << ")\n";
    PlotPanel disc{"data discrepancy (all images)", "lambda", "mean ||Ax - y||^2", true, true, {}, {}, {}};
    disc.horizontal_lines.push_back({level, "M sigma^2"});
    PlotSeries d{"discrepancy", s.lambdas, {}};
    for (size_t k = 0; k < s.lambdas.size(); ++k) d.y.push_back(s.discrepancy[k].mean().item<double>());
    disc.series.push_back(d);
    disc.vertical_lines.push_back(median);
    sweep_panels.push_back(disc);
    if (s.psnr.defined()) {
      PlotPanel q{"PSNR (all images)", "lambda", "mean PSNR (dB)", true, false, {}, {}, {}};
      PlotSeries p{"psnr", s.lambdas, {}};
      for (size_t k = 0; k < s.lambdas.size(); ++k) p.y.push_back(s.psnr[k].mean().item<double>());
      q.series.push_back(p);
      q.vertical_lines.push_back(median);
      sweep_panels.push_back(q);
    }
    if (s.start_objective.size(2) > 1) start_figure = start_panels(s, level);
  }
  const auto& lambda_per_image = run.lambda;
  const auto report = report_cpu.to(job.device);
  if (job.group) summary["ranks"] = job.group->size();
  if (run.interval_scale > 0 && run.scale_source != "given")
    os << "  interval scale " << format_significant(run.interval_scale, 3)
       << " fitted on the validation images (90% of their support's |truth - mean| / std)\n";
  if (rule.kind == ParameterRule::Kind::fixed && info.has_lambda())
    os << "  lambda " << lambda_per_image[0].item<double>() << ": " << run.summary.brief() << "\n";
  summary["solver"] = run.summary.to_json();
  summary["seconds"] = seconds;
  const auto x = result.x.to(torch::kFloat32);

  save_tensor((fs::path(job.out) / "reconstructions.pt").string(), x);
  save_tensor((fs::path(job.out) / "reconstructions.npy").string(), x);
  if (result.u.defined()) {
    save_tensor((fs::path(job.out) / "generator_part.npy").string(), result.gz);
    save_tensor((fs::path(job.out) / "deviation.npy").string(), result.u);
  }
  DataFidelity data(op, m.y, m.sigma, m.weights(m.y));
  const auto discrepancy = data.discrepancy(x.to(m.y.device(), m.y.scalar_type()));
  summary["discrepancy_mean"] = discrepancy.mean().item<double>();
  summary["objective_mean"] = std::get<0>(result.objective.min(1)).mean().item<double>();
  // The data-fidelity audit of the report images (every method).
  const auto& audit = run.audit;
  summary["audit"] = audit.to_json();
  os << "  data-fidelity audit: " << percent(audit.share_below + audit.share_above)
     << " of the report images outside the chi-square 99% interval of true images ("
     << percent(audit.share_below) << " fit the noise, " << percent(audit.share_above) << " miss the data)\n";
  if (result.samples.defined()) {
    save_tensor((fs::path(job.out) / "samples.npy").string(), result.samples.to(torch::kFloat32));
    save_tensor((fs::path(job.out) / "std.npy").string(), result.std.to(torch::kFloat32));
  }
  HtmlReport html("genreg reconstruct: " + job.method + " on " + m.operator_spec);
  std::string about = std::to_string(n) + " images from " + m.dataset + " " + m.split + ", noise " +
                      m.noise.str() + ", measurement level M sigma^2 = " + format_significant(level) +
                      ". Method " + job.method + ": " + info.summary + ".";
  if (auto* model = dynamic_cast<GenerativeModel*>(priors.generator.get()))
    about += " Generator " + job.generator + " (" + model->kind_name() + ", " + model->config().arch +
             ", latent dimension " + std::to_string(model->latent_dim()) + "); " +
             std::to_string(method->starts_per_image()) + " start(s) per image, the lowest objective kept.";
  html.paragraph(about + " " + format_significant(seconds, 3) + " s.");
  const int64_t shown = std::min<int64_t>(8, report.numel());
  const auto shown_idx = report.narrow(0, 0, shown).to(x.device());
  const auto x_shown = x.index_select(0, shown_idx);
  if (m.has_truth()) {
    const auto truth = m.x_true.index_select(0, report).to(torch::kFloat32);
    const auto& metrics = run.metrics;
    summary["metrics"] = metrics_to_json(metrics);
    summary["report_indices"] = std::vector<int64_t>(report_cpu.data_ptr<int64_t>(),
                                                     report_cpu.data_ptr<int64_t>() + report_cpu.numel());
    std::vector<std::vector<std::string>> rows;
    for (const auto& metric : metrics) {
      os << "  " << std::left << std::setw(11) << metric.name << std::right
         << format_significant(metric.summary.mean, 5) << " +- " << format_significant(metric.summary.std, 3)
         << "\n";
      rows.push_back({metric.name, format_significant(metric.summary.mean, 5),
                      format_significant(metric.summary.std, 3)});
    }
    html.heading("Metrics on " + std::to_string(report_cpu.numel()) + " images", 2)
        .table({"metric", "mean", "std"}, rows);
    if (result.samples.defined())
      report_uncertainty(*run.uncertainty, run.report_rows(result.samples), truth,
                         op->adjoint(m.y.index_select(0, report.to(m.y.device()))), run.interval_scale,
                         run.scale_source, job.out, summary, html, os);
    const auto t_shown =
        m.x_true.index_select(0, shown_idx.to(m.x_true.device())).to(x.device(), torch::kFloat32);
    write_comparison_grid((fs::path(job.out) / "grid.png").string(),
                          {{t_shown}, {x_shown}, {x_shown - t_shown, Colormap::diverging, 0.0, 0.5}});
    html.figure("grid.png", "truth / reconstruction / error (blue negative, red positive, +-0.5)");
    if (result.u.defined()) {
      const auto g_shown = result.gz.index_select(0, shown_idx.to(result.gz.device())).to(torch::kFloat32);
      const auto u_shown = result.u.index_select(0, shown_idx.to(result.u.device())).to(torch::kFloat32);
      write_comparison_grid((fs::path(job.out) / "decomposition.png").string(),
                            {{t_shown}, {g_shown}, {u_shown, Colormap::diverging, 0.0, 0.5}, {x_shown}});
      html.figure(
          "decomposition.png",
          "truth / generator part G(z) / sparse deviation u (red positive, blue negative) / x = G(z) + u "
          "(paper Figure 13)");
    }
  } else {
    const auto backprojection =
        op->adjoint(m.y.index_select(0, shown_idx.to(m.y.device()))).to(torch::kFloat32);
    write_comparison_grid((fs::path(job.out) / "grid.png").string(),
                          {{backprojection, Colormap::grey, backprojection.min().item<double>(),
                            backprojection.max().item<double>()},
                           {x_shown.to(backprojection.device())}});
    html.figure("grid.png", "A^T y / reconstruction");
  }
  if (!sweep_panels.empty()) {
    write_line_plot((fs::path(job.out) / "sweep.png").string(), sweep_panels);
    html.figure("sweep.png",
                "parameter sweep: data discrepancy with the level M sigma^2, and mean PSNR; the chosen "
                "lambda in red");
  }
  if (!start_figure.empty()) {
    write_line_plot((fs::path(job.out) / "restarts.png").string(), start_figure, 520, 400);
    html.figure("restarts.png",
                "objective, data discrepancy (with M sigma^2) and PSNR of each restart against lambda "
                "(paper Figures 8, 9, 11)");
  }
  if (job.trace > 0) {
    // The chosen parameters' iterations on the first report images, solved again with a callback
    // (rank 0 alone).
    const int64_t traced = std::min<int64_t>(job.trace, report_cpu.numel());
    const auto index = report_cpu.narrow(0, 0, traced);
    const auto trace = trace_iterations(
        *make_method(job.method, run.settings, priors), data.select(index.to(m.y.device())),
        lambda_per_image.index_select(0, index),
        m.has_truth() ? m.x_true.index_select(0, index.to(m.x_true.device())) : torch::Tensor());
    summary["iterations"] = trace.to_json();
    os << "  traced " << traced << " images over " << trace.iteration.size() << " iterations: discrepancy "
       << format_significant(trace.discrepancy.back(), 3) << " x the noise level";
    if (!trace.psnr.empty()) {
      const auto best = std::max_element(trace.psnr.begin(), trace.psnr.end());
      os << ", psnr " << format_significant(trace.psnr.back(), 4) << " dB at the end, best "
         << format_significant(*best, 4) << " at iteration "
         << trace.iteration[static_cast<size_t>(best - trace.psnr.begin())];
    }
    os << "\n";
    write_line_plot((fs::path(job.out) / "iterations.png").string(), trace.panels());
    html.figure("iterations.png",
                "mean PSNR and data discrepancy ||Ax - y||^2 / (M sigma^2) after every iteration on "
                "the first " +
                    std::to_string(traced) + " report images at the chosen parameters");
  }
  html.link("results.json", "results.json (settings; metrics per image and mean +- std)");
  html.write((fs::path(job.out) / "report.html").string());
  summary.erase("seconds");
  auto document = results_document("reconstruct", summary,
                                   {"measurements", "method", "operator", "sigma", "count", "generator",
                                    "model", "restarts", "prior", "optimizer"},
                                   seconds, job.out);
  write_results_file(job.out, document);
  os << "wrote " << (fs::path(job.out) / "report.html").string() << " (" << format_significant(seconds, 3)
     << " s)\n";
  return document;
}

}  // namespace genreg
