#include "genreg/data/fashion_mnist.h"

#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "genreg/core/error.h"

namespace genreg {
namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

void read_exact(gzFile file, void* buffer, size_t size, const std::string& path) {
  auto* dst = static_cast<unsigned char*>(buffer);
  while (size > 0) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(size, 1u << 30));
    const int got = gzread(file, dst, chunk);
    require(got > 0, "IDX file ", path, " is truncated or corrupt");
    dst += got;
    size -= static_cast<size_t>(got);
  }
}

std::string fashion_directory() {
  if (const char* dir = std::getenv("GENREG_FASHION_MNIST_DIR"); dir && *dir) return dir;
  return "/usr/share/datasets/fashion-mnist";
}

}  // namespace

IdxData read_idx_ubyte(const std::string& path, int64_t first, int64_t count) {
  require(std::filesystem::exists(path), "no such file: ", path);
  std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));  // reads plain files too
  require(file != nullptr, "cannot open ", path);
  unsigned char magic[4];
  read_exact(file.get(), magic, 4, path);
  // IDX magic: two zero bytes, the type code (0x08 = unsigned byte), the number of dimensions.
  require(magic[0] == 0 && magic[1] == 0 && magic[2] == 0x08 && magic[3] >= 1 && magic[3] <= 4, path,
          " is not an IDX file of unsigned bytes");
  IdxData out;
  int64_t item = 1;
  for (int d = 0; d < magic[3]; ++d) {
    unsigned char b[4];
    read_exact(file.get(), b, 4, path);  // big-endian sizes
    const int64_t n = (int64_t(b[0]) << 24) | (int64_t(b[1]) << 16) | (int64_t(b[2]) << 8) | b[3];
    out.dims.push_back(n);
    if (d > 0) item *= n;
  }
  if (count < 0) count = out.dims[0] - first;
  require(first >= 0 && first + count <= out.dims[0], path, " holds ", out.dims[0],
          " items, fewer than requested");
  require(gzseek(file.get(), static_cast<z_off_t>(first * item), SEEK_CUR) >= 0, "cannot seek in ", path);
  out.bytes.resize(static_cast<size_t>(count * item));
  if (!out.bytes.empty()) read_exact(file.get(), out.bytes.data(), out.bytes.size(), path);
  return out;
}

Dataset load_fashion_mnist(const std::string& split, const IndexRange& range) {
  const std::string dir = fashion_directory();
  const std::string prefix = dir + "/" + (split == "test" ? "t10k" : "train");
  const std::string image_path = prefix + "-images-idx3-ubyte.gz";
  const std::string label_path = prefix + "-labels-idx1-ubyte.gz";
  require(std::filesystem::exists(image_path), "fashion-mnist: no such file: ", image_path,
          " (install Debian's dataset-fashion-mnist: run scripts/setup)");
  // Read the header only, to know the split size before reading the requested images.
  const int64_t split_size = read_idx_ubyte(image_path, 0, 0).dims[0];
  const IndexRange r = range.resolve(split_size);
  const IdxData images = read_idx_ubyte(image_path, r.start, r.size());
  require(images.dims.size() == 3, "fashion-mnist: ", image_path, " is not a stack of images");
  const IdxData labels = read_idx_ubyte(label_path, r.start, r.size());
  Dataset data;
  data.split_size = split_size;
  data.images = torch::from_blob(const_cast<uint8_t*>(images.bytes.data()),
                                 {r.size(), 1, images.dims[1], images.dims[2]}, torch::kUInt8)
                    .to(torch::kFloat32)
                    .div_(255.0);
  data.labels = torch::from_blob(const_cast<uint8_t*>(labels.bytes.data()), {r.size()}, torch::kUInt8)
                    .to(torch::kInt64);
  data.indices = torch::arange(r.start, r.stop, torch::kInt64);
  return data;
}

}  // namespace genreg
