#include "genreg/pipeline/evaluation_report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "genreg/core/error.h"
#include "genreg/io/atomic_file.h"
#include "genreg/io/html_report.h"
#include "genreg/io/image_grid.h"
#include "genreg/io/line_plot.h"
#include "genreg/io/number_format.h"
#include "genreg/io/results_file.h"
#include "genreg/io/tensor_file.h"

namespace genreg {
namespace {

const MetricValues& metric(const GeneratorEvaluation& e, const std::string& name) {
  for (const auto& m : e.metrics)
    if (m.name == name) return m;
  fail("no metric ", name);
}

// Errors G(z*) - x are shown on this symmetric range (blue below, red above zero).
constexpr double kErrorRange = 0.5;

void write_histograms(const std::string& path, const std::vector<EvaluatedGenerator>& generators) {
  struct Panel {
    const char *metric, *title, *unit;
  };
  const Panel panels[] = {{"nrmse", "A1: NRMSE of projections", "||G(z*) - x|| / ||x||"},
                          {"psnr", "A1: PSNR of projections", "dB"},
                          {"ssim", "A1: SSIM of projections", "SSIM"},
                          {"l1", "A1: mean absolute error", "L1"}};
  std::vector<PlotPanel> out;
  for (const auto& p : panels) {
    PlotPanel panel;
    panel.title = p.title;
    panel.x_label = p.unit;
    panel.y_label = "test images";
    double lo = INFINITY, hi = -INFINITY;
    int64_t n = 0;
    for (const auto& g : generators) {
      const auto& v = metric(g.evaluation, p.metric).per_image;
      const auto finite = v.masked_select(torch::isfinite(v));
      if (finite.numel() == 0) continue;
      lo = std::min(lo, finite.min().item<double>());
      hi = std::max(hi, finite.max().item<double>());
      n = std::max<int64_t>(n, finite.numel());
    }
    if (!std::isfinite(lo)) continue;
    // About sqrt(N) bins, between 10 and 40, shared by every generator so that they compare.
    const int64_t bins = std::clamp<int64_t>(static_cast<int64_t>(std::sqrt(static_cast<double>(n))), 10, 40);
    for (const auto& g : generators) {
      auto [centres, counts] = histogram(metric(g.evaluation, p.metric).per_image, lo, hi, bins);
      PlotSeries s;
      s.label = generators.size() > 1 ? g.label : "";
      s.x = std::move(centres);
      s.y = std::move(counts);
      s.kind = generators.size() > 1 ? SeriesKind::steps : SeriesKind::bars;
      panel.series.push_back(std::move(s));
    }
    out.push_back(std::move(panel));
  }
  write_line_plot(path, out, 480, 400);
}

void write_scatter(const std::string& path, const EvaluatedGenerator& g) {
  PlotPanel panel;
  panel.title = "B2: " + g.label + " latent codes in a random plane";
  panel.x_label = "p1";
  panel.y_label = "p2";
  auto series = [](const std::string& label, const torch::Tensor& plane, const std::string& pen) {
    PlotSeries s;
    s.label = label;
    s.kind = SeriesKind::points;
    s.style = pen;
    const auto p = plane.to(torch::kFloat64).contiguous();
    for (int64_t i = 0; i < p.size(0); ++i) {
      s.x.push_back(p[i][0].item<double>());
      s.y.push_back(p[i][1].item<double>());
    }
    return s;
  };
  panel.series.push_back(series("z ~ N(0, I)", g.evaluation.prior_plane, "r ."));
  panel.series.push_back(series("projections z*(x)", g.evaluation.latent_plane, "b ."));
  write_line_plot(path, {panel}, 560, 520);
}

}  // namespace

std::pair<std::vector<double>, std::vector<double>> histogram(const torch::Tensor& values, double lo,
                                                              double hi, int64_t bins) {
  require(bins >= 1, "a histogram needs at least one bin");
  if (!(hi > lo)) {
    // All values equal: one bin of width 1 around them.
    lo -= 0.5;
    hi += 0.5;
  }
  const double width = (hi - lo) / bins;
  std::vector<double> centres(bins), counts(bins, 0.0);
  for (int64_t b = 0; b < bins; ++b) centres[b] = lo + (b + 0.5) * width;
  const auto v = values.flatten().to(torch::kCPU, torch::kFloat64).contiguous();
  const double* p = v.data_ptr<double>();
  for (int64_t i = 0; i < v.numel(); ++i) {
    if (!std::isfinite(p[i]) || p[i] < lo || p[i] > hi) continue;
    // The last bin is closed on the right, as numpy.histogram's.
    const int64_t b = std::min<int64_t>(bins - 1, static_cast<int64_t>((p[i] - lo) / width));
    counts[b] += 1.0;
  }
  return {centres, counts};
}

nlohmann::json write_evaluation(const std::string& dir, const std::vector<EvaluatedGenerator>& generators,
                                const nlohmann::json& data, const std::optional<EmdReference>& reference,
                                double seconds, const nlohmann::json& quality) {
  require(!generators.empty(), "no generators evaluated");
  std::filesystem::create_directories(dir);
  const auto file = [&](const std::string& name) { return (std::filesystem::path(dir) / name).string(); };

  write_histograms(file("histograms.png"), generators);
  nlohmann::json summary = {{"data", data}, {"generators", nlohmann::json::array()}};
  if (!quality.is_null()) summary["quality"] = quality;
  if (reference)
    summary["emd_reference"] = {{"what", "EMD of the test images to as many training images"},
                                {"n", reference->n},
                                {"distance", reference->distance},
                                {"normalised", reference->normalised}};
  for (const auto& g : generators) {
    const auto& e = g.evaluation;
    std::filesystem::create_directories(file(g.label));
    const auto sub = [&](const std::string& name) { return file(g.label + "/" + name); };
    const auto shown = e.deciles;
    write_comparison_grid(sub("deciles.png"), {{e.truth.index_select(0, shown)},
                                               {e.projection.images.index_select(0, shown)},
                                               {(e.projection.images - e.truth).index_select(0, shown),
                                                Colormap::diverging, 0.0, kErrorRange}});
    write_scatter(sub("latent-scatter.png"), g);
    const int64_t steps =
        static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(e.interpolation.size(0)))));
    write_image_grid(sub("interpolation.png"), e.interpolation, GridOptions().columns(steps));
    write_image_grid(sub("far-samples.png"), e.far,
                     GridOptions().columns(e.far.size(0) / static_cast<int64_t>(e.far_scales.size())));
    write_image_grid(sub("samples.png"), e.samples, GridOptions().columns(8));
    save_tensor(sub("latents.pt"), e.projection.z);
    auto j = evaluation_to_json(e);
    j["label"] = g.label;
    j["checkpoint"] = g.path;
    j["model"] = g.model;
    j["figures"] = {{"deciles", g.label + "/deciles.png"},
                    {"latent_scatter", g.label + "/latent-scatter.png"},
                    {"interpolation", g.label + "/interpolation.png"},
                    {"far_samples", g.label + "/far-samples.png"},
                    {"samples", g.label + "/samples.png"}};
    j["latents"] = g.label + "/latents.pt";
    if (!g.quality.is_null()) j["quality"] = g.quality;
    summary["generators"].push_back(j);
  }

  // The report, criterion by criterion.
  HtmlReport report("genreg: generator evaluation");
  std::ostringstream intro;
  const auto& first = generators.front().evaluation;
  intro << "How well each generator serves as a prior for inverse problems (Duff, Campbell & Ehrhardt 2021, "
           "section 4), on "
        << data.value("dataset", std::string("?")) << " " << data.value("split", std::string("?")) << ": "
        << first.truth.size(0) << " test images projected onto the generator's range (A1, B1, B2), "
        << first.emd_count << " test images against as many samples (A3, A2).";
  report.paragraph(intro.str());
  std::vector<std::vector<std::string>> rows;
  for (const auto& g : generators) {
    const auto& e = g.evaluation;
    const auto& nr = metric(e, "nrmse");
    const auto& ps = metric(e, "psnr");
    rows.push_back({g.label, g.model.value("kind", std::string("?")),
                    std::to_string(g.model.value("latent_dim", int64_t{0})), format_fixed(nr.summary.mean, 4),
                    format_fixed(median_value(nr.per_image), 4), format_fixed(ps.summary.mean, 2),
                    format_fixed(median_value(ps.per_image), 2),
                    format_fixed(metric(e, "ssim").summary.mean, 3),
                    format_fixed(metric(e, "l1").summary.mean, 4), format_significant(e.emd_normalised),
                    format_significant(e.latent_norm, 3), format_significant(e.far_nearest_nrmse.back(), 3),
                    format_fixed(e.projection_seconds, 1)});
  }
  report.heading("Summary").table(
      {"generator", "kind", "latent dim", "NRMSE mean", "NRMSE median", "PSNR mean", "PSNR median",
       "SSIM mean", "L1 mean", "EMD / mean ||x||^2", "mean ||z*||^2 / d",
       "far samples: NRMSE to nearest test (s = " + format_significant(first.far_scales.back(), 3) + ")",
       "projection s"},
      rows);
  if (!quality.is_null()) {
    std::vector<std::vector<std::string>> quality_rows;
    const auto row = [](const std::string& name, const nlohmann::json& q) {
      return std::vector<std::string>{name, format_significant(q.at("fid").get<double>(), 4),
                                      format_fixed(q.at("precision").get<double>(), 3),
                                      format_fixed(q.at("recall").get<double>(), 3)};
    };
    for (const auto& g : generators)
      if (!g.quality.is_null()) quality_rows.push_back(row(g.label, g.quality));
    if (quality.contains("diffusion_models"))
      for (const auto& q : quality["diffusion_models"])
        quality_rows.push_back(
            row(q.at("label").get<std::string>() + " (" + q.at("sampler").get<std::string>() + ")", q));
    if (quality.contains("reference"))
      quality_rows.push_back(row("training images (reference)", quality["reference"]));
    const auto& net = quality["feature_network"];
    report.heading("Sample quality: FID and precision / recall")
        .paragraph(
            "Between " + std::to_string(first.emd_count) +
            " test images and as many samples, in the 64-dimensional feature space of a small network "
            "genreg trained on the dataset's " +
            (net.value("task", std::string()) == "classes"
                 ? std::string("class labels (test accuracy ")
                 : std::string("generating parameters (test R^2 ")) +
            format_fixed(net.value("test_score", 0.0), 3) +
            "): Inception weights cannot be downloaded here, so the numbers compare generators on this "
            "dataset only, not with published FIDs. Frechet distance of the fitted Gaussians (Heusel et "
            "al. 2017); precision: the share of samples inside the test images' k-nearest-neighbour "
            "balls, recall: the share of test images inside the samples' (Kynkaanniemi et al. 2019, k = 3). "
            "The training images' row is what exact sampling of the data reaches.")
        .table({"", "FID", "precision", "recall"}, quality_rows);
  }
  if (reference)
    report.paragraph(
        "Reference for A3: the EMD of the same " + std::to_string(first.emd_count) +
        " test images to as many training images is " + format_significant(reference->normalised) +
        " of mean ||x||^2, the value a generator that samples the data distribution exactly would "
        "reach at this N.");
  report.heading("A1: can every test image be reproduced?")
      .paragraph(
          "z*(x) = argmin ||G(z) - x||^2 by Algorithm 1 (backtracking gradient descent, no latent prior), "
          "from the encoder mean where there is one, else the best of several random starts.")
      .figure("histograms.png",
              "Distribution of the projection errors over the test images (paper Figure 1).");
  for (const auto& g : generators)
    report.figure(g.label + "/deciles.png",
                  g.label +
                      ": test images at the 0%, 10%, ..., 100% quantiles of NRMSE (left to right): image, "
                      "projection G(z*), error on [-" +
                      format_significant(kErrorRange) + ", " + format_significant(kErrorRange) +
                      "] (Figures 2, 3).");
  report.heading("A3: are the samples distributed like the data?");
  for (const auto& g : generators)
    report.figure(g.label + "/samples.png", g.label + ": samples G(z), z ~ N(0, I); EMD to the test images " +
                                                format_significant(g.evaluation.emd_normalised) +
                                                " of mean ||x||^2.");
  report.heading("B2: where do the data sit in latent space?")
      .paragraph(
          "mean ||z*||^2 / d is about 1 for codes the prior N(0, I) would draw; far above 1, the data sit "
          "where the prior rarely samples.");
  for (const auto& g : generators)
    report.figure(
        g.label + "/latent-scatter.png",
        g.label + ": projections z*(x) (blue) and prior samples (red) in one random plane (Figure 4).");
  report.heading("B1: is the generator smooth?");
  for (const auto& g : generators)
    report.figure(
        g.label + "/interpolation.png",
        g.label +
            ": G(z1 + a2 (z2 - z1) + a3 (z3 - z1)), a2 left to right and a3 top to bottom in [0, 1], "
            "z1, z2, z3 the projections of three test images (Figure 6).");
  report.heading("A2: what lies far from the prior?");
  for (const auto& g : generators) {
    std::string scales;
    for (size_t i = 0; i < g.evaluation.far_scales.size(); ++i)
      scales += (i ? ", " : "") + format_significant(g.evaluation.far_scales[i], 3) +
                " (NRMSE to nearest test image " + format_significant(g.evaluation.far_nearest_nrmse[i], 3) +
                ")";
    report.figure(g.label + "/far-samples.png",
                  g.label + ": G(s z) for the same z, one row per scale s = " + scales + " (Figure 5).");
  }
  report.link("results.json", "All numbers (results.json)");
  report.write(file("report.html"));
  auto document = results_document("evaluate", summary, {"data"}, seconds, dir);
  write_results_file(dir, document);
  return document;
}

}  // namespace genreg
