#pragma once
// TorchScript models in both directions. A network written in Python and saved as TorchScript
// (torch.jit.script or torch.jit.trace, then torch.jit.save) loads as a genreg model of its role and
// serves every method of that role; a genreg model exports as TorchScript that plain PyTorch loads
// (torch.jit.load) and runs with the same outputs.
//
// A TorchScript file is a genreg model when a small JSON names its role and sizes, inside the
// archive as the extra file "genreg.json" (torch.jit.save(m, path, _extra_files={"genreg.json": ..}))
// or beside it as PATH.json or STEM.json:
//   {"role": "generator", "image_size": [28, 28], "latent_dim": 8}
//       forward(z (B, d)) -> x (B, 1, H, W); an optional method encode(x) -> z
//   {"role": "denoiser", "image_size": [28, 28], "noise_range": [0, 0.5]}
//       forward(x (B, 1, H, W), sigma (B,)) -> x
//   {"role": "noise_predictor", "image_size": [28, 28], "schedule": {"kind": "linear", "steps": 1000}}
//       forward(x_t (B, 1, H, W), t (B,) int64) -> eps; "alphas_cumprod": [..] instead of "schedule"
//   {"role": "conditional_generator", "image_size": [28, 28], "genreg_kind": "cfm",
//    "latent_shape": [1, 28, 28], "operator": "cs:150", "noise": "0.1"}
//       forward(z (B, *latent_shape), c (B, 1, H, W)) -> x, or forward(c) with "latent_shape": [];
//       c is the back-projection A^T y of measurements of that acquisition; "genreg_kind" names the
//       method it serves (cfm, pix2pix, postprocess); a flow model integrates its ODE inside forward
// Images are on genreg's [0, 1] scale, a noise predictor's on [-1, 1] (models/noise_predictor.h).
#include <torch/torch.h>

#include <string>

#include "genreg/models/model.h"

namespace genreg {

// A role as an identifier ("noise_predictor"), how genreg.json and Python name it; and back, from
// either spelling ("noise predictor" as to_string gives it). parse_role_name throws genreg::Error
// naming the roles.
std::string role_identifier(ModelRole role);
ModelRole parse_role_name(const std::string& name);

// True when `path` is a TorchScript archive (code and constants, not a pickled dict).
bool is_torchscript_file(const std::string& path);

// The TorchScript model at `path` on `device`, in eval mode with its weights frozen. Throws
// genreg::Error for a file without its JSON, an unknown role, missing sizes, or a module whose
// forward fails or returns the wrong shape on a one-image batch.
ModelPtr load_torchscript_model(const std::string& path, torch::Device device = torch::kCPU);

// Writes `model`'s map of its role (generator: z -> x, denoiser: (x, sigma) -> x, noise predictor:
// (x_t, t) -> eps, conditional: (z, A^T y) -> x with a flow's ODE unrolled at its default steps) as
// TorchScript with its genreg.json inside, traced on the CPU one image at a time: forward loops over
// the batch, so any batch size runs. The weights become constants of the traced graph. Throws
// genreg::Error for a conditional model whose condition is not A^T y (the Wiener condition needs
// genreg's training statistics).
void export_torchscript(Model& model, const std::string& path);

}  // namespace genreg
