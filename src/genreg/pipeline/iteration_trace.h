#pragma once
// The course of an iterative method on a few images: after every iteration, the mean PSNR against
// the truth and the mean normalised data discrepancy ||A x_k - y||^2 / (M sigma^2) (1 is the noise
// level, the discrepancy principle's target), recorded through the method's IterationCallback. It
// shows whether a method converged, and whether an earlier iterate was better than the last (the
// semi-convergence of plug-and-play with a network denoiser, of early-stopped latent searches).
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "genreg/functionals/data_fidelity.h"
#include "genreg/io/line_plot.h"
#include "genreg/solvers/reconstructor.h"

namespace genreg {

struct IterationTrace {
  std::vector<double> iteration;    // the callback's iteration numbers (posterior samplers: steps)
  std::vector<double> psnr;         // mean over the traced rows; empty without ground truth
  std::vector<double> discrepancy;  // mean ||A x_k - y||^2 / (M sigma^2)
  int64_t images = 0;
  int64_t rows_per_image = 1;  // starts or samples traced per image

  nlohmann::json to_json() const;
  // PSNR against the iteration (when known) and the discrepancy with the noise level 1.
  std::vector<PlotPanel> panels() const;
};

// Solves `data` (n images) once with `lambda` (n,) and records every iterate the callback sees that
// holds one row per image or `method.batch_per_image()` rows per image in image-major order (the
// layout of restarts and posterior samples); iterates of other sizes (a sampler's chunk of the rows)
// are skipped. `truth` (n images, or undefined) gives the PSNR. Throws genreg::Error when the method
// reported no iterate it could use.
IterationTrace trace_iterations(const Reconstructor& method, const DataFidelity& data,
                                const torch::Tensor& lambda, const torch::Tensor& truth);

}  // namespace genreg
