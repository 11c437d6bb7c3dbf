// genreg demo: the README's main job. For now it shows every built-in dataset and the metrics on
// them; later waves grow it into the whole pipeline (train -> measure -> reconstruct -> report).
#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "genreg/cli/cli.h"
#include "genreg/core/error.h"
#include "genreg/data/dataset.h"
#include "genreg/eval/metrics.h"
#include "genreg/io/atomic_file.h"
#include "genreg/io/html_report.h"
#include "genreg/io/image_grid.h"
#include "genreg/io/png.h"

namespace genreg::cli {
namespace {

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

std::string file_stem(const std::string& dataset) {
  std::string out = dataset.rfind("folder:", 0) == 0 ? "folder" : dataset;
  return out;
}

}  // namespace

void add_demo_command(CLI::App& app, Commands& commands) {
  auto* demo = app.add_subcommand("demo", "Show every dataset and the metrics (the README's main job)");
  auto out = std::make_shared<std::string>("demo");
  auto noise = std::make_shared<double>(0.1);
  demo->add_option("--out", *out, "Output folder")->capture_default_str();
  demo->add_option("--noise", *noise, "Standard deviation of the noise added for the metrics example")
      ->capture_default_str();
  commands.add(demo, [=](Context& ctx) {
    namespace fs = std::filesystem;
    const auto t0 = std::chrono::steady_clock::now();
    fs::create_directories(*out);
    // A folder of PNGs to show the folder:PATH loader: 40 shapes test images written as files.
    const std::string folder = (fs::path(*out) / "png-folder").string();
    {
      auto shapes = load_dataset("shapes", DatasetOptions().split("test").range(IndexRange::parse("0:40")));
      for (int64_t k = 0; k < shapes.size(); ++k) {
        std::ostringstream name;
        name << folder << "/shape" << std::setw(3) << std::setfill('0') << k << ".png";
        write_png(name.str(), shapes.images[k]);
      }
    }
    const std::vector<std::string> names = {"mnist", "fashion-mnist", "shapes", "shapes-plus",
                                            "folder:" + folder};

    HtmlReport report("genreg demo: datasets and metrics");
    report.paragraph(
        "Test images of every built-in dataset (PROTOCOL.md), and the metrics of the same images with "
        "Gaussian noise of standard deviation " +
        fixed(*noise, 3) +
        " added: rows are truth, noisy image, and the signed error (blue negative, red positive).");
    std::vector<std::vector<std::string>> rows;
    nlohmann::json summary = {{"out", *out}, {"noise", *noise}, {"datasets", nlohmann::json::array()}};
    auto generator = torch::make_generator<at::CPUGeneratorImpl>(ctx.options().seed);
    for (const auto& name : names) {
      const auto test = load_dataset(name, DatasetOptions().split("test"));
      const auto train = load_dataset(name, DatasetOptions().split("train").range(IndexRange::parse("0:1")));
      const std::string stem = file_stem(name);
      // Evenly spaced test images: mnist's split is ordered by digit, so the first 16 are all zeros.
      const auto pick =
          torch::linspace(0, test.size() - 1, std::min<int64_t>(16, test.size())).round().to(torch::kLong);
      const auto shown = test.images.index_select(0, pick);
      write_image_grid((fs::path(*out) / (stem + ".png")).string(), shown);

      // Metrics example: x + sigma e, e ~ N(0, I), seeded.
      const auto noisy =
          (test.images + *noise * at::normal(0.0, 1.0, test.images.sizes(), generator)).clamp(0.0, 1.0);
      const auto metrics = compute_metrics(noisy, test.images);
      const auto row = pick.slice(0, 0, std::min<int64_t>(8, pick.numel()));
      const auto truth_row = test.images.index_select(0, row), noisy_row = noisy.index_select(0, row);
      write_comparison_grid(
          (fs::path(*out) / (stem + "-noisy.png")).string(),
          {{truth_row}, {noisy_row}, {noisy_row - truth_row, Colormap::diverging, 0.0, 3.0 * *noise}});
      nlohmann::json entry = {{"dataset", name},
                              {"train_size", train.split_size},
                              {"test_size", test.split_size},
                              {"height", test.height()},
                              {"width", test.width()},
                              {"test_mean", test.images.mean().item<double>()},
                              {"grid", stem + ".png"},
                              {"noisy_grid", stem + "-noisy.png"},
                              {"noisy_metrics", metrics_to_json(metrics, false)}};
      summary["datasets"].push_back(entry);
      const auto& psnr = metrics[0].summary;
      const auto& ssim = metrics[2].summary;
      rows.push_back({stem, std::to_string(train.split_size), std::to_string(test.split_size),
                      std::to_string(test.height()) + "x" + std::to_string(test.width()),
                      fixed(psnr.mean, 2) + " +- " + fixed(psnr.std, 2),
                      fixed(ssim.mean, 3) + " +- " + fixed(ssim.std, 3)});
      report.heading(name == names.back() ? "folder:" + fs::path(folder).filename().string() : name, 2);
      report.figure(stem + ".png",
                    std::to_string(shown.size(0)) + " test images, evenly spaced over the split");
      report.figure(stem + "-noisy.png", "truth / noisy / error");
      ctx.text() << std::left << std::setw(14) << stem << " train " << std::setw(6) << train.split_size
                 << " test " << std::setw(6) << test.split_size << " " << test.height() << "x" << test.width()
                 << "  noisy PSNR " << fixed(psnr.mean, 2) << " dB, SSIM " << fixed(ssim.mean, 3) << "  -> "
                 << (fs::path(*out) / (stem + ".png")).string() << "\n";
    }
    report.heading("Summary", 2);
    report.table({"dataset", "train", "test", "size", "noisy PSNR (dB)", "noisy SSIM"}, rows);
    report.paragraph("Metrics over the whole test split; PSNR with data range 1.");
    report.write((fs::path(*out) / "index.html").string());
    summary["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    write_file_atomically((fs::path(*out) / "summary.json").string(), summary.dump(2) + "\n");
    ctx.text() << "report: " << (fs::path(*out) / "index.html").string() << "\n";
    ctx.emit(summary);
  });
}

}  // namespace genreg::cli
