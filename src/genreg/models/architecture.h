#pragma once
// The networks of a model, chosen by name and sized from the image size.
//
// "paper": the convolutional encoder/critic and transposed-convolution decoder/generator of the
// paper's Appendix B, LeakyReLU(0.2) activations, sigmoid output. Encoder: 3x3 conv (c), 4x4
// stride-2 convs (2c, 2c), dense to the latent vector. Decoder: dense to 2c x H/4 x W/4, two 4x4
// stride-2 transposed convs (2c, c), a 3x3 conv to one channel. Where the paper's decoder ends in a
// dense 64 n^2 -> n^2 layer (40M parameters for mnist, 3.5x slower training and 1.3-3.9x slower
// latent optimisation on CPU, ../shared/FINDINGS.md), this one ends in that 3x3 convolution.
//
// "resnet": GroupNorm + SiLU residual blocks; the resolution halves (average pooling) while both
// sides are even and above 8, channels c, 2c, 4c, 4c, ...; the decoder upsamples (nearest) and then
// convolves, which avoids the checkerboard artefacts of transposed convolutions; the critic uses
// spectral-normalised residual blocks. Meant for 64x64 and larger images (PNG folders of CT slices).
#include <torch/torch.h>

#include "genreg/models/model_config.h"

namespace genreg {

// Images (B,1,H,W) -> (B, outputs).
torch::nn::Sequential make_encoder(const ModelConfig& config, int64_t outputs);
// Latent vectors (B, d) -> images (B,1,H,W) in [0, 1].
torch::nn::Sequential make_decoder(const ModelConfig& config);
// Images (B,1,H,W) -> scores (B, 1). Spectral-normalised layers where `spectral_norm` is true (the
// resnet critic always is).
torch::nn::Sequential make_critic(const ModelConfig& config, bool spectral_norm);

}  // namespace genreg
