#include "genreg/io/tensor_file.h"

#include <gtest/gtest.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include "genreg/core/error.h"
#include "genreg/data/dataset.h"
#include "genreg/io/atomic_file.h"
#include "genreg/io/npy.h"
#include "genreg/io/png.h"
#include "test_support.h"

using namespace genreg;
using genreg::testing::TempDir;

TEST(TensorFile, PtAndNpyRoundTrip) {
  TempDir dir;
  auto t = torch::rand({4, 1, 6, 6});
  for (const char* name : {"a.pt", "a.npy"}) {
    save_tensor(dir / name, t);
    EXPECT_TRUE(torch::equal(load_tensor(dir / name), t)) << name;
  }
}

TEST(TensorFile, PtHoldsDictionaries) {
  TempDir dir;
  c10::Dict<std::string, at::Tensor> dict;
  dict.insert("y", torch::ones({3}));
  dict.insert("x", torch::zeros({2, 2}));
  save_pickle(dir / "d.pt", dict);
  const auto back = load_pickle(dir / "d.pt").toGenericDict();
  EXPECT_TRUE(torch::equal(back.at("y").toTensor(), torch::ones({3})));
  EXPECT_THROW(load_tensor(dir / "d.pt"), genreg::Error);  // a dict is not a tensor
}

TEST(TensorFile, LoadImagesAddsMissingDimensionsAndValidates) {
  TempDir dir;
  write_npy(dir / "hw.npy", torch::rand({7, 8}));
  EXPECT_EQ(load_images(dir / "hw.npy").sizes(), (std::vector<int64_t>{1, 1, 7, 8}));
  write_npy(dir / "nhw.npy", torch::rand({3, 7, 8}, torch::kFloat64));
  EXPECT_EQ(load_images(dir / "nhw.npy").sizes(), (std::vector<int64_t>{3, 1, 7, 8}));
  write_png(dir / "img.png", torch::rand({1, 7, 8}));
  EXPECT_EQ(load_images(dir / "img.png").sizes(), (std::vector<int64_t>{1, 1, 7, 8}));
  auto nan = torch::rand({7, 8});
  nan[3][3] = std::nanf("");
  write_npy(dir / "nan.npy", nan);
  EXPECT_THROW(load_images(dir / "nan.npy"), genreg::Error);
  write_npy(dir / "rgb.npy", torch::rand({1, 3, 7, 8}));
  EXPECT_THROW(load_images(dir / "rgb.npy"), genreg::Error);
  EXPECT_THROW(load_images(dir / "absent.png"), genreg::Error);
  std::ofstream(dir / "junk.pt") << "junk";
  EXPECT_THROW(load_images(dir / "junk.pt"), genreg::Error);
}

TEST(AtomicFile, ReplacesWholeFilesAndLeavesNoTemporaries) {
  TempDir dir;
  write_file_atomically(dir / "sub/f.txt", std::string("first"));
  write_file_atomically(dir / "sub/f.txt", std::string("second"));
  const auto bytes = read_file(dir / "sub/f.txt");
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), "second");
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir / "sub")) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
}
