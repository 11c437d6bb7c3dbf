#include "genreg/data/index_range.h"

#include <gtest/gtest.h>

#include "genreg/core/error.h"

using genreg::IndexRange;

TEST(IndexRange, ParsesSlicesLikePython) {
  auto r = IndexRange::parse("0:200").resolve(2000);
  EXPECT_EQ(r.start, 0);
  EXPECT_EQ(r.stop, 200);
  EXPECT_EQ(r.size(), 200);
  r = IndexRange::parse("100:").resolve(2000);
  EXPECT_EQ(r.start, 100);
  EXPECT_EQ(r.stop, 2000);
  r = IndexRange::parse(":20").resolve(2000);
  EXPECT_EQ(r.start, 0);
  EXPECT_EQ(r.stop, 20);
  r = IndexRange::parse("7").resolve(10);
  EXPECT_EQ(r.start, 7);
  EXPECT_EQ(r.size(), 1);
  r = IndexRange::parse("").resolve(10);
  EXPECT_EQ(r.size(), 10);
  r = IndexRange::parse("all").resolve(10);
  EXPECT_EQ(r.size(), 10);
}

TEST(IndexRange, RejectsBadText) {
  for (const char* bad : {"a:b", "1:2:3", "-1:5", "5:5", "9:3", "1.5"}) {
    EXPECT_THROW(IndexRange::parse(bad), genreg::Error) << bad;
  }
}

TEST(IndexRange, RejectsRangesOutsideTheSplit) {
  EXPECT_THROW(IndexRange::parse("0:201").resolve(200), genreg::Error);
  EXPECT_THROW(IndexRange::parse("200").resolve(200), genreg::Error);
  EXPECT_NO_THROW(IndexRange::parse("199").resolve(200));
}
