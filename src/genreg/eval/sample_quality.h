#pragma once
// Sample quality in a feature space, the GAN lecture's way (eval/feature_network.h gives the
// features): both compare N real and M generated feature vectors.
//   Frechet distance (Heusel et al. 2017, "FID" with Inception features): the 2-Wasserstein distance
//     of the Gaussians fitted to the two sets, ||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^{1/2}).
//   Improved precision and recall (Kynkaanniemi et al. 2019): each set's manifold is the union of
//     balls around its points with radius the distance to the k-th nearest neighbour in the same
//     set; precision is the share of generated points inside the real manifold (are samples
//     plausible?), recall the share of real points inside the generated one (is the data covered?).
#include <torch/torch.h>

#include <nlohmann/json.hpp>

namespace genreg {

// real (N, D), generated (M, D), N, M >= 2; float64 on the CPU internally.
double frechet_distance(const torch::Tensor& real, const torch::Tensor& generated);

struct PrecisionRecall {
  double precision = 0.0, recall = 0.0;
  int64_t k = 3;
};

// k in 1..min(N, M) - 1 (Kynkaanniemi et al. use 3).
PrecisionRecall precision_recall(const torch::Tensor& real, const torch::Tensor& generated, int64_t k = 3);

}  // namespace genreg
