#pragma once
// Loss terms of the generative models, as the papers define them.
#include <torch/torch.h>

#include <functional>

namespace genreg {

using CriticFunction = std::function<torch::Tensor(const torch::Tensor&)>;

// KL( N(mu, diag exp(logvar)) || N(0, I) ) per sample, in closed form (Kingma & Welling 2014, app. B):
// 0.5 sum_j (exp(logvar_j) + mu_j^2 - 1 - logvar_j). mu, logvar: (B, d) -> (B,).
torch::Tensor gaussian_kl(const torch::Tensor& mu, const torch::Tensor& logvar);

// WGAN-GP penalty (Gulrajani et al. 2017): mean over the batch of (||grad D(x_hat)||_2 - 1)^2 at
// x_hat = alpha real + (1 - alpha) fake, alpha (B,1,1,1). Differentiable in the critic's weights
// (double backward).
torch::Tensor gradient_penalty(const CriticFunction& critic, const torch::Tensor& real,
                               const torch::Tensor& fake, const torch::Tensor& alpha);

// R1 penalty (Mescheder et al. 2018): mean over the batch of ||grad D(x)||_2^2 at real images; the
// trainer weights it by gamma / 2.
torch::Tensor r1_penalty(const CriticFunction& critic, const torch::Tensor& real);

}  // namespace genreg
