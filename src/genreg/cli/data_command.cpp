// genreg data show | stats | export: look at a dataset before using it.
#include <chrono>
#include <filesystem>
#include <iomanip>

#include "genreg/cli/cli.h"
#include "genreg/cli/dataset_args.h"
#include "genreg/cli/option_domains.h"
#include "genreg/core/error.h"
#include "genreg/io/image_grid.h"
#include "genreg/io/output_paths.h"
#include "genreg/io/png.h"
#include "genreg/io/tensor_file.h"

namespace genreg::cli {
namespace {

nlohmann::json describe(const Dataset& data) {
  nlohmann::json out = {{"dataset", data.name}, {"split", data.split},     {"split_size", data.split_size},
                        {"count", data.size()}, {"height", data.height()}, {"width", data.width()}};
  if (data.size() > 0) {
    out["first_index"] = data.indices[0].item<int64_t>();
    out["min"] = data.images.min().item<double>();
    out["max"] = data.images.max().item<double>();
    out["mean"] = data.images.mean().item<double>();
    out["std"] = data.images.std(/*unbiased=*/false).item<double>();
    auto labels = data.labels.masked_select(data.labels >= 0);
    if (labels.numel() > 0) {
      auto counts = torch::bincount(labels);
      std::vector<int64_t> per_class(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + counts.numel());
      out["label_counts"] = per_class;
    }
  }
  return out;
}

void print_description(std::ostream& os, const nlohmann::json& d) {
  os << d["dataset"].get<std::string>() << " " << d["split"].get<std::string>() << ": " << d["count"]
     << " of " << d["split_size"] << " images, " << d["height"] << "x" << d["width"];
  if (d.contains("min")) {
    os << std::setprecision(4) << ", min " << d["min"].get<double>() << ", max " << d["max"].get<double>()
       << ", mean " << d["mean"].get<double>() << ", std " << d["std"].get<double>();
  }
  os << "\n";
  if (d.contains("label_counts")) {
    os << "  images per label:";
    for (const auto& c : d["label_counts"]) os << " " << c.get<int64_t>();
    os << "\n";
  }
}

}  // namespace

void add_data_command(CLI::App& app, Commands& commands) {
  auto* data = app.add_subcommand("data", "Inspect and export datasets");
  data->require_subcommand(1);

  {
    auto* show = data->add_subcommand("show", "Write a grid of images from a dataset");
    auto args = std::make_shared<DatasetArgs>();
    args->add_to(show, "test");
    auto count = std::make_shared<int64_t>(16);
    auto columns = std::make_shared<int64_t>(8);
    auto out = std::make_shared<std::string>();
    show->add_option("--count", *count, "Number of images")->capture_default_str();
    show->add_option("--columns", *columns, "Images per row")->capture_default_str();
    check_domains(show, {{"--count", positive_integer(1 << 20)}, {"--columns", positive_integer(1024)}});
    show->add_option("--out", *out, "Output PNG")->required();
    commands.add(show, [=](Context& ctx) {
      require(*count > 0, "--count must be positive");
      check_output_file(*out, {".png"}, "image grid");
      auto options = args->options();
      if (options.range().stop < 0)
        options.range(IndexRange{options.range().start, options.range().start + *count});
      const auto dataset = load_dataset(args->dataset, options);
      auto images = dataset.images.narrow(0, 0, std::min<int64_t>(*count, dataset.size()));
      write_image_grid(*out, images, GridOptions().columns(*columns));
      auto summary = describe(dataset);
      summary["count"] = images.size(0);
      summary["out"] = *out;
      ctx.text() << "wrote " << *out << ": " << images.size(0) << " " << dataset.name << " " << dataset.split
                 << " images\n";
      ctx.emit(summary);
    });
  }

  {
    auto* stats = data->add_subcommand("stats", "Count, size and value range of a dataset");
    auto args = std::make_shared<DatasetArgs>();
    args->add_to(stats, "train");
    commands.add(stats, [=](Context& ctx) {
      const auto start = std::chrono::steady_clock::now();
      const auto dataset = args->load();
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      auto summary = describe(dataset);
      summary["load_seconds"] = seconds;
      print_description(ctx.text(), summary);
      ctx.text() << "  loaded in " << std::setprecision(3) << seconds << " s\n";
      ctx.emit(summary);
    });
  }

  {
    auto* exporter = data->add_subcommand("export", "Write dataset images as .npy, .pt or a folder of PNGs");
    auto args = std::make_shared<DatasetArgs>();
    args->add_to(exporter, "test");
    auto out = std::make_shared<std::string>();
    exporter->add_option("--out", *out, "FILE.npy, FILE.pt, or a folder (PNG per image)")->required();
    commands.add(exporter, [=](Context& ctx) {
      const std::string ext = std::filesystem::path(*out).extension().string();
      if (ext == ".npy" || ext == ".pt")
        check_output_file(*out, {".npy", ".pt"}, "export");
      else if (ext.empty())
        prepare_output_folder(*out);
      const auto dataset = args->load();
      if (ext == ".npy" || ext == ".pt") {
        save_tensor(*out, dataset.images);
      } else {
        require(ext.empty(), "cannot export to '", *out, "' (use .npy, .pt or a folder name)");
        for (int64_t k = 0; k < dataset.size(); ++k) {
          std::ostringstream name;
          name << *out << "/" << std::setw(5) << std::setfill('0') << dataset.indices[k].item<int64_t>()
               << ".png";
          write_png(name.str(), dataset.images[k]);
        }
      }
      auto summary = describe(dataset);
      summary["out"] = *out;
      ctx.text() << "wrote " << *out << ": " << dataset.size() << " images\n";
      ctx.emit(summary);
    });
  }
}

}  // namespace genreg::cli
