// genreg export: a genreg model as TorchScript that plain PyTorch loads (models/torchscript_model.h).
#include "genreg/cli/cli.h"
#include "genreg/core/error.h"
#include "genreg/models/checkpoint.h"
#include "genreg/models/torchscript_model.h"

namespace genreg::cli {

void add_export_command(CLI::App& app, Commands& commands) {
  auto* cmd = app.add_subcommand("export",
                                 "Write a model (generator, denoiser, diffusion or conditional model) as "
                                 "TorchScript for torch.jit.load");
  auto model = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  cmd->add_option("--model", *model, "Checkpoint from genreg train")->required();
  cmd->add_option("--out", *out, "TorchScript file to write (.ts); its genreg.json rides inside")->required();
  commands.add(cmd, [=](Context& ctx) {
    auto loaded = load_model(*model);
    export_torchscript(*loaded, *out);
    ctx.text() << "wrote " << *out << " (" << loaded->kind_name() << ", " << to_string(loaded->role())
               << "): torch.jit.load(\"" << *out << "\") runs it; forward takes a batch of any size\n";
    ctx.emit({{"model", *model},
              {"out", *out},
              {"kind", loaded->kind_name()},
              {"role", to_string(loaded->role())}});
  });
}

}  // namespace genreg::cli
