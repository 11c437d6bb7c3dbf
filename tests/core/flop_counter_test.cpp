// The FLOP counter against counts written out by hand for layers of known sizes.
#include "genreg/core/flop_counter.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace genreg {
namespace flop_counter_test {

namespace F = torch::nn::functional;

TEST(FlopCounter, CountsConvolutionsAndProductsAsWrittenOut) {
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({2, 3, 10, 12});
  {
    FlopCounter counter;
    F::conv2d(x, torch::randn({5, 3, 3, 3}), F::Conv2dFuncOptions().padding(1));
    // 2 N C_out H W C_in k_h k_w = 2 * 2 * 5 * 10 * 12 * 3 * 9.
    EXPECT_EQ(counter.flops(), 64800);
  }
  {
    FlopCounter counter;
    // Stride 2, no padding: 4 x 5 outputs per map.
    F::conv2d(x, torch::randn({5, 3, 3, 3}), F::Conv2dFuncOptions().stride(2));
    EXPECT_EQ(counter.flops(), 2 * 2 * 5 * 4 * 5 * 3 * 9);
  }
  {
    FlopCounter counter;
    // Depthwise (3 groups of one channel), dilation 2 and padding 2: 10 x 12 outputs, one input each.
    F::conv2d(x, torch::randn({3, 1, 3, 3}), F::Conv2dFuncOptions().padding(2).dilation(2).groups(3));
    EXPECT_EQ(counter.flops(), 2 * 2 * 3 * 10 * 12 * 1 * 9);
  }
  {
    FlopCounter counter;
    // Transposed, stride 2: every input pixel scatters a 2 x 2 kernel into 4 output maps.
    F::conv_transpose2d(x, torch::randn({3, 4, 2, 2}), F::ConvTranspose2dFuncOptions().stride(2));
    EXPECT_EQ(counter.flops(), 2 * 2 * 3 * 10 * 12 * 4 * 4);
  }
  {
    FlopCounter counter;
    F::linear(torch::randn({4, 7}), torch::randn({6, 7}), torch::randn({6}));  // addmm
    torch::mm(torch::randn({3, 5}), torch::randn({5, 2}));
    torch::bmm(torch::randn({2, 3, 5}), torch::randn({2, 5, 4}));
    EXPECT_EQ(counter.flops(), 2 * 4 * 7 * 6 + 2 * 3 * 5 * 2 + 2 * 2 * 3 * 5 * 4);
    // Element-wise work is not counted.
    const auto before = counter.flops();
    torch::relu(x * 2 + 1);
    EXPECT_EQ(counter.flops(), before);
  }
}

TEST(FlopCounter, CountsTheBackwardPassPerGradientAsked) {
  const auto weight = torch::randn({5, 3, 3, 3}).requires_grad_(true);
  const int64_t forward = 2 * 2 * 5 * 10 * 12 * 3 * 9;
  {
    // The weight's gradient alone: one more forward's worth.
    FlopCounter counter;
    F::conv2d(torch::randn({2, 3, 10, 12}), weight, F::Conv2dFuncOptions().padding(1)).sum().backward();
    EXPECT_EQ(counter.flops(), 2 * forward);
  }
  {
    // The input's and the weight's: two more (as DPS differentiates through a network).
    const auto x = torch::randn({2, 3, 10, 12}).requires_grad_(true);
    FlopCounter counter;
    F::conv2d(x, weight, F::Conv2dFuncOptions().padding(1)).sum().backward();
    EXPECT_EQ(counter.flops(), 3 * forward);
  }
}

TEST(FlopCounter, NestedCountersEachCountTheirOwnSpan) {
  torch::NoGradGuard no_grad;
  const auto a = torch::randn({8, 8});
  FlopCounter outer;
  torch::mm(a, a);
  {
    FlopCounter inner;
    torch::mm(a, a);
    EXPECT_EQ(inner.flops(), 1024);
  }
  EXPECT_EQ(outer.flops(), 2048);  // counted once each, not twice for the nested span
  {
    FlopCounter after;
    EXPECT_EQ(after.flops(), 0);
  }
}

}  // namespace flop_counter_test
}  // namespace genreg
