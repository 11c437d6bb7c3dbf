#pragma once
// Layers the architectures are built from, where LibTorch's own would be slow or missing.
#include <torch/torch.h>

#include <algorithm>

namespace genreg {

// conv_transpose2d with its gradient in the input only (the weights frozen), computed as the
// strided convolution that is its adjoint.
struct TransposedConvInputGradient : torch::autograd::Function<TransposedConvInputGradient> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias, int64_t stride,
                               int64_t padding, int64_t output_padding);
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad);
};

// A transposed convolution (the paper's decoder layers) computed as zero insertion followed by an
// ordinary convolution with the flipped, transposed kernel. Same output as conv_transpose2d with
// the same weight (in_channels, out_channels, k, k); ../shared/FINDINGS.md measured LibTorch 1.13's
// own ConvTranspose2d backward on CPU as the bottleneck of decoder training (350 of 480 ms), and
// this form 2.6-5.3x faster for whole-model training.
struct TransposedConv2dImpl : torch::nn::Module {
  TransposedConv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride,
                       int64_t padding, int64_t output_padding = 0);
  torch::Tensor forward(const torch::Tensor& x);

  int64_t kernel, stride, padding, output_padding;
  torch::Tensor weight, bias;
};
TORCH_MODULE(TransposedConv2d);

// Zero insertion: (B, C, H, W) -> (B, C, (H-1) s + 1, (W-1) s + 1) with x at every s-th pixel.
torch::Tensor insert_zeros(const torch::Tensor& x, int64_t stride);

// Spectral normalisation (Miyato et al. 2018): the weight divided by an estimate of its largest
// singular value, refined by one power iteration per training-mode forward pass. In eval mode the
// stored vectors are used unchanged, so evaluation is deterministic.
torch::Tensor spectral_normalise(const torch::Tensor& weight, torch::Tensor& u, torch::Tensor& v,
                                 bool update);

struct SNConv2dImpl : torch::nn::Module {
  SNConv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride = 1,
               int64_t padding = 0);
  torch::Tensor forward(const torch::Tensor& x);

  int64_t stride, padding;
  torch::Tensor weight, bias, u, v;
};
TORCH_MODULE(SNConv2d);

struct SNLinearImpl : torch::nn::Module {
  SNLinearImpl(int64_t in_features, int64_t out_features);
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight, bias, u, v;
};
TORCH_MODULE(SNLinear);

// Pre-activation residual block: GroupNorm, SiLU, 3x3 convolution, twice, plus a 1x1 projection of
// the input when the channel count changes. GroupNorm normalises each sample on its own, so the
// block keeps a generator's per-sample independence.
struct ResidualBlockImpl : torch::nn::Module {
  ResidualBlockImpl(int64_t in_channels, int64_t out_channels);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::GroupNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, skip{nullptr};
};
TORCH_MODULE(ResidualBlock);

// Critic residual block without normalisation, spectral-normalised convolutions and LeakyReLU,
// optionally halving the resolution (average pooling).
struct CriticBlockImpl : torch::nn::Module {
  CriticBlockImpl(int64_t in_channels, int64_t out_channels, bool downsample);
  torch::Tensor forward(const torch::Tensor& x);

  bool downsample;
  SNConv2d conv1{nullptr}, conv2{nullptr}, skip{nullptr};
};
TORCH_MODULE(CriticBlock);

// Number of groups for GroupNorm on `channels` channels: 8 where it divides, else the largest
// divisor below.
int64_t group_count(int64_t channels);

// A U-Net with `halvings` stride-2 levels needs sides divisible by 2^halvings: `x` (B, C, H, W)
// padded at the bottom and right by replicating its edge; `crop` takes a result of the padded size
// back to H x W (a no-op where nothing was padded).
struct PaddedToMultiple {
  torch::Tensor padded;
  int64_t height = 0, width = 0;
  torch::Tensor crop(const torch::Tensor& y) const;
};
PaddedToMultiple pad_to_multiple(const torch::Tensor& x, int64_t multiple);

// Moving averages of weights (EMA generators, diffusion and flow networks): `average` starts as a
// frozen copy of `source` (same architecture); each update sets every parameter to
// d average + (1 - d) source and copies the buffers.
void start_moving_average(torch::nn::Module& average, torch::nn::Module& source);
void update_moving_average(torch::nn::Module& average, torch::nn::Module& source, double d);
// min(decay, (1 + n) / (10 + n)) after n updates: the warm-up of TensorFlow's
// ExponentialMovingAverage with num_updates, so that early averages forget the initial weights.
inline double warmed_up_decay(double decay, double n) { return std::min(decay, (1.0 + n) / (10.0 + n)); }

}  // namespace genreg
