#include "genreg/io/npy.h"

#include <cstring>
#include <regex>

#include "genreg/core/error.h"
#include "genreg/io/atomic_file.h"

namespace genreg {
namespace {

const char kMagic[] = "\x93NUMPY";

std::string descr_of(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat32:
      return "<f4";
    case torch::kFloat64:
      return "<f8";
    case torch::kUInt8:
      return "|u1";
    case torch::kInt32:
      return "<i4";
    case torch::kInt64:
      return "<i8";
    case torch::kBool:
      return "|b1";
    default:
      fail("npy: cannot store tensors of type ", type);
  }
}

torch::ScalarType type_of(const std::string& descr, const std::string& what) {
  if (descr == "<f4" || descr == "=f4") return torch::kFloat32;
  if (descr == "<f8" || descr == "=f8") return torch::kFloat64;
  if (descr == "|u1" || descr == "<u1") return torch::kUInt8;
  if (descr == "<i4" || descr == "=i4") return torch::kInt32;
  if (descr == "<i8" || descr == "=i8") return torch::kInt64;
  if (descr == "|b1") return torch::kBool;
  fail(what, ": unsupported npy dtype '", descr, "' (use float32, float64, uint8, int32, int64 or bool)");
}

}  // namespace

std::vector<char> npy_encode(const torch::Tensor& tensor) {
  require(tensor.defined(), "npy: undefined tensor");
  const auto data = tensor.detach().to(torch::kCPU).contiguous();
  std::string shape = "(";
  for (int64_t d = 0; d < data.dim(); ++d)
    shape += std::to_string(data.size(d)) + (data.dim() == 1 ? "," : (d + 1 < data.dim() ? ", " : ""));
  shape += ")";
  std::string header =
      "{'descr': '" + descr_of(data.scalar_type()) + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Version 1.0: magic, 2 version bytes, 2-byte little-endian header length; the header is padded
  // with spaces and ends in '\n' so that the data starts on a 64-byte boundary.
  const size_t unpadded = 6 + 2 + 2 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  require(header.size() < 65536, "npy: shape too long for a version 1.0 header");
  std::vector<char> out(kMagic, kMagic + 6);
  out.push_back(1);
  out.push_back(0);
  out.push_back(static_cast<char>(header.size() & 0xFF));
  out.push_back(static_cast<char>(header.size() >> 8));
  out.insert(out.end(), header.begin(), header.end());
  const auto* bytes = static_cast<const char*>(data.data_ptr());
  out.insert(out.end(), bytes, bytes + data.numel() * data.element_size());
  return out;
}

torch::Tensor npy_decode(const std::vector<char>& bytes, const std::string& what) {
  require(bytes.size() >= 10 && std::memcmp(bytes.data(), kMagic, 6) == 0, what, " is not a .npy file");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) |
                 (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    require(bytes.size() >= 12, what, " is truncated");
    for (int i = 0; i < 4; ++i)
      header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    fail(what, ": unsupported npy format version ", major);
  }
  require(bytes.size() >= offset + header_len, what, " is truncated");
  const std::string header(bytes.data() + offset, header_len);
  std::smatch m;
  require(std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']+)'")), what,
          ": npy header without descr");
  const auto type = type_of(m[1].str(), what);
  require(std::regex_search(header, m, std::regex("'fortran_order'\\s*:\\s*(True|False)")), what,
          ": npy header without fortran_order");
  const bool fortran = m[1].str() == "True";
  require(std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)")), what,
          ": npy header without shape");
  std::vector<int64_t> shape;
  const std::string dims = m[1].str();
  std::regex number("\\d+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), number); it != std::sregex_iterator(); ++it)
    shape.push_back(std::stoll(it->str()));
  int64_t count = 1;
  for (auto d : shape) count *= d;
  const size_t data_offset = offset + header_len;
  const size_t need = static_cast<size_t>(count) * torch::elementSize(type);
  require(bytes.size() - data_offset >= need, what, " is truncated (", bytes.size() - data_offset, " of ",
          need, " data bytes)");
  if (fortran) {
    // Fortran order: the data is the C-order array of the reversed shape, transposed.
    std::vector<int64_t> reversed(shape.rbegin(), shape.rend());
    auto t = torch::empty(reversed, torch::TensorOptions().dtype(type));
    std::memcpy(t.data_ptr(), bytes.data() + data_offset, need);
    std::vector<int64_t> order;
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) order.push_back(d);
    return t.permute(order).contiguous();
  }
  auto t = torch::empty(shape, torch::TensorOptions().dtype(type));
  std::memcpy(t.data_ptr(), bytes.data() + data_offset, need);
  return t;
}

void write_npy(const std::string& path, const torch::Tensor& tensor) {
  write_file_atomically(path, npy_encode(tensor));
}

torch::Tensor read_npy(const std::string& path) { return npy_decode(read_file(path), path); }

}  // namespace genreg
