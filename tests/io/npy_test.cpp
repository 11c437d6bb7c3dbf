#include "genreg/io/npy.h"

#include <gtest/gtest.h>

#include <cstring>

#include "genreg/core/error.h"
#include "test_support.h"

using namespace genreg;

TEST(Npy, HeaderFollowsTheFormatSpecification) {
  const auto bytes = npy_encode(torch::zeros({2, 3}, torch::kFloat32));
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(std::string(bytes.data() + 1, 5), "NUMPY");
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x93);
  EXPECT_EQ(bytes[6], 1);  // version 1.0
  const size_t header_len =
      static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  const std::string header(bytes.data() + 10, header_len);
  EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 0), 0u) << header;
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ((10 + header_len) % 64, 0u);  // data aligned to 64 bytes
  EXPECT_EQ(bytes.size(), 10 + header_len + 6 * 4);
  // One-dimensional shapes are written as Python tuples: (5,).
  const auto one = npy_encode(torch::zeros({5}, torch::kInt64));
  EXPECT_NE(std::string(one.begin(), one.end()).find("'shape': (5,)"), std::string::npos);
}

TEST(Npy, RoundTripsEveryType) {
  for (auto type :
       {torch::kFloat32, torch::kFloat64, torch::kUInt8, torch::kInt32, torch::kInt64, torch::kBool}) {
    auto t = (torch::rand({2, 1, 3, 4}) * 100).to(type);
    const auto back = npy_decode(npy_encode(t));
    EXPECT_EQ(back.scalar_type(), type);
    EXPECT_TRUE(torch::equal(back, t));
  }
}

TEST(Npy, ReadsFortranOrder) {
  // A 2x3 float64 array [[1,2,3],[4,5,6]] in Fortran (column-major) order: 1 4 2 5 3 6.
  std::string header = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }";
  header.append(64 - (10 + header.size() + 1) % 64, ' ');
  header.push_back('\n');
  const double values[] = {1, 4, 2, 5, 3, 6};
  // Built as a string: GCC 12 misreads vector<char>::insert of these ranges (-Wstringop-overread).
  std::string file =
      std::string("\x93NUMPY", 6) + '\x01' + '\x00' + static_cast<char>(header.size()) + '\x00';
  file += header;
  file.append(reinterpret_cast<const char*>(values), sizeof values);
  const std::vector<char> bytes(file.begin(), file.end());
  const auto t = npy_decode(bytes);
  EXPECT_TRUE(torch::equal(t, torch::tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, torch::kFloat64)));
}

TEST(Npy, RejectsTruncatedAndForeignData) {
  auto bytes = npy_encode(torch::zeros({4, 4}));
  bytes.resize(bytes.size() - 1);
  EXPECT_THROW(npy_decode(bytes), genreg::Error);
  EXPECT_THROW(npy_decode(std::vector<char>(20, 'x')), genreg::Error);
  auto big_endian = npy_encode(torch::zeros({2}));
  const std::string s(big_endian.begin(), big_endian.end());
  const auto at = s.find("<f4");
  big_endian[at] = '>';
  EXPECT_THROW(npy_decode(big_endian), genreg::Error);
}

TEST(Npy, FilesRoundTrip) {
  genreg::testing::TempDir dir;
  auto t = torch::randn({3, 1, 5, 5});
  write_npy(dir / "a.npy", t);
  EXPECT_TRUE(torch::equal(read_npy(dir / "a.npy"), t));
  EXPECT_THROW(read_npy(dir / "absent.npy"), genreg::Error);
}
