// The denormals-to-zero mode in every thread that LibTorch computes on (core/runtime.h). The test
// program sets it at load as the genreg program does, before the libraries start their threads.
#include "genreg/core/runtime.h"

#include <gtest/gtest.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <torch/torch.h>

namespace {

void tests_at_load(int, char**, char**) { genreg::denormals_to_zero_at_load(); }
__attribute__((section(".preinit_array"), used)) void (*const tests_preinit)(int, char**,
                                                                             char**) = &tests_at_load;

}  // namespace

TEST(Runtime, FreedTensorMemoryStaysInTheHeap) {
#if defined(__GLIBC__)
  ASSERT_TRUE(genreg::keep_freed_memory());
  const auto mapped = mallinfo2().hblkhd;  // bytes in blocks served by their own mmap
  // 16 MiB, a batch of latent-solve activations: from the heap, not a fresh mapping (with glibc's
  // defaults a fresh process maps it: the threshold starts at 128 KiB).
  const auto t = torch::empty({4 << 20});
  EXPECT_EQ(mallinfo2().hblkhd, mapped);
#else
  GTEST_SKIP() << "not glibc";
#endif
}

TEST(Runtime, DenormalsAreFlushedInEveryComputeThread) {
  // 1e-39 is a denormal float32: read as zero under DAZ, so a product with 1 is exactly 0. The
  // tensor is large enough for LibTorch to split the product over all its threads.
  const auto tiny = torch::full({1 << 20}, 1e-39f);
  ASSERT_GT(torch::get_num_threads(), 0);
  EXPECT_EQ((tiny * 1.0f).count_nonzero().item<int64_t>(), 0);
  // A normal float still multiplies as usual.
  EXPECT_EQ((torch::full({1 << 20}, 1e-30f) * 1.0f).count_nonzero().item<int64_t>(), 1 << 20);
  // Products that underflow into the denormal range come out as 0 (flush to zero).
  EXPECT_EQ((torch::full({1 << 20}, 1e-20f) * 1e-19f).count_nonzero().item<int64_t>(), 0);
}
