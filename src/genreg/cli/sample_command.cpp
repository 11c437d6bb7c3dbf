// genreg sample: images G(z), z ~ N(0, I), from a trained generator, as a grid or an array.
#include <filesystem>

#include "genreg/cli/cli.h"
#include "genreg/cli/option_domains.h"
#include "genreg/core/error.h"
#include "genreg/io/image_grid.h"
#include "genreg/io/output_paths.h"
#include "genreg/io/tensor_file.h"
#include "genreg/models/checkpoint.h"

namespace genreg::cli {

void add_sample_command(CLI::App& app, Commands& commands) {
  auto* sample = app.add_subcommand("sample", "Draw images from a trained generator's latent prior");
  struct Args {
    std::string generator, out, latents;
    int64_t count = 64, columns = 8;
    double scale = 1.0;
  };
  auto a = std::make_shared<Args>();
  sample->add_option("--generator", a->generator, "Model checkpoint (.pt) written by genreg train")
      ->required();
  sample->add_option("--count", a->count, "Number of samples")->capture_default_str();
  sample->add_option("--columns", a->columns, "Images per row of the grid")->capture_default_str();
  sample->add_option("--scale", a->scale, "Draw z ~ N(0, scale^2 I); above 1 samples far from the prior")
      ->capture_default_str();
  sample->add_option("--out", a->out, "Output: .png grid, or .pt / .npy array of (N, 1, H, W) images")
      ->required();
  sample->add_option("--latents", a->latents, "Also save the latent vectors (.pt or .npy)");
  sample->footer("Samples follow the global --seed.");
  check_domains(sample, {{"--count", positive_integer(1 << 20)},
                         {"--columns", positive_integer(1024)},
                         {"--scale", positive_real()}});
  commands.add(sample, [=](Context& ctx) {
    require(a->count >= 1 && a->count <= 100000, "--count must be in 1..100000");
    require(a->columns >= 1, "--columns must be positive");
    require(a->scale > 0, "--scale must be positive");
    check_output_file(a->out, {".png", ".pt", ".npy"}, "sample");
    if (!a->latents.empty()) check_output_file(a->latents, {".pt", ".npy"}, "latent");
    auto model = load_generator(a->generator, ctx.device());
    const auto z = model->sample_latent(a->count) * a->scale;
    const auto images = decode_in_chunks(*model, z);
    const auto ext = std::filesystem::path(a->out).extension().string();
    if (ext == ".png")
      write_image_grid(a->out, images, GridOptions().columns(a->columns));
    else
      save_tensor(a->out, images);
    if (!a->latents.empty()) save_tensor(a->latents, z.to(torch::kCPU));
    ctx.text() << "wrote " << a->count << " samples of " << a->generator << " (" << model->kind_name() << ", "
               << model->config().arch << ") to " << a->out << "\n";
    ctx.emit({{"out", a->out},
              {"count", a->count},
              {"generator", a->generator},
              {"model", model->config().to_json()},
              {"mean_intensity", images.mean().item<double>()}});
  });
}

}  // namespace genreg::cli
