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

TEST(Mnist, SplitFollowsTheProtocolsPermutation) {
  // PROTOCOL.md: concatenate 0.json..9.json (index j); position p holds j = (p * 7919) mod 10000;
  // train = positions 0..7,999, test image k = position 8,000 + k. Read the files here
  // independently of the loader and compare.
  std::vector<float> all;
  std::vector<int64_t> labels;
  for (int digit = 0; digit < 10; ++digit) {
    std::ifstream in(mnist_digits_directory(data_directory()) + "/" + std::to_string(digit) + ".json");
    ASSERT_TRUE(in.good());
    const auto values = nlohmann::json::parse(in)["data"].get<std::vector<float>>();
    all.insert(all.end(), values.begin(), values.end());
    labels.insert(labels.end(), values.size() / 784, digit);
  }
  ASSERT_EQ(labels.size(), 10000u);
  auto image = [&](int64_t j) { return torch::from_blob(all.data() + j * 784, {1, 28, 28}).clone(); };
  for (int64_t k : {0, 1, 19, 150, 1999}) {
    const int64_t j = ((8000 + k) * 7919) % 10000;
    EXPECT_TRUE(torch::equal(test().images[k], image(j))) << "test image " << k;
    EXPECT_EQ(test().labels[k].item<int64_t>(), labels[j]);
  }
  for (int64_t p : {0, 1, 7999}) EXPECT_TRUE(torch::equal(train().images[p], image((p * 7919) % 10000)));
}

TEST(Mnist, ValidationAndReportImagesHoldEveryDigit) {
  // The reason for the 2026-12 split: validation images 0..19 hold all ten digits and report
  // images 100..199 8 to 13 of each (the earlier split gave zeros only).
  const auto validation = torch::bincount(test().labels.slice(0, 0, 20), {}, 10);
  EXPECT_TRUE((validation > 0).all().item<bool>()) << validation;
  const auto report = torch::bincount(test().labels.slice(0, 100, 200), {}, 10);
  EXPECT_GE(report.min().item<int64_t>(), 8) << report;
  EXPECT_LE(report.max().item<int64_t>(), 13) << report;
}

TEST(Mnist, LabelsCoverEveryDigit) {
  const auto counts = torch::bincount(train().labels) + torch::bincount(test().labels);
  EXPECT_EQ(counts.numel(), 10);
  EXPECT_EQ(counts.sum().item<int64_t>(), 10000);
  // Both splits hold every digit in about the proportions of the whole set.
  const auto train_counts = torch::bincount(train().labels, {}, 10).to(torch::kDouble);
  EXPECT_TRUE(((train_counts / counts.to(torch::kDouble) - 0.8).abs() < 0.05).all().item<bool>());
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
