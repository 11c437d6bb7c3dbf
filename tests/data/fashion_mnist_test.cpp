#include "genreg/data/fashion_mnist.h"

#include <gtest/gtest.h>

#include <fstream>

#include "genreg/core/error.h"
#include "genreg/data/dataset.h"
#include "test_support.h"

using namespace genreg;

TEST(FashionMnist, UsesTheFilesOwnSplit) {
  const auto test = load_dataset("fashion-mnist", DatasetOptions().split("test"));
  EXPECT_EQ(test.images.sizes(), (std::vector<int64_t>{10000, 1, 28, 28}));
  EXPECT_GE(test.images.min().item<float>(), 0.0f);
  EXPECT_LE(test.images.max().item<float>(), 1.0f);
  EXPECT_EQ(torch::bincount(test.labels).numel(), 10);
  // Fashion-MNIST's test set has exactly 1,000 images per class.
  EXPECT_TRUE((torch::bincount(test.labels) == 1000).all().item<bool>());
  const auto train =
      load_dataset("fashion-mnist", DatasetOptions().split("train").range(IndexRange::parse("0:10")));
  EXPECT_EQ(train.split_size, 60000);
}

TEST(FashionMnist, RangeReadsTheSameBytesAsAFullRead) {
  const auto head =
      load_dataset("fashion-mnist", DatasetOptions().split("train").range(IndexRange::parse("0:30")));
  const auto part =
      load_dataset("fashion-mnist", DatasetOptions().split("train").range(IndexRange::parse("10:20")));
  EXPECT_TRUE(torch::equal(part.images, head.images.slice(0, 10, 20)));
  EXPECT_TRUE(torch::equal(part.labels, head.labels.slice(0, 10, 20)));
  // Pixels are bytes / 255.
  const auto levels = (head.images * 255.0f).round() / 255.0f;
  EXPECT_TRUE(torch::allclose(levels, head.images));
}

TEST(FashionMnist, RejectsAFileThatIsNotIdx) {
  genreg::testing::TempDir dir;
  std::ofstream(dir / "junk.gz") << "not an idx file";
  EXPECT_THROW(read_idx_ubyte(dir / "junk.gz"), genreg::Error);
  EXPECT_THROW(read_idx_ubyte("/nonexistent.gz"), genreg::Error);
}
