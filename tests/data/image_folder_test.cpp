#include "genreg/data/image_folder.h"

#include <gtest/gtest.h>

#include "genreg/core/error.h"
#include "genreg/data/dataset.h"
#include "genreg/io/png.h"
#include "test_support.h"

using namespace genreg;
using genreg::testing::TempDir;

namespace {

// Image k: a constant grey level k / 255, so that its position in the loaded batch shows the order.
void write_level(const std::string& path, int level, int64_t h = 12, int64_t w = 10) {
  write_png(path, torch::full({1, h, w}, level / 255.0));
}

}  // namespace

TEST(ImageFolder, LoadsSortedPngsRecursivelyAndSplitsEveryFifth) {
  TempDir dir;
  for (int k = 0; k < 10; ++k) {
    const std::string sub = k < 5 ? "a" : "b/c";
    write_level(dir / (sub + "/img" + std::to_string(k) + ".png"), 10 * k);
  }
  std::ofstream(dir / "notes.txt") << "not an image";
  EXPECT_EQ(list_png_files(dir.str()).size(), 10u);
  const auto train = load_dataset("folder:" + dir.str(), DatasetOptions().split("train"));
  const auto test = load_dataset("folder:" + dir.str(), DatasetOptions().split("test"));
  ASSERT_EQ(train.size(), 8);
  ASSERT_EQ(test.size(), 2);
  EXPECT_EQ(test.images.sizes(), (std::vector<int64_t>{2, 1, 12, 10}));
  // Sorted order a/img0..4, b/c/img5..9: test = positions 4 and 9.
  EXPECT_NEAR(test.images[0].mean().item<float>(), 40 / 255.0, 1e-6);
  EXPECT_NEAR(test.images[1].mean().item<float>(), 90 / 255.0, 1e-6);
  EXPECT_NEAR(train.images[4].mean().item<float>(), 50 / 255.0, 1e-6);
}

TEST(ImageFolder, UsesTrainAndTestFoldersWhenPresent) {
  TempDir dir;
  for (int k = 0; k < 3; ++k) write_level(dir / ("train/" + std::to_string(k) + ".png"), k);
  write_level(dir / "test/0.png", 200);
  EXPECT_EQ(load_dataset("folder:" + dir.str(), DatasetOptions().split("train")).size(), 3);
  const auto test = load_dataset("folder:" + dir.str(), DatasetOptions().split("test"));
  ASSERT_EQ(test.size(), 1);
  EXPECT_NEAR(test.images.mean().item<float>(), 200 / 255.0, 1e-6);
}

TEST(ImageFolder, ConvertsColourToGreyAndResizes) {
  TempDir dir;
  // Pure green in RGB: BT.601 luma 150/256 of full scale as stb computes it (r*77 + g*150 + b*29) >> 8.
  auto green = torch::zeros({3, 8, 8});
  green[1].fill_(1.0);
  write_png(dir / "train/green.png", green);
  write_level(dir / "train/big.png", 128, 16, 16);
  const auto data = load_dataset("folder:" + dir.str(), DatasetOptions().split("train").image_size({4, 4}));
  EXPECT_EQ(data.images.sizes(), (std::vector<int64_t>{2, 1, 4, 4}));
  EXPECT_NEAR(data.images[0].mean().item<float>(), 128 / 255.0, 1e-6);  // big.png sorts first
  EXPECT_NEAR(data.images[1].mean().item<float>(), (255 * 150 >> 8) / 255.0, 1e-6);
  // Without a size, the first image's size is used and others are resized to it.
  const auto first_size = load_dataset("folder:" + dir.str(), DatasetOptions().split("train"));
  EXPECT_EQ(first_size.images.sizes(), (std::vector<int64_t>{2, 1, 16, 16}));
}

TEST(ImageFolder, ReportsMissingAndEmptyFolders) {
  TempDir dir;
  EXPECT_THROW(load_dataset("folder:" + (dir / "absent")), genreg::Error);
  EXPECT_THROW(load_dataset("folder:" + dir.str()), genreg::Error);  // no PNG at all
  write_level(dir / "train/0.png", 1);
  EXPECT_THROW(load_dataset("folder:" + dir.str(), DatasetOptions().split("test")), genreg::Error);
}

TEST(Dataset, UnknownNamesAndSplitsAreErrors) {
  EXPECT_THROW(load_dataset("cifar"), genreg::Error);
  EXPECT_THROW(load_dataset("shapes", DatasetOptions().split("validation")), genreg::Error);
}

TEST(Dataset, CheckImagesRejectsNanAndOutOfRange) {
  auto images = torch::rand({2, 1, 4, 4});
  EXPECT_NO_THROW(check_images(images, "x"));
  images[1][0][2][2] = std::nanf("");
  EXPECT_THROW(check_images(images, "x"), genreg::Error);
  EXPECT_THROW(check_images(torch::full({1, 1, 4, 4}, 1.5), "x"), genreg::Error);
  EXPECT_THROW(check_images(torch::rand({4, 4}), "x"), genreg::Error);
}
