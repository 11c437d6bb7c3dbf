#include "genreg/eval/experiment.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <iomanip>
#include <map>
#include <sstream>

#include "genreg/core/error.h"
#include "genreg/eval/sharded_solves.h"
#include "genreg/eval/uncertainty.h"
#include "genreg/models/model_config.h"
#include "genreg/solvers/method_registry.h"

namespace genreg {

// A conditional method and its model share a name: "cfm", not "cfm/cfm".
std::string ExperimentMethod::key() const {
  return learned() && model != method ? method + "/" + model : method;
}

bool ExperimentMethod::reads_mu() const { return MethodRegistry::instance().at(method).reads("mu"); }

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

namespace {

// The parameter grids, calibrated on the validation images of each experiment (BENCHMARKS.md,
// "Experiments"): wide enough that the chosen value lies inside, coarse enough to run in minutes.
// Geometric grids "A:B:N" (parse_lambda_grid) by method name: lambda, and mu for the methods that
// read a mu (MethodInfo::settings).
struct Grid {
  std::string lambda, mu;
  double denoiser_sigma = 0.0;     // plug-and-play: 0 for the method's default
  int64_t iterations = 0;          // plug-and-play: 0 for the method's default
  int64_t samples = 0, steps = 0;  // posterior samplers: 0 for the method's default
  double zeta = -1.0;              // diffpir: negative for the method's default
};
using Grids = std::map<std::string, Grid>;

// The plug-and-play and posterior-sampling rows of every experiment, beside the paper's methods.
const std::vector<std::string> kPlugAndPlayRows = {"pnp-hqs", "pnp-admm", "red"};
const std::vector<std::string> kDiffusionRows = {"dps", "diffpir"};

Grids grids_for(const std::string& experiment_id) {
  if (experiment_id == "table1b") {
    // shapes tomo, sigma 0.1, on the validation images with the committed shapes AE and VAE
    // (BENCHMARKS.md, "Experiments"): hard peaked at lambda 0.01 (AE, 27.9 dB; 0.1 lost 6 dB) and
    // 1 (VAE, 28.2 dB; 10 lost 2.5 dB); relaxed (VAE, mu 0.01) at lambda 100 (25.8 dB; 10 and
    // 1000: 23.3, 19.9); sparse (VAE, mu 0.01) at 100 (28.2; 10 and 1000: 27.8, 25.5). The latent
    // prior's total weight lambda mu matches hard's lambda at the optimum, so mu is 1e-4 for the AE's
    // large codes and 1e-2 for N(0, I) latents. TV peaked at 2.2 (25.0 dB; 1 and 4.6: 23.2, 24.4).
    // Plug-and-play with the shapes DRUNet on 15 validation images: pnp-hqs peaked at lambda 0.1
    // (26.5 dB with 8 or 24 iterations; 0.01 and 1: 21.6, 20.4); pnp-admm at strength 0.1 at lambda
    // 0.1 (26.4; 0.3: 26.1; 1: 19.2; 0.03 and below diverge), strength 0.05 lower (25.8); red peaked at
    // lambda 10 (18.8; 100: 17.0; 1: 6.5). With the 12-epoch DRUNet and the box [0, 1] (2026-12-04,
    // 20 validation images): pnp-admm at strength 0.1 gave 27.96 / 28.41 / 27.35 dB at lambda 0.1 /
    // 0.17 / 0.3 (strength 0.2: 28.41 at 0.3, 28.08 at 1); pnp-hqs 26.63 / 27.78 / 27.71 at 0.03 /
    // 0.1 / 0.3 (hard with the VAE: 28.25). Posterior sampling with the 20-epoch shapes DDPM, 4 samples
    // of 100 steps on 8 test images: dps 19.2 / 24.3 / 23.0 dB at lambda 0.02 / 0.1 / 1 (at 0.02 the
    // samples fit the noise, at 1 they are clean shapes misplaced), 25.7 / 25.1 at 0.2 / 0.4; diffpir
    // 20.4 / 27.6 / 24.2 at lambda 0.1 / 1 / 10. The run of 2026-12-03 on the grid 0.05..0.2 chose
    // 0.2 (BENCHMARKS.md, "Diffusion"); the grid now holds the peak inside. diffpir without per-step
    // clipping (2026-12-04), lambda 0.95, 100 steps, 8 validation images: 4 samples 28.27 dB, 8
    // samples 28.87 (zeta 0.1: 25.35; zeta 1, the default since, 29.53 with 4 samples); 4 samples
    // for time.
    return {{"hard", {"1e-3:1e1:5", ""}},
            {"relaxed", {"1e1:1e3:3", "1e-4:1e-2:2"}},
            {"sparse", {"1e1:1e3:3", "1e-4:1e-2:2"}},
            {"pnp-hqs", {"1e-2:1e0:5", "", 0.0, 0}},
            {"pnp-admm", {"1e-1:3e-1:3", "", 0.1, 0}},
            {"red", {"1e0:1e2:3", "", 0.0, 0}},
            {"dps", {"1e-1:4e-1:3", "", 0.0, 0, 4, 100}},
            {"diffpir", {"3e-1:3e0:3", "", 0.0, 0, 4, 100}},
            {"cfm", {"", "", 0.0, 0, 8, 0}},
            {"postprocess", {"", ""}},
            {"tv", {"1e-1:1e2:10", ""}},
            {"tikhonov", {"1e0:1e4:9", ""}}};
  }
  if (experiment_id == "mnist-deblur") {
    // mnist blur:gauss5, sigma 0.1, on 15 validation images with the committed DRUNet
    // (BENCHMARKS.md, "Plug-and-play"): pnp-admm (strength 0.1) peaked at lambda 0.32 (25.0 dB; 0.1
    // and 1: 20.5, 24.1), pnp-hqs at 0.3 (24.6; 0.1 and 1: 24.0, 23.8), red rose to lambda 100
    // (23.3; 10: 19.4), TV peaked at 1 (21.6; 0.32 and 3.2: 19.7, 21.3). The generative grids are
    // table1a's (hard: a 0.001..10 decade grid).
    return {{"hard", {"1e-3:1e1:5", ""}},
            {"relaxed", {"1e0:1e2:3", "1e-3:1e-1:3"}},
            {"sparse", {"1e0:1e2:3", "1e-3:1e-1:3"}},
            {"pnp-hqs", {"1e-1:1e0:3", "", 0.0, 0}},
            {"pnp-admm", {"1e-1:1e0:5", "", 0.0, 0}},
            {"red", {"3e1:1e3:4", "", 0.0, 0}},
            // Posterior sampling with the committed mnist DDPM, as table1a's rows (8 samples; DPS 250
            // steps, DiffPIR 100): blur keeps 784 measurements where cs:150 keeps 150, so the grids
            // span a decade more on either side of table1a's choices (DPS 1, DiffPIR 0.1).
            {"dps", {"2.5e-1:4e0:5", "", 0.0, 0, 8, 250}},
            {"diffpir", {"1e-2:1e1:4", "", 0.0, 0, 8, 100}},
            {"tv", {"1e-1:1e2:10", ""}},
            {"tikhonov", {"1e-1:1e3:9", ""}}};
  }
  if (experiment_id == "shapes-plus-tomo") {
    // shapes-plus tomo, sigma 0.05: four times the data weight of sigma 0.1. On the validation
    // images with the committed shapes VAE: TV peaked at lambda 4.6 (26.75 dB; 2.2 and 10: 26.28,
    // 25.65); sparse-tv's deviation u takes up the bright spot only when its TV weight lambda is
    // near TV's own (lambda 4, mu 1: 27.45 dB; lambda 10, mu 0.1: 27.28; lambda 40 to 4000 leave
    // u = 0, about 26.9, the hard constraint; lambda 1, mu 4 fits the noise, 17.6). No relaxed row.
    // Plug-and-play with the 12-epoch shapes DRUNet (box [0, 1]) on the 20 validation images:
    // pnp-hqs 27.08 / 27.29 / 27.26 / 26.99 dB at lambda 0.03 / 0.1 / 0.3 / 1 (start 0.1 at lambda
    // 0.2: 27.33); pnp-admm at strength 0.2 peaked at lambda 1 (27.48; 0.3 and 3: 26.67, 26.62),
    // strength 0.1 at 0.17-0.3 (27.35), strength 0.05 at 0.1 (27.00). TV 26.76, hard 26.89.
    return {{"hard", {"1e-2:1e2:5", ""}},
            {"sparse-tv", {"2e0:2e1:3", "1e-1:1e0:2"}},
            {"pnp-hqs", {"1e-1:1e0:3", "", 0.0, 0}},
            {"pnp-admm", {"3e-1:3e0:3", "", 0.2, 0}},
            {"tv", {"1e-1:1e2:10", ""}},
            {"tikhonov", {"1e0:1e4:9", ""}}};
  }
  // Posterior sampling with the committed mnist DDPM (30 epochs), 8 samples per image, on the 20
  // validation images (BENCHMARKS.md, "Diffusion"): see the dps and diffpir grids below.
  // table1a, mnist cs:150, VAE on 10 validation images: hard peaked at 0.01 (AE), relaxed at lambda 10
  // (1 and 100 lost 2-3 dB; mu 1e-3..1e-2 alike, 0.1 worse), sparse at lambda 10-100, mu 0.01.
  // Plug-and-play with the mnist DRUNet on 15 validation images (BENCHMARKS.md, "Plug-and-play"):
  // pnp-admm peaked at lambda 0.95 with strength 0.3 (22.7 dB; strength 0.1: 20.8, 0.2: 21.8;
  // lambda 0.53 and 1.7: 21.2, 21.8; 3: 16.9); pnp-hqs is flat below lambda 0.01 and needs
  // iterations (8: 12.4 dB, 40: 15.3, 100: 16.2, TV 16.8); red at strength 0.05 is flat below
  // lambda 1 (17.4; strength 0.1: 17.0, 0.3: 13.6).
  return {{"hard", {"1e-3:1e1:5", ""}},
          {"relaxed", {"1e0:1e2:3", "1e-3:1e-1:3"}},
          {"sparse", {"1e0:1e2:3", "1e-3:1e-1:3"}},
          {"pnp-hqs", {"1e-3:1e-1:3", "", 0.0, 100}},
          {"pnp-admm", {"3e-1:3e0:5", "", 0.3, 0}},
          {"red", {"1e-3:1e-1:3", "", 0.05, 0}},
          {"dps", {"5e-1:4:4", "", 0.0, 0, 8, 0}},
          {"diffpir", {"1e-2:1e0:3", "", 0.0, 0, 8, 0}},
          {"cfm", {"", "", 0.0, 0, 8, 0}},
          {"postprocess", {"", ""}},
          {"pix2pix", {"", "", 0.0, 0, 8, 0}},
          {"tv", {"1e-1:1e2:10", ""}},
          {"tikhonov", {"1e-1:1e3:9", ""}}};
}

// Every generative method of `generative_methods` with every generator, every plug-and-play method
// of `pnp_methods` with every denoiser, then TV and Tikhonov, each with its grid; mu is searched
// only for the methods whose registration reads one.
std::vector<ExperimentMethod> methods_for(const ExperimentSpec& spec,
                                          const std::vector<std::string>& generative_methods,
                                          const std::vector<std::string>& pnp_methods, const Grids& grids) {
  auto method = [&](const std::string& name, const std::string& model) {
    const auto& grid = grids.at(name);
    const auto& info = MethodRegistry::instance().at(name);
    const bool reads_mu = info.reads("mu");
    return ExperimentMethod{name, model,
                            // A method without lambda runs once (its lambda is ignored).
                            info.has_lambda() ? parse_lambda_grid(grid.lambda) : std::vector<double>{0.0},
                            reads_mu ? parse_lambda_grid(grid.mu) : std::vector<double>{1.0},
                            grid.denoiser_sigma, grid.iterations, grid.samples, grid.steps, grid.zeta};
  };
  std::vector<ExperimentMethod> out;
  for (const auto& m : generative_methods)
    for (const auto& kind : spec.generators) out.push_back(method(m, kind));
  for (const auto& m : pnp_methods)
    for (const auto& kind : spec.denoisers) out.push_back(method(m, kind));
  for (const auto& m : kDiffusionRows)
    for (const auto& kind : spec.diffusion_models)
      if (grids.count(m)) out.push_back(method(m, kind));
  for (const auto& kind : spec.conditional_models)
    if (grids.count(kind)) out.push_back(method(kind, kind));
  out.push_back(method("tv", ""));
  out.push_back(method("tikhonov", ""));
  return out;
}

// The tomography experiments on 2 cores: 56x56 generators train at about 100 images/s (a quarter of
// the mnist rate) and solve about 2 samples/s per method, so they train on 10,000 of the 60,000
// shapes images (the committed docs/models/shapes generators are this recipe) and solve from one
// start: 10,125 measurements of 3,136 pixels leave little to restarts, and an AE or VAE starts at
// the encoding of the back-projection.
void use_shapes_recipe(ExperimentSpec& s) {
  s.train_indices = "0:10000";
  s.train_epochs = {{"ae", 12},   {"vae", 12}, {"wgan-gp", 10},   {"drunet", 12},
                    {"ddpm", 20}, {"cfm", 8},  {"postprocess", 8}};
  s.restarts = 1;
}

}  // namespace

std::string conditional_model_file(const std::string& kind, const std::string& operator_spec, double sigma) {
  std::string tag;
  for (const char c : operator_spec)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.') tag += c;
  std::ostringstream name;
  name << kind << "-" << tag << "-sigma" << sigma << ".pt";
  return name.str();
}

std::vector<std::string> experiment_ids() {
  return {"table1a", "table1b", "shapes-plus-tomo", "mnist-deblur"};
}

ExperimentSpec experiment_spec(const std::string& id) {
  ExperimentSpec s;
  s.id = id;
  if (id == "table1a" || id == "table1b") {
    const bool a = id == "table1a";
    s.dataset = s.train_dataset = a ? "mnist" : "shapes";
    s.operator_spec = a ? "cs:150" : "tomo";
    s.sigma = 0.1;
    s.latent_dim = a ? 8 : 10;
    s.description = a ? "Paper Table 1 (a): mnist, compressed sensing with 150 measurements, noise 0.1"
                      : "Paper Table 1 (b): shapes, parallel-beam tomography, noise 0.1";
    s.generators = {"ae", "vae", "wgan-gp"};
    s.denoisers = {"drunet"};
    s.diffusion_models = {"ddpm"};
    // pix2pix only on mnist: no shapes model is committed (20 epochs of 56x56 pairs, untrained).
    s.conditional_models = {"cfm", "postprocess"};
    if (a) s.conditional_models.push_back("pix2pix");
    // cs:150's back-projection spreads each pixel over the image; the Wiener estimate is an image
    // (BENCHMARKS.md, "Conditional models"): the post-processing U-Net gains from it (table1a psnr
    // 22.30), cfm did not within 15 epochs (21.27 against 21.66 for 30 epochs on A^T y). tomo's A^T y
    // is an image already, and a 3136-pixel covariance would add 39 MB to each checkpoint.
    if (a) s.conditions = {{"postprocess", "lmmse"}, {"pix2pix", "lmmse"}};
    if (!a) use_shapes_recipe(s);
    s.methods = methods_for(s, {"hard", "relaxed", "sparse"}, kPlugAndPlayRows, grids_for(id));
    // psnr_paper, mean +- std over the paper's test images.
    if (a) {
      s.paper = {{"hard/ae", {21.84, 4.09}}, {"hard/vae", {22.33, 4.17}}, {"hard/wgan-gp", {16.93, 2.57}},
                 {"relaxed/ae", {19.31, 0}}, {"relaxed/vae", {20.07, 0}}, {"relaxed/wgan-gp", {17.12, 0}},
                 {"sparse/ae", {19.52, 0}},  {"sparse/vae", {21.08, 0}},  {"sparse/wgan-gp", {17.06, 0}},
                 {"tv", {21.54, 1.32}}};
    } else {
      s.paper = {{"hard/ae", {33.17, 0.80}}, {"hard/vae", {32.92, 0.95}}, {"hard/wgan-gp", {22.92, 2.10}},
                 {"relaxed/ae", {30.70, 0}}, {"relaxed/vae", {28.79, 0}}, {"relaxed/wgan-gp", {24.20, 0}},
                 {"sparse/ae", {33.12, 0}},  {"sparse/vae", {33.09, 0}},  {"sparse/wgan-gp", {22.72, 0}},
                 {"tv", {29.94, 0.75}}};
    }
    return s;
  }
  if (id == "mnist-deblur") {
    // PROTOCOL.md: figures only in the paper, so no paper cells.
    s.dataset = s.train_dataset = "mnist";
    s.operator_spec = "blur:gauss5";
    s.sigma = 0.1;
    s.latent_dim = 8;
    s.description =
        "mnist, 5x5 Gaussian blur (sigma 1), noise 0.1: the paper's deblurring figures as a table";
    s.generators = {"ae", "vae", "wgan-gp"};
    s.denoisers = {"drunet"};
    s.diffusion_models = {"ddpm"};
    s.methods = methods_for(s, {"hard", "relaxed", "sparse"}, kPlugAndPlayRows, grids_for(id));
    return s;
  }
  if (id == "shapes-plus-tomo") {
    s.dataset = "shapes-plus";
    s.train_dataset = "shapes";
    s.operator_spec = "tomo";
    s.sigma = 0.05;
    s.latent_dim = 10;
    s.description =
        "Paper section 5.3: a VAE trained on shapes, ground truth from shapes-plus (features the "
        "generator has never seen), tomography, noise 0.05";
    s.generators = {"vae"};
    s.denoisers = {"drunet"};
    use_shapes_recipe(s);
    // RED is left out: its fixed-point iteration did not converge on tomography in table1b.
    s.methods = methods_for(s, {"hard", "sparse-tv"}, {"pnp-hqs", "pnp-admm"}, grids_for(id));
    s.paper = {{"sparse-tv/vae", {32.83, 0.65}}, {"tv", {32.01, 0.67}}};
    return s;
  }
  std::string known;
  for (const auto& k : experiment_ids()) known += (known.empty() ? "" : ", ") + k;
  fail("unknown experiment '", id, "' (known: ", known, ")");
}

nlohmann::json MethodResult::to_json(bool per_image) const {
  nlohmann::json j = {{"method", method.method},
                      {"model", method.model},
                      {"label", method.label()},
                      {"lambda", lambda},
                      {"validation_psnr", validation_psnr},
                      {"seconds", seconds},
                      {"lambda_grid", method.lambdas},
                      {"validation_curve", validation_curve},
                      {"metrics", metrics_to_json(metrics, per_image)}};
  if (method.denoiser_sigma > 0) j["denoiser_sigma"] = method.denoiser_sigma;
  if (method.iterations > 0) j["iterations"] = method.iterations;
  if (method.samples > 0) j["samples"] = method.samples;
  if (method.steps > 0) j["steps"] = method.steps;
  if (method.zeta >= 0) j["zeta"] = method.zeta;
  if (method.allow_operator_shift) j["allow_operator_shift"] = true;
  if (!uncertainty.is_null()) j["uncertainty"] = uncertainty;
  if (!audit.is_null()) j["audit"] = audit;
  if (method.reads_mu()) {
    j["mu"] = mu;
    j["mu_grid"] = method.mus;
  }
  return j;
}

MethodResult run_experiment_method(const ExperimentMethod& method, const MethodPriors& priors,
                                   const Measurements& validation, const Measurements& report,
                                   const ExperimentRunOptions& options) {
  require(validation.has_truth() && report.has_truth(), "an experiment needs ground truth");
  require(!method.lambdas.empty() && !method.mus.empty(), "empty parameter grid for ", method.key());
  const auto start = std::chrono::steady_clock::now();
  const auto& info = MethodRegistry::instance().at(method.method);
  // Only a method that reads mu sweeps its grid.
  const std::vector<double> mus = info.reads("mu") ? method.mus : std::vector<double>{method.mus.front()};
  auto settings = [&](double mu) {
    auto o = options.generative;
    o.mu(mu);
    auto s = MethodSettings()
                 .generative(o)
                 .denoiser_sigma(method.denoiser_sigma)
                 .samples(method.samples)
                 .steps(method.steps)
                 .zeta(method.zeta)
                 .allow_operator_shift(method.allow_operator_shift)
                 .seed(options.generative.seed());
    if (info.needs != ModelRole::generator) s.iterations(method.iterations);
    return s;
  };
  MethodResult out;
  out.method = method;
  double best = -1e300;
  torch::Tensor validation_samples;  // at the chosen parameters, for a sampling method
  for (double mu : mus) {
    const auto rec = make_method(method.method, settings(mu), priors);
    const auto s = sharded_sweep_lambdas(options.group, *rec, validation, method.lambdas, options.batch, {},
                                         options.log);
    std::vector<double> curve;
    for (size_t k = 0; k < method.lambdas.size(); ++k) curve.push_back(s.psnr[k].mean().item<double>());
    const int64_t k = choose_by_validation(s);
    if (curve[k] > best) {
      best = curve[k];
      out.lambda = method.lambdas[k];
      out.mu = mu;
      validation_samples = s.samples.defined() ? s.samples[k] : torch::Tensor();
    }
    out.validation_curve.push_back(curve);
    if (options.log && mus.size() > 1) {
      std::ostringstream line;
      line << "  " << method.label() << ": mu " << mu << ", best lambda " << method.lambdas[k] << " ("
           << std::fixed << std::setprecision(2) << curve[k] << " dB on " << validation.size()
           << " validation images)";
      options.log(line.str());
    }
  }
  const auto rec = make_method(method.method, settings(out.mu), priors);
  const auto lambda = torch::full({report.size()}, out.lambda, torch::kFloat64);
  const auto res =
      sharded_reconstruct(options.group, *rec, report, lambda, options.batch, nullptr, options.log, 30.0);
  out.x = res.x.to(torch::kCPU, torch::kFloat32);
  if (res.u.defined()) {
    out.gz = res.gz.to(torch::kCPU, torch::kFloat32);
    out.u = res.u.to(torch::kCPU, torch::kFloat32);
  }
  out.validation_psnr = best;
  const auto truth = report.x_true.to(torch::kCPU, torch::kFloat32);
  out.metrics = compute_metrics(out.x, truth);
  if (res.samples.defined()) {
    out.std = res.std.to(torch::kCPU, torch::kFloat32);
    out.samples =
        res.samples.narrow(1, 0, std::min<int64_t>(3, res.samples.size(1))).to(torch::kCPU, torch::kFloat32);
    // The interval's width calibrated on the validation images (split conformal), checked on the
    // report images.
    const double scale =
        validation_samples.defined() && validation_samples.size(1) >= 2
            ? fit_interval_scale(validation_samples, validation.x_true.to(torch::kCPU, torch::kFloat32))
            : 0.0;
    out.uncertainty = summarise_uncertainty(res.samples, truth, 0.01, scale).to_json();
  }
  out.audit =
      audit_data_fidelity(std::get<0>(res.discrepancy.min(1)), report.make_op()->range_size(), report.sigma)
          .to_json();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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
     << "PSNR on test images " << spec.validation << "; operator `" << spec.operator_spec << "`, sigma "
     << spec.sigma << ". Mean +- std over the report images. The paper's standard deviations are given "
     << "where its Table 1 states them.\n";
  table("psnr_paper", 2, true);
  table("psnr", 2, false);
  table("ssim", 3, false);
  md << "\n### Chosen parameters\n\n| method | lambda | mu | validation PSNR (dB) | seconds "
        "|\n|---|---|---|---|---|\n";
  auto number = [](double v, int digits, bool fixed) {
    std::ostringstream out;
    if (fixed) out << std::fixed;
    out << std::setprecision(digits) << v;
    return out.str();
  };
  for (const auto& r : results)
    md << "| " << r.method.label() << " | " << number(r.lambda, 4, false) << " | "
       << (r.method.reads_mu() ? number(r.mu, 4, false) : "-") << " | " << number(r.validation_psnr, 2, true)
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
