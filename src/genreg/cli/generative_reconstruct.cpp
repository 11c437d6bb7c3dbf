// genreg reconstruct --method hard|relaxed|sparse|sparse-tv|pgd|encoder --generator ckpt.pt:
// generative regularisers with restarts, parameter choice over lambda (and mu), and figures of the
// per-restart sweeps (paper Figures 8, 9, 11) and of the sparse decomposition G(z) + u (Figure 13).
#include <chrono>
#include <filesystem>
#include <iomanip>

#include "genreg/cli/reconstruct_args.h"
#include "genreg/eval/generative_sweep.h"
#include "genreg/eval/metrics.h"
#include "genreg/io/atomic_file.h"
#include "genreg/io/html_report.h"
#include "genreg/io/image_grid.h"
#include "genreg/io/line_plot.h"
#include "genreg/io/tensor_file.h"
#include "genreg/models/checkpoint.h"
#include "genreg/operators/operator_spec.h"

namespace genreg::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Per restart r: mean over images of the objective, discrepancy and PSNR against lambda.
std::vector<PlotPanel> restart_panels(const GenerativeSweep& s, double level) {
  const int64_t r = s.objective.size(2);
  std::vector<PlotPanel> panels;
  auto panel = [&](const std::string& title, const std::string& y, const torch::Tensor& values, bool log_y) {
    PlotPanel p{title, "lambda", y, true, log_y, {}, {}, {}};
    for (int64_t k = 0; k < r; ++k) {
      PlotSeries series{"restart " + std::to_string(k + 1), s.kept.lambdas, {}};
      for (size_t l = 0; l < s.kept.lambdas.size(); ++l)
        series.y.push_back(values.select(2, k)[static_cast<int64_t>(l)].mean().item<double>());
      p.series.push_back(series);
    }
    return p;
  };
  panels.push_back(panel("objective per restart", "mean objective", s.objective, true));
  auto d = panel("data discrepancy per restart", "mean ||Ax - y||^2", s.discrepancy, true);
  d.horizontal_lines.push_back({level, "M sigma^2"});
  panels.push_back(d);
  if (s.psnr.defined()) panels.push_back(panel("PSNR per restart", "mean PSNR (dB)", s.psnr, false));
  return panels;
}

}  // namespace

void run_generative(const ReconstructArgs& a, Context& ctx) {
  namespace fs = std::filesystem;
  require(!a.generator.empty(), "--method ", a.method, " needs --generator CHECKPOINT (from genreg train)");
  auto m = load_measurements(a.measurements);
  m.y = m.y.to(ctx.device());
  if (m.has_truth()) m.x_true = m.x_true.to(ctx.device());
  auto model = load_generator(a.generator, ctx.device());
  check_generator_size(*model, m.height, m.width, "the images of " + a.measurements);
  const auto op = m.make_op();
  const int64_t n = m.size(), count = op->range_size();
  const double level = count * m.sigma * m.sigma;
  const bool pgd = a.method == "pgd";
  const bool automatic = a.lambda.rfind("auto", 0) == 0;
  if (pgd) {
    require(a.grid.empty() && !automatic && a.mu_grid.empty(),
            "pgd has no regularisation parameter to choose");
  } else {
    check_lambda_options(a);
    require(a.mu_grid.empty() || !a.validate.empty(), "--mu-grid needs --validate A:B");
  }
  require(a.validate.empty() || m.has_truth(), "--validate needs ground truth in ", a.measurements);
  require(a.batch > 0, "--batch must be positive");
  const std::vector<double> mus =
      a.mu_grid.empty() ? std::vector<double>{parse_number(a.mu, "--mu")} : parse_lambda_grid(a.mu_grid);
  const uint64_t seed = ctx.options().seed;
  fs::create_directories(a.out);
  auto& os = ctx.text();
  os << "reconstructing " << n << " images (" << m.dataset << " " << m.split << ", " << m.operator_spec
     << ", sigma " << m.sigma << ") with " << a.method << " on " << a.generator << " ("
     << to_string(model->kind()) << ", " << a.restarts << " restart" << (a.restarts > 1 ? "s" : "")
     << ", prior " << a.prior << ", " << a.optimizer << ")\n";

  auto [validation_cpu, report_cpu] = split_positions(a.validate, n);
  const auto validation = validation_cpu.to(ctx.device());
  const auto report = report_cpu.to(ctx.device());
  nlohmann::json summary = {{"measurements", a.measurements},
                            {"method", a.method},
                            {"generator", a.generator},
                            {"model", model->config().to_json()},
                            {"operator", m.operator_spec},
                            {"sigma", m.sigma},
                            {"count", n},
                            {"discrepancy_level", level},
                            {"restarts", a.restarts},
                            {"prior", a.prior},
                            {"optimizer", a.optimizer}};
  auto progress = [&](int64_t done, int64_t total, double seconds) {
    os << "  sweep: " << done << "/" << total << " solves, " << fmt(seconds, 3) << " s, ETA "
       << fmt(seconds / done * (total - done), 3) << " s\n"
       << std::flush;
  };
  auto sweep_json = [&](const GenerativeSweep& s, double mu) {
    nlohmann::json rows = nlohmann::json::array();
    for (size_t k = 0; k < s.kept.lambdas.size(); ++k) {
      nlohmann::json row = {{"lambda", s.kept.lambdas[k]},
                            {"mu", mu},
                            {"discrepancy_mean", s.kept.discrepancy[k].mean().item<double>()},
                            {"objective_mean_per_restart", std::vector<double>()}};
      for (int64_t r = 0; r < s.objective.size(2); ++r)
        row["objective_mean_per_restart"].push_back(s.objective[k].select(1, r).mean().item<double>());
      if (s.kept.psnr.defined()) row["psnr_mean"] = s.kept.psnr[k].mean().item<double>();
      rows.push_back(row);
    }
    return rows;
  };

  std::vector<PlotPanel> sweep_panels, restart_figure;
  double mu = mus.front();
  auto lambda_per_image = torch::zeros({n}, torch::kFloat64);
  GenerativeResult result;
  const auto start = Clock::now();
  if (pgd || (!automatic && a.grid.empty())) {
    const double lambda = pgd ? 0.0 : parse_number(a.lambda, "--lambda");
    require(lambda >= 0, "--lambda must be non-negative");
    lambda_per_image.fill_(lambda);
    summary["lambda"] = lambda;
    summary["mu"] = mu;
  } else if (!automatic) {
    const auto grid = parse_lambda_grid(a.grid);
    const auto mv = m.select(validation);
    double best = -1e300, best_lambda = grid.front();
    nlohmann::json sweeps = nlohmann::json::array();
    PlotPanel q{"PSNR on validation images", "lambda", "mean PSNR (dB)", true, false, {}, {}, {}};
    GenerativeSweep best_sweep;
    for (double candidate_mu : mus) {
      const GenerativeReconstructor rec(a.method, model, generative_options(a, candidate_mu, seed));
      const auto s = sweep_generative(rec, mv, grid, a.batch, progress);
      for (const auto& row : sweep_json(s, candidate_mu)) sweeps.push_back(row);
      PlotSeries series{mus.size() > 1 ? "mu " + fmt(candidate_mu, 3) : "kept restart", grid, {}};
      for (size_t k = 0; k < grid.size(); ++k) series.y.push_back(s.kept.psnr[k].mean().item<double>());
      q.series.push_back(series);
      const int64_t k = choose_by_validation(s.kept);
      const double score = s.kept.psnr[k].mean().item<double>();
      if (score > best) {
        best = score;
        best_lambda = grid[k];
        mu = candidate_mu;
        best_sweep = s;
      }
    }
    os << "  chose lambda " << fmt(best_lambda) << (mus.size() > 1 ? ", mu " + fmt(mu) : std::string())
       << " by mean PSNR " << fmt(best) << " dB on " << validation.numel() << " validation images\n";
    lambda_per_image.fill_(best_lambda);
    summary["lambda"] = best_lambda;
    summary["mu"] = mu;
    summary["choice"] = {{"rule", "validation"}, {"validate", a.validate}, {"sweep", sweeps}};
    q.vertical_lines.push_back(best_lambda);
    sweep_panels.push_back(q);
    restart_figure = restart_panels(best_sweep, level);
  } else {
    const auto grid = parse_lambda_grid(a.grid.empty() ? std::string("1e-4:1e2:13") : a.grid);
    const GenerativeReconstructor rec(a.method, model, generative_options(a, mu, seed));
    const auto s = sweep_generative(rec, m, grid, a.batch, progress);
    const auto choice = choose_by_discrepancy(s.kept, count, m.sigma);
    lambda_per_image = torch::tensor(grid, torch::kFloat64).index_select(0, choice);
    summary["lambda_per_image"] =
        std::vector<double>(lambda_per_image.data_ptr<double>(), lambda_per_image.data_ptr<double>() + n);
    summary["mu"] = mu;
    summary["choice"] = {{"rule", "discrepancy"}, {"sweep", sweep_json(s, mu)}};
    os << "  discrepancy principle: median lambda " << fmt(lambda_per_image.median().item<double>()) << "\n";
    restart_figure = restart_panels(s, level);
  }
  // The final reconstructions at the chosen parameters (the sweep kept images only for one lambda each).
  const GenerativeReconstructor rec(a.method, model, generative_options(a, mu, seed));
  result = solve_generative(rec, m, lambda_per_image, a.batch,
                            [&](const std::string& line) { os << line << std::endl; });
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  summary["seconds"] = seconds;
  const auto x = result.x.to(torch::kFloat32);

  save_tensor((fs::path(a.out) / "reconstructions.pt").string(), x);
  save_tensor((fs::path(a.out) / "reconstructions.npy").string(), x);
  if (result.u.defined()) {
    save_tensor((fs::path(a.out) / "generator_part.npy").string(), result.gz);
    save_tensor((fs::path(a.out) / "deviation.npy").string(), result.u);
  }
  DataFidelity data(op, m.y, m.sigma);
  summary["discrepancy_mean"] = data.discrepancy(x.to(m.y.scalar_type())).mean().item<double>();
  summary["objective_mean"] = std::get<0>(result.objective.min(1)).mean().item<double>();
  HtmlReport html("genreg reconstruct: " + a.method + " on " + m.operator_spec);
  html.paragraph(std::to_string(n) + " images from " + m.dataset + " " + m.split + ", noise " +
                 m.noise.str() + ", level M sigma^2 = " + fmt(level) + ". Generator " + a.generator + " (" +
                 to_string(model->kind()) + ", " + model->config().arch + ", latent dimension " +
                 std::to_string(model->latent_dim()) + "); " + std::to_string(a.restarts) +
                 " restart(s), the lowest objective kept; " + fmt(seconds, 3) + " s.");
  const int64_t shown = std::min<int64_t>(8, report.numel());
  const auto shown_idx = report.narrow(0, 0, shown);
  const auto x_shown = x.index_select(0, shown_idx.to(x.device()));
  if (m.has_truth()) {
    const auto truth = m.x_true.index_select(0, report).to(torch::kFloat32);
    const auto metrics = compute_metrics(x.index_select(0, report.to(x.device())).to(truth.device()), truth);
    report_metrics(metrics, report_cpu, os, html, summary);
    const auto t_shown = m.x_true.index_select(0, shown_idx).to(torch::kFloat32).to(x.device());
    write_comparison_grid((fs::path(a.out) / "grid.png").string(),
                          {{t_shown}, {x_shown}, {x_shown - t_shown, Colormap::diverging, 0.0, 0.5}});
    html.figure("grid.png", "truth / reconstruction / error (blue negative, red positive, +-0.5)");
    if (result.u.defined()) {
      const auto g_shown = result.gz.index_select(0, shown_idx.to(x.device())).to(torch::kFloat32);
      const auto u_shown = result.u.index_select(0, shown_idx.to(x.device())).to(torch::kFloat32);
      write_comparison_grid((fs::path(a.out) / "decomposition.png").string(),
                            {{t_shown}, {g_shown}, {u_shown, Colormap::diverging, 0.0, 0.5}, {x_shown}});
      html.figure(
          "decomposition.png",
          "truth / generator part G(z) / sparse deviation u (red positive, blue negative) / x = G(z) + u "
          "(paper Figure 13)");
    }
  } else {
    write_image_grid((fs::path(a.out) / "grid.png").string(), x_shown);
    html.figure("grid.png", "reconstructions");
  }
  if (!sweep_panels.empty()) {
    write_line_plot((fs::path(a.out) / "sweep.png").string(), sweep_panels);
    html.figure("sweep.png",
                "mean PSNR of the kept restart against lambda on the validation images; chosen in red");
  }
  if (!restart_figure.empty()) {
    write_line_plot((fs::path(a.out) / "restarts.png").string(), restart_figure, 520, 400);
    html.figure("restarts.png",
                "objective, data discrepancy (with M sigma^2) and PSNR of each restart against lambda "
                "(paper Figures 8, 9, 11)");
  }
  html.link("metrics.json", "metrics.json (per image and mean +- std)");
  html.write((fs::path(a.out) / "report.html").string());
  write_file_atomically((fs::path(a.out) / "metrics.json").string(), summary.dump(2) + "\n");
  os << "wrote " << (fs::path(a.out) / "report.html").string() << " (" << fmt(seconds, 3) << " s)\n";
  ctx.emit(summary);
}

}  // namespace genreg::cli
