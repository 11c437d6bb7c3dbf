#include "genreg/models/layers.h"

#include <cmath>

#include "genreg/core/error.h"

namespace genreg {

namespace F = torch::nn::functional;

torch::Tensor insert_zeros(const torch::Tensor& x, int64_t stride) {
  if (stride == 1) return x;
  const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  // (B,C,H,1,W,1) padded to (B,C,H,s,W,s), then folded: every s-th pixel is x, the rest zero.
  auto y = torch::constant_pad_nd(x.reshape({b, c, h, 1, w, 1}), {0, stride - 1, 0, 0, 0, stride - 1});
  y = y.reshape({b, c, h * stride, w * stride});
  using torch::indexing::Slice;
  return y.index({Slice(), Slice(), Slice(0, (h - 1) * stride + 1), Slice(0, (w - 1) * stride + 1)});
}

torch::Tensor TransposedConvInputGradient::forward(torch::autograd::AutogradContext* ctx,
                                                   const torch::Tensor& x, const torch::Tensor& weight,
                                                   const torch::Tensor& bias, int64_t stride, int64_t padding,
                                                   int64_t output_padding) {
  ctx->save_for_backward({weight});
  ctx->saved_data["stride"] = stride;
  ctx->saved_data["padding"] = padding;
  return torch::conv_transpose2d(x, weight, bias, stride, padding, output_padding);
}

torch::autograd::variable_list TransposedConvInputGradient::backward(torch::autograd::AutogradContext* ctx,
                                                                     torch::autograd::variable_list grad) {
  const auto weight = ctx->get_saved_variables()[0];
  const auto stride = ctx->saved_data["stride"].toInt(), padding = ctx->saved_data["padding"].toInt();
  // The adjoint of a transposed convolution is the convolution with the same weight.
  const auto grad_x = torch::conv2d(grad[0], weight, {}, stride, padding);
  return {grad_x, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
}

TransposedConv2dImpl::TransposedConv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_,
                                           int64_t stride_, int64_t padding_, int64_t output_padding_)
    : kernel(kernel_), stride(stride_), padding(padding_), output_padding(output_padding_) {
  require(kernel - 1 - padding >= 0, "transposed convolution needs padding < kernel");
  require(output_padding < stride, "transposed convolution needs output_padding < stride");
  // PyTorch's ConvTranspose2d initialisation: uniform(+-1/sqrt(fan)), fan = out_channels k^2.
  const double bound = 1.0 / std::sqrt(static_cast<double>(out_channels * kernel * kernel));
  weight = register_parameter(
      "weight", torch::empty({in_channels, out_channels, kernel, kernel}).uniform_(-bound, bound));
  bias = register_parameter("bias", torch::empty({out_channels}).uniform_(-bound, bound));
}

torch::Tensor TransposedConv2dImpl::forward(const torch::Tensor& x) {
  // Generation: LibTorch's own forward pass computes 1/stride^2 of the products of zero insertion.
  if (!torch::GradMode::is_enabled())
    return torch::conv_transpose2d(x, weight, bias, stride, padding, output_padding);
  // Latent optimisation (frozen weights, gradient in the input only): LibTorch's own forward, and
  // its input gradient as the strided convolution it is. Measured on 800 samples of the paper
  // decoder (2 cores): LibTorch's ConvTranspose2d input gradient 14.4 s, zero insertion 1.8 s.
  if (!weight.requires_grad() && !bias.requires_grad())
    return TransposedConvInputGradient::apply(x, weight, bias, stride, padding, output_padding);
  // conv_transpose2d(x, W) = conv2d(pad(insert_zeros(x)), flip(W)^T): output side (H-1)s - 2p + k + op.
  const int64_t lead = kernel - 1 - padding, trail = lead + output_padding;
  auto y = torch::constant_pad_nd(insert_zeros(x, stride), {lead, trail, lead, trail});
  return torch::conv2d(y, weight.flip({2, 3}).transpose(0, 1), bias);
}

torch::Tensor spectral_normalise(const torch::Tensor& weight, torch::Tensor& u, torch::Tensor& v,
                                 bool update) {
  const auto w = weight.reshape({weight.size(0), -1});
  if (update) {
    torch::NoGradGuard no_grad;
    auto nv = F::normalize(torch::mv(w.t(), u), F::NormalizeFuncOptions().dim(0).eps(1e-12));
    auto nu = F::normalize(torch::mv(w, nv), F::NormalizeFuncOptions().dim(0).eps(1e-12));
    u.copy_(nu);
    v.copy_(nv);
  }
  // sigma = u^T W v with u, v constants: the gradient flows through W only (as in PyTorch). The
  // copies keep earlier graphs valid when a later forward pass updates u and v in place.
  const auto sigma = torch::dot(u.clone(), torch::mv(w, v.clone()));
  return weight / sigma;
}

namespace {
torch::Tensor unit_vector(int64_t n) {
  return F::normalize(torch::randn({n}), F::NormalizeFuncOptions().dim(0).eps(1e-12));
}
}  // namespace

SNConv2dImpl::SNConv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride_,
                           int64_t padding_)
    : stride(stride_), padding(padding_) {
  torch::nn::Conv2d init(torch::nn::Conv2dOptions(in_channels, out_channels, kernel));
  weight = register_parameter("weight", init->weight.detach().clone());
  bias = register_parameter("bias", init->bias.detach().clone());
  u = register_buffer("u", unit_vector(out_channels));
  v = register_buffer("v", unit_vector(in_channels * kernel * kernel));
}

torch::Tensor SNConv2dImpl::forward(const torch::Tensor& x) {
  return torch::conv2d(x, spectral_normalise(weight, u, v, is_training()), bias, stride, padding);
}

SNLinearImpl::SNLinearImpl(int64_t in_features, int64_t out_features) {
  torch::nn::Linear init(in_features, out_features);
  weight = register_parameter("weight", init->weight.detach().clone());
  bias = register_parameter("bias", init->bias.detach().clone());
  u = register_buffer("u", unit_vector(out_features));
  v = register_buffer("v", unit_vector(in_features));
}

torch::Tensor SNLinearImpl::forward(const torch::Tensor& x) {
  return torch::linear(x, spectral_normalise(weight, u, v, is_training()), bias);
}

int64_t group_count(int64_t channels) {
  for (int64_t g = std::min<int64_t>(8, channels); g > 1; --g)
    if (channels % g == 0) return g;
  return 1;
}

ResidualBlockImpl::ResidualBlockImpl(int64_t in_channels, int64_t out_channels) {
  norm1 = register_module("norm1", torch::nn::GroupNorm(group_count(in_channels), in_channels));
  conv1 = register_module(
      "conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, out_channels, 3).padding(1)));
  norm2 = register_module("norm2", torch::nn::GroupNorm(group_count(out_channels), out_channels));
  conv2 = register_module(
      "conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(out_channels, out_channels, 3).padding(1)));
  if (in_channels != out_channels)
    skip = register_module("skip", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, out_channels, 1)));
}

torch::Tensor ResidualBlockImpl::forward(const torch::Tensor& x) {
  auto h = conv1(torch::silu(norm1(x)));
  h = conv2(torch::silu(norm2(h)));
  return (skip ? skip(x) : x) + h;
}

CriticBlockImpl::CriticBlockImpl(int64_t in_channels, int64_t out_channels, bool downsample_)
    : downsample(downsample_) {
  conv1 = register_module("conv1", SNConv2d(in_channels, out_channels, 3, 1, 1));
  conv2 = register_module("conv2", SNConv2d(out_channels, out_channels, 3, 1, 1));
  if (in_channels != out_channels || downsample)
    skip = register_module("skip", SNConv2d(in_channels, out_channels, 1));
}

torch::Tensor CriticBlockImpl::forward(const torch::Tensor& x) {
  auto h = conv1(torch::leaky_relu(x, 0.2));
  h = conv2(torch::leaky_relu(h, 0.2));
  auto s = skip ? skip(x) : x;
  if (downsample) {
    h = torch::avg_pool2d(h, 2);
    s = torch::avg_pool2d(s, 2);
  }
  return s + h;
}

PaddedToMultiple pad_to_multiple(const torch::Tensor& x, int64_t multiple) {
  PaddedToMultiple out;
  out.height = x.size(2);
  out.width = x.size(3);
  const int64_t ph = (multiple - out.height % multiple) % multiple,
                pw = (multiple - out.width % multiple) % multiple;
  out.padded = ph > 0 || pw > 0
                   ? torch::nn::functional::pad(
                         x, torch::nn::functional::PadFuncOptions({0, pw, 0, ph}).mode(torch::kReplicate))
                   : x;
  return out;
}

torch::Tensor PaddedToMultiple::crop(const torch::Tensor& y) const {
  return y.size(2) == height && y.size(3) == width ? y : y.narrow(2, 0, height).narrow(3, 0, width);
}

void start_moving_average(torch::nn::Module& average, torch::nn::Module& source) {
  torch::NoGradGuard no_grad;
  const auto weights = source.named_parameters();
  for (auto& p : average.named_parameters()) {
    p.value().copy_(weights[p.key()]);
    p.value().set_requires_grad(false);
  }
  const auto buffers = source.named_buffers();
  for (auto& b : average.named_buffers()) b.value().copy_(buffers[b.key()]);
}

void update_moving_average(torch::nn::Module& average, torch::nn::Module& source, double d) {
  torch::NoGradGuard no_grad;
  const auto weights = source.named_parameters();
  for (auto& p : average.named_parameters()) p.value().mul_(d).add_(weights[p.key()], 1.0 - d);
  const auto buffers = source.named_buffers();
  for (auto& b : average.named_buffers()) b.value().copy_(buffers[b.key()]);
}

}  // namespace genreg
