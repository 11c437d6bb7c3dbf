// genreg sample: images from a trained generator, G(z) with z ~ N(0, I), or from a diffusion model
// by DDPM's ancestral sampler or DDIM (models/diffusion_sampling.h), as a grid or an array.
#include <filesystem>

#include "genreg/cli/cli.h"
#include "genreg/cli/option_domains.h"
#include "genreg/core/error.h"
#include "genreg/io/image_grid.h"
#include "genreg/io/output_paths.h"
#include "genreg/io/tensor_file.h"
#include "genreg/models/checkpoint.h"
#include "genreg/models/diffusion_sampling.h"

namespace genreg::cli {

void add_sample_command(CLI::App& app, Commands& commands) {
  auto* sample = app.add_subcommand("sample", "Draw images from a trained generator or diffusion model");
  struct Args {
    std::string generator, out, latents, sampler = "ddim";
    int64_t count = 64, columns = 8, steps = 50;
    double scale = 1.0;
  };
  auto a = std::make_shared<Args>();
  sample->add_option("--generator,--model", a->generator, "Model checkpoint (.pt) written by genreg train")
      ->required();
  sample->add_option("--sampler", a->sampler, "Diffusion models: ddpm (ancestral) or ddim (deterministic)")
      ->capture_default_str();
  sample->add_option("--steps", a->steps, "Diffusion models: sampling steps of the model's T")
      ->capture_default_str();
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
                         {"--scale", positive_real()},
                         {"--steps", positive_integer(100000)}});
  commands.add(sample, [=](Context& ctx) {
    require(a->count >= 1 && a->count <= 100000, "--count must be in 1..100000");
    require(a->columns >= 1, "--columns must be positive");
    require(a->scale > 0, "--scale must be positive");
    check_output_file(a->out, {".png", ".pt", ".npy"}, "sample");
    if (!a->latents.empty()) check_output_file(a->latents, {".pt", ".npy"}, "latent");
    const auto loaded = load_model(a->generator, ctx.device());
    if (loaded->role() == ModelRole::noise_predictor) {
      require(a->sampler == "ddpm" || a->sampler == "ddim", "unknown --sampler '", a->sampler,
              "' (use ddpm or ddim)");
      require(sample->count("--scale") == 0 && a->latents.empty(),
              "--scale and --latents are for generators");
      const auto size = loaded->image_size();
      const auto images = sample_prior(*model_as<NoisePredictor>(loaded, a->generator), a->count, size[0],
                                       size[1], ctx.device(),
                                       PriorSamplingOptions()
                                           .steps(a->steps)
                                           .eta(a->sampler == "ddpm" ? 1.0 : 0.0)
                                           .seed(ctx.options().seed));
      const auto ext = std::filesystem::path(a->out).extension().string();
      if (ext == ".png")
        write_image_grid(a->out, images, GridOptions().columns(a->columns));
      else
        save_tensor(a->out, images);
      ctx.text() << "wrote " << a->count << " samples of " << a->generator << " (" << loaded->kind_name()
                 << ", " << a->sampler << ", " << a->steps << " steps) to " << a->out << "\n";
      ctx.emit({{"out", a->out},
                {"count", a->count},
                {"model", loaded->describe()},
                {"sampler", a->sampler},
                {"steps", a->steps},
                {"mean_intensity", images.mean().item<double>()}});
      return;
    }
    require(sample->count("--sampler") == 0 && sample->count("--steps") == 0,
            "--sampler and --steps are for diffusion models");
    // Any generator: genreg's kinds or a TorchScript generator (models/torchscript_model.h).
    check_role(*loaded, ModelRole::generator, a->generator);
    const auto model = model_as<Generator>(loaded, a->generator);
    const auto z = model->sample_latent(a->count) * a->scale;
    const auto images = decode_in_chunks(*model, z);
    const auto ext = std::filesystem::path(a->out).extension().string();
    if (ext == ".png")
      write_image_grid(a->out, images, GridOptions().columns(a->columns));
    else
      save_tensor(a->out, images);
    if (!a->latents.empty()) save_tensor(a->latents, z.to(torch::kCPU));
    const auto description = loaded->describe();
    ctx.text() << "wrote " << a->count << " samples of " << a->generator << " (" << loaded->served_kind()
               << ", " << description.value("arch", std::string("scripted")) << ") to " << a->out << "\n";
    ctx.emit({{"out", a->out},
              {"count", a->count},
              {"generator", a->generator},
              {"model", description},
              {"mean_intensity", images.mean().item<double>()}});
  });
}

}  // namespace genreg::cli
