#pragma once
#include <string>

#include "genreg/data/dataset.h"

namespace genreg {

// Fashion-MNIST from Debian's dataset-fashion-mnist: gzipped IDX files in
// $GENREG_FASHION_MNIST_DIR, default /usr/share/datasets/fashion-mnist. The files' own split:
// train-* (60,000) and t10k-* (10,000), 28x28 bytes scaled to [0, 1].
Dataset load_fashion_mnist(const std::string& split, const IndexRange& range);

// Reads an IDX file (optionally gzipped) of unsigned bytes: returns the dimensions and, for the
// items [first, first + count) along the first dimension, their bytes. Throws genreg::Error on a
// missing or malformed file.
struct IdxData {
  std::vector<int64_t> dims;
  std::vector<uint8_t> bytes;
};
IdxData read_idx_ubyte(const std::string& path, int64_t first = 0, int64_t count = -1);

}  // namespace genreg
