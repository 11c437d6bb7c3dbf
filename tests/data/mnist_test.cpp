#include "genreg/data/mnist.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "genreg/core/error.h"
#include "genreg/data/dataset.h"

using namespace genreg;

namespace {

// The dataset is loaded once for all tests (parsing 10 JSON files takes about a second).
const Dataset& train() {
  static const Dataset d = load_dataset("mnist", DatasetOptions().split("train"));
  return d;
}
const Dataset& test() {
  static const Dataset d = load_dataset("mnist", DatasetOptions().split("test"));
  return d;
}

}  // namespace

TEST(Mnist, SplitCountsAndShapeFollowTheProtocol) {
  EXPECT_EQ(train().size(), 8000);
  EXPECT_EQ(test().size(), 2000);
  EXPECT_EQ(train().split_size, 8000);
  EXPECT_EQ(train().images.sizes(), (std::vector<int64_t>{8000, 1, 28, 28}));
  EXPECT_EQ(test().images.scalar_type(), torch::kFloat32);
  EXPECT_GE(train().images.min().item<float>(), 0.0f);
  EXPECT_LE(train().images.max().item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(train().images.max().item<float>(), 1.0f);
}

TEST(Mnist, ImageFourOfTheFirstFileIsTheFirstTestImage) {
  // PROTOCOL.md: concatenate 0.json..9.json; image i is test iff i % 5 == 4. Read 0.json here
  // independently of the loader and compare.
  std::ifstream in(mnist_digits_directory(data_directory()) + "/0.json");
  ASSERT_TRUE(in.good());
  const auto values = nlohmann::json::parse(in)["data"].get<std::vector<float>>();
  auto image = [&](int64_t i) {
    return torch::from_blob(const_cast<float*>(values.data()) + i * 784, {1, 28, 28}).clone();
  };
  EXPECT_TRUE(torch::equal(test().images[0], image(4)));
  EXPECT_TRUE(torch::equal(test().images[1], image(9)));
  EXPECT_TRUE(torch::equal(train().images[0], image(0)));
  EXPECT_TRUE(torch::equal(train().images[4], image(5)));
  EXPECT_EQ(test().labels[0].item<int64_t>(), 0);
}

TEST(Mnist, LabelsCoverEveryDigitInFileOrder) {
  const auto counts = torch::bincount(train().labels) + torch::bincount(test().labels);
  EXPECT_EQ(counts.numel(), 10);
  EXPECT_EQ(counts.sum().item<int64_t>(), 10000);
  // Labels never decrease along a split, since the files are concatenated in digit order.
  EXPECT_TRUE((train().labels.slice(0, 1) >= train().labels.slice(0, 0, -1)).all().item<bool>());
}

TEST(Mnist, IndexRangeSelectsTheSameImages) {
  const auto part = load_dataset("mnist", DatasetOptions().split("test").range(IndexRange::parse("100:200")));
  EXPECT_EQ(part.size(), 100);
  EXPECT_TRUE(torch::equal(part.images, test().images.slice(0, 100, 200)));
  EXPECT_EQ(part.indices[0].item<int64_t>(), 100);
  EXPECT_THROW(load_dataset("mnist", DatasetOptions().split("test").range(IndexRange::parse("1990:2001"))),
               genreg::Error);
}

TEST(Mnist, MissingPackageIsAClearError) {
  try {
    load_dataset("mnist", DatasetOptions().data_dir("/nonexistent/genreg"));
    FAIL() << "expected an error";
  } catch (const genreg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("scripts/setup"), std::string::npos) << e.what();
  }
}
