// genreg reconstruct: solve y = A x + e with a regularised method, choosing the parameter by
// validation or the discrepancy principle, and report images, metrics and sweeps.
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "genreg/cli/cli.h"
#include "genreg/cli/reconstruct_args.h"
#include "genreg/core/error.h"
#include "genreg/data/index_range.h"
#include "genreg/eval/generative_sweep.h"
#include "genreg/eval/metrics.h"
#include "genreg/eval/parameter_choice.h"
#include "genreg/io/atomic_file.h"
#include "genreg/io/html_report.h"
#include "genreg/io/image_grid.h"
#include "genreg/io/line_plot.h"
#include "genreg/io/tensor_file.h"
#include "genreg/models/checkpoint.h"
#include "genreg/operators/measurements.h"
#include "genreg/operators/operator_spec.h"

namespace genreg::cli {
namespace {

ReconstructorPtr make_method(const ReconstructArgs& a) {
  if (a.method == "tikhonov") {
    ConjugateGradientOptions o;
    if (a.iterations > 0) o.max_iterations(a.iterations);
    if (a.tolerance > 0) o.tolerance(a.tolerance);
    return std::make_shared<TikhonovReconstructor>(o);
  }
  if (a.method == "tv") {
    PdhgOptions o;
    if (a.iterations > 0) o.max_iterations(a.iterations);
    if (a.tolerance > 0) o.tolerance(a.tolerance);
    o.box(!a.no_box);
    return std::make_shared<TvReconstructor>(o);
  }
  fail("unknown method '", a.method,
       "' (use tikhonov, tv, hard, relaxed, sparse, sparse-tv, pgd or encoder)");
}

void run_reconstruct(const ReconstructArgs& a, Context& ctx) {
  if (is_generative_method(a.method)) return run_generative(a, ctx);
  require(a.generator.empty(),
          "--generator is for the generative methods (hard, relaxed, sparse, sparse-tv, pgd, "
          "encoder), not ",
          a.method);
  namespace fs = std::filesystem;
  // Solve on the requested device: the operators bring their matrices and masks along on first use.
  auto m = load_measurements(a.measurements);
  m.y = m.y.to(ctx.device());
  if (m.has_truth()) m.x_true = m.x_true.to(ctx.device());
  const auto method = make_method(a);
  const auto op = m.make_op();
  const int64_t n = m.size(), count = op->range_size();
  const bool automatic = a.lambda.rfind("auto", 0) == 0;
  check_lambda_options(a);
  require(a.validate.empty() || m.has_truth(), "--validate needs ground truth in ", a.measurements);
  require(a.batch > 0, "--batch must be positive");
  fs::create_directories(a.out);
  auto& os = ctx.text();
  os << "reconstructing " << n << " images (" << m.dataset << " " << m.split << ", " << m.operator_spec
     << ", sigma " << m.sigma << ") with " << method->name() << "\n";

  auto [validation_cpu, report_cpu] = split_positions(a.validate, n);
  const auto validation = validation_cpu.to(ctx.device());
  const auto report = report_cpu.to(ctx.device());
  torch::Tensor lambda_per_image = torch::empty({n}, torch::kFloat64);
  torch::Tensor x;
  nlohmann::json summary = {{"measurements", a.measurements},
                            {"method", method->name()},
                            {"operator", m.operator_spec},
                            {"sigma", m.sigma},
                            {"count", n},
                            {"discrepancy_level", count * m.sigma * m.sigma}};
  std::vector<PlotPanel> sweep_panels;
  auto progress = [&](int64_t done, int64_t total, double seconds) {
    os << "  sweep: " << done << "/" << total << " solves, " << fmt(seconds, 3) << " s, ETA "
       << fmt(seconds / done * (total - done), 3) << " s\n";
  };
  auto sweep_json = [&](const SweepResult& s) {
    nlohmann::json rows = nlohmann::json::array();
    for (size_t k = 0; k < s.lambdas.size(); ++k) {
      nlohmann::json row = {{"lambda", s.lambdas[k]},
                            {"discrepancy_mean", s.discrepancy[k].mean().item<double>()}};
      if (s.psnr.defined()) row["psnr_mean"] = s.psnr[k].mean().item<double>();
      rows.push_back(row);
    }
    return rows;
  };
  auto sweep_plot = [&](const SweepResult& s, double chosen, const std::string& what) {
    PlotPanel disc{"data discrepancy (" + what + ")", "lambda", "mean ||Ax - y||^2", true, true, {}, {}, {}};
    disc.horizontal_lines.push_back({count * m.sigma * m.sigma, "M sigma^2"});
    PlotSeries d{"discrepancy", s.lambdas, {}};
    for (size_t k = 0; k < s.lambdas.size(); ++k) d.y.push_back(s.discrepancy[k].mean().item<double>());
    disc.series.push_back(d);
    if (chosen > 0) disc.vertical_lines.push_back(chosen);
    sweep_panels.push_back(disc);
    if (s.psnr.defined()) {
      PlotPanel q{"PSNR (" + what + ")", "lambda", "mean PSNR (dB)", true, false, {}, {}, {}};
      PlotSeries p{"psnr", s.lambdas, {}};
      for (size_t k = 0; k < s.lambdas.size(); ++k) p.y.push_back(s.psnr[k].mean().item<double>());
      q.series.push_back(p);
      if (chosen > 0) q.vertical_lines.push_back(chosen);
      sweep_panels.push_back(q);
    }
  };

  SolverSummary solve_summary;
  const ProgressLog log = [&](const std::string& line) { os << line << std::endl; };
  if (!automatic && a.grid.empty()) {
    const double lambda = parse_number(a.lambda, "--lambda");
    require(lambda >= 0, "--lambda must be non-negative");
    lambda_per_image.fill_(lambda);
    x = reconstruct(*method, m, lambda_per_image, a.batch, &solve_summary, log);
    summary["lambda"] = lambda;
    os << "  lambda " << lambda << ": " << solve_summary.brief() << "\n";
  } else if (!automatic) {
    // Validation: sweep the grid on the validation images, keep the best mean PSNR.
    const auto grid = parse_lambda_grid(a.grid);
    const auto sweep = sweep_lambdas(*method, m.select(validation), grid, a.batch, progress);
    const int64_t best = choose_by_validation(sweep);
    const double lambda = grid[best];
    os << "  chose lambda " << fmt(lambda) << " by mean PSNR " << fmt(sweep.psnr[best].mean().item<double>())
       << " dB on " << validation.numel() << " validation images\n";
    lambda_per_image.fill_(lambda);
    x = reconstruct(*method, m, lambda_per_image, a.batch, &solve_summary, log);
    summary["lambda"] = lambda;
    summary["choice"] = {{"rule", "validation"}, {"validate", a.validate}, {"sweep", sweep_json(sweep)}};
    sweep_plot(sweep, lambda, "validation images");
  } else {
    // Discrepancy principle, per image, without ground truth.
    const auto grid = parse_lambda_grid(a.grid.empty() ? std::string("1e-4:1e2:13") : a.grid);
    const auto sweep = sweep_lambdas(*method, m, grid, a.batch, progress);
    const auto choice = choose_by_discrepancy(sweep, count, m.sigma);
    auto grid_t = torch::tensor(grid, torch::kFloat64);
    lambda_per_image = grid_t.index_select(0, choice);
    auto rows = torch::arange(n, torch::kLong);
    x = sweep.x.index({choice.to(sweep.x.device()), rows.to(sweep.x.device())});
    solve_summary = sweep.summary;
    summary["lambda_per_image"] =
        std::vector<double>(lambda_per_image.data_ptr<double>(), lambda_per_image.data_ptr<double>() + n);
    summary["choice"] = {{"rule", "discrepancy"}, {"sweep", sweep_json(sweep)}};
    const double median = lambda_per_image.median().item<double>();
    os << "  discrepancy principle: median lambda " << fmt(median) << " (range "
       << fmt(lambda_per_image.min().item<double>()) << " to " << fmt(lambda_per_image.max().item<double>())
       << ")\n";
    sweep_plot(sweep, median, "all images");
  }
  summary["solver"] = solve_summary.to_json();

  // Outputs: reconstructions of every image, metrics on the report images.
  save_tensor((fs::path(a.out) / "reconstructions.pt").string(), x);
  save_tensor((fs::path(a.out) / "reconstructions.npy").string(), x);
  DataFidelity data(op, m.y, m.sigma);
  auto discrepancy = data.discrepancy(x.to(m.y.scalar_type()));
  summary["discrepancy_mean"] = discrepancy.mean().item<double>();
  HtmlReport html("genreg reconstruct: " + method->name() + " on " + m.operator_spec);
  html.paragraph(std::to_string(n) + " images from " + m.dataset + " " + m.split + ", noise " +
                 m.noise.str() + ", measurement level M sigma^2 = " + fmt(count * m.sigma * m.sigma) + ".");
  const int64_t shown = std::min<int64_t>(8, report.numel());
  auto shown_idx = report.narrow(0, 0, shown);
  auto x_shown = x.index_select(0, shown_idx).to(torch::kFloat32);
  if (m.has_truth()) {
    auto truth = m.x_true.index_select(0, report).to(x.scalar_type());
    const auto metrics = compute_metrics(x.index_select(0, report), truth);
    report_metrics(metrics, report.to(torch::kCPU), os, html, summary);
    auto t_shown = m.x_true.index_select(0, shown_idx).to(torch::kFloat32);
    write_comparison_grid((fs::path(a.out) / "grid.png").string(),
                          {{t_shown}, {x_shown}, {x_shown - t_shown, Colormap::diverging, 0.0, 0.5}});
    html.figure("grid.png", "truth / reconstruction / error (blue negative, red positive, +-0.5)");
  } else {
    auto backprojection = op->adjoint(m.y.index_select(0, shown_idx)).to(torch::kFloat32);
    write_comparison_grid((fs::path(a.out) / "grid.png").string(),
                          {{backprojection, Colormap::grey, backprojection.min().item<double>(),
                            backprojection.max().item<double>()},
                           {x_shown}});
    html.figure("grid.png", "A^T y / reconstruction");
  }
  if (!sweep_panels.empty()) {
    write_line_plot((fs::path(a.out) / "sweep.png").string(), sweep_panels);
    html.figure(
        "sweep.png",
        "parameter sweep: data discrepancy with the level M sigma^2, and PSNR; the chosen lambda in red");
  }
  html.link("metrics.json", "metrics.json (per image and mean +- std)");
  html.write((fs::path(a.out) / "report.html").string());
  write_file_atomically((fs::path(a.out) / "metrics.json").string(), summary.dump(2) + "\n");
  os << "wrote " << (fs::path(a.out) / "report.html").string() << "\n";
  ctx.emit(summary);
}

}  // namespace

void add_reconstruct_command(CLI::App& app, Commands& commands) {
  auto* cmd = app.add_subcommand(
      "reconstruct", "Reconstruct images from measurements (Tikhonov, TV, generative regularisers)");
  auto a = std::make_shared<ReconstructArgs>();
  cmd->add_option("--measurements", a->measurements, "Measurement file from genreg simulate")->required();
  cmd->add_option("--method", a->method,
                  "tikhonov, tv, or with --generator: hard, relaxed, sparse, sparse-tv, pgd, encoder")
      ->required();
  cmd->add_option("--generator", a->generator, "Generative model checkpoint from genreg train");
  cmd->add_option("--restarts", a->restarts,
                  "Initial latent vectors per image (the lowest objective is kept)")
      ->capture_default_str();
  cmd->add_option("--mu", a->mu, "Weight of the latent prior inside the regulariser (relaxed, sparse)")
      ->capture_default_str();
  cmd->add_option("--mu-grid", a->mu_grid, "Geometric grid of mu, chosen with lambda on --validate");
  cmd->add_option("--prior", a->prior, "Latent prior: l2, sphere or none")->capture_default_str();
  cmd->add_option("--optimizer", a->optimizer, "backtracking (the paper's algorithms) or adam (hard, pgd)")
      ->capture_default_str();
  cmd->add_option("--adam-lr", a->adam_lr, "Adam's learning rate on z")->capture_default_str();
  cmd->add_option("--inner-iterations", a->inner_iterations,
                  "pgd: descent steps per projection; sparse-tv: TV prox iterations")
      ->capture_default_str();
  cmd->add_option("--lambda", a->lambda, "Regularisation parameter, or auto:discrepancy");
  cmd->add_option("--lambda-grid", a->grid,
                  "Geometric grid A:B:N (with --validate or --lambda auto:discrepancy)");
  cmd->add_option("--validate", a->validate,
                  "Positions in the measurement file used to choose lambda by PSNR (e.g. 0:20)");
  cmd->add_option("--out", a->out, "Output folder")->required();
  cmd->add_option("--iterations", a->iterations, "Maximum solver iterations (0: the method's default)");
  cmd->add_option("--tolerance", a->tolerance, "Solver stopping tolerance (0: the method's default)");
  cmd->add_flag("--no-box", a->no_box, "TV: do not constrain the image to [0, 1]");
  cmd->add_option("--batch", a->batch, "Largest batch solved at once")->capture_default_str();
  commands.add(cmd, [a](Context& ctx) { run_reconstruct(*a, ctx); });
}

}  // namespace genreg::cli
