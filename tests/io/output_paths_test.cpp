// Output paths are checked before any work, and a folder being rewritten is marked incomplete
// (no results.json, no report.html) until the new run writes them last.
#include "genreg/io/output_paths.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "genreg/core/error.h"
#include "test_support.h"

namespace genreg {
namespace {

bool exists(const std::string& path) { return std::filesystem::exists(path); }

TEST(OutputPaths, AFolderBeingRewrittenLosesItsResultsUntilTheRunEnds) {
  testing::TempDir dir;
  const std::string out = dir / "run";
  prepare_output_folder(out);  // created
  for (const char* name : {"results.json", "report.html", "grid.png"}) std::ofstream(out + "/" + name) << "x";
  prepare_output_folder(out);
  EXPECT_FALSE(exists(out + "/results.json"));
  EXPECT_FALSE(exists(out + "/report.html"));
  EXPECT_TRUE(exists(out + "/grid.png"));  // the run replaces it; until then results.json is absent
  // No probe file is left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(out), std::filesystem::directory_iterator()),
            1);
}

TEST(OutputPaths, UnwritablePlacesAndWrongNamesAreRefusedWithTheReason) {
  testing::TempDir dir;
  std::ofstream(dir / "file") << "x";
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([&] { prepare_output_folder(dir / "file"); }).find("it is a file, not a folder"),
            std::string::npos);
  EXPECT_NE(message([&] { prepare_output_folder(dir / "file/sub"); }).find("cannot write to"),
            std::string::npos);
  EXPECT_NE(message([&] { check_output_file(dir.str(), {}, "image"); }).find("it is a folder"),
            std::string::npos);
  EXPECT_NE(message([&] { check_output_file(dir / "x.txt", {".png"}, "image"); }).find("must end in .png"),
            std::string::npos);
  EXPECT_NE(
      message([&] { check_output_file(dir / "file/x.png", {".png"}, "image"); }).find("cannot write image"),
      std::string::npos);
  EXPECT_NO_THROW(check_output_file(dir / "new/x.png", {".png"}, "image"));
  EXPECT_TRUE(exists(dir / "new"));
}

}  // namespace
}  // namespace genreg
