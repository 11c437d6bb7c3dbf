// genreg metrics: compare estimates with ground truth (PROTOCOL.md metrics).
#include <cmath>
#include <iomanip>

#include "genreg/cli/cli.h"
#include "genreg/core/error.h"
#include "genreg/data/dataset.h"
#include "genreg/eval/metrics.h"
#include "genreg/io/tensor_file.h"

namespace genreg::cli {

void add_metrics_command(CLI::App& app, Commands& commands) {
  auto* metrics = app.add_subcommand("metrics", "PSNR, SSIM, NRMSE and L1 of estimates against ground truth");
  auto truth = std::make_shared<std::string>();
  auto estimate = std::make_shared<std::string>();
  auto per_image = std::make_shared<bool>(false);
  metrics->add_option("--truth", *truth, "Ground truth: .png, or a batch as .npy / .pt (N,1,H,W)")
      ->required();
  metrics->add_option("--estimate", *estimate, "Estimate, same shape as the truth")->required();
  metrics->add_flag("--per-image", *per_image, "Also list the value of every image");
  commands.add(metrics, [=](Context& ctx) {
    const auto x_true = load_images(*truth);
    const auto x = load_images(*estimate);
    require(x.sizes() == x_true.sizes(), "estimate ", *estimate, " has shape ", x.sizes(), " but truth ",
            *truth, " has shape ", x_true.sizes());
    require(x_true.numel() > 0, *truth, " holds no images");
    require(torch::isfinite(x).all().item<bool>() && torch::isfinite(x_true).all().item<bool>(),
            "the images hold NaN or infinite values");
    const auto values = compute_metrics(x.to(ctx.device()), x_true.to(ctx.device()));
    auto& os = ctx.text();
    os << std::fixed;
    for (const auto& m : values) {
      os << std::left << std::setw(11) << m.name << std::right << std::setprecision(4) << std::setw(10)
         << m.summary.mean;
      if (m.summary.count > 1 && std::isfinite(m.summary.std))
        os << " +- " << std::setprecision(4) << m.summary.std << "  (" << m.summary.count << " images)";
      os << "\n";
      if (*per_image && m.summary.count > 1) {
        auto v = m.per_image.contiguous();
        for (int64_t i = 0; i < v.numel(); ++i) os << "  [" << i << "] " << v.data_ptr<double>()[i] << "\n";
      }
    }
    nlohmann::json summary = {
        {"truth", *truth}, {"estimate", *estimate}, {"metrics", metrics_to_json(values, *per_image)}};
    ctx.emit(summary);
  });
}

}  // namespace genreg::cli
