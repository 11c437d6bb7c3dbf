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

TEST(OutputPaths, AnEarlierRunsListedFilesGoExceptTheKeptOnesAndNothingElseIsTouched) {
  testing::TempDir dir;
  const std::string out = dir / "run";
  std::filesystem::create_directories(out + "/methods/tv");
  for (const char* name : {"grid.png", "decomposition.png", "methods/tv/x.pt", "notes.txt", "report.html"})
    std::ofstream(out + "/" + std::string(name)) << "x";
  // Entries that leave the folder (relative or absolute) are never followed.
  std::ofstream(dir / "outside.txt") << "x";
  std::ofstream(dir / "absolute.txt") << "x";
  std::ofstream(out + "/results.json")
      << R"({"format": "genreg-results-1", "files": ["decomposition.png", "grid.png", "methods/tv/x.pt", )"
      << R"("report.html", "results.json", "../outside.txt", ")" << (dir / "absolute.txt") << R"("]})";
  prepare_output_folder(out, PreviousRun::clear, {"methods/"});
  EXPECT_FALSE(exists(out + "/grid.png"));
  EXPECT_FALSE(exists(out + "/decomposition.png"));  // a stale figure of another method
  EXPECT_FALSE(exists(out + "/results.json"));
  EXPECT_TRUE(exists(out + "/methods/tv/x.pt"));  // kept: a cache
  EXPECT_TRUE(exists(out + "/notes.txt"));        // not genreg's
  EXPECT_TRUE(exists(dir / "outside.txt"));       // outside the folder
  EXPECT_TRUE(exists(dir / "absolute.txt"));
  // Another tool's results.json is not genreg's record: the files it names stay.
  std::ofstream(out + "/grid.png") << "x";
  std::ofstream(out + "/results.json") << R"({"files": ["grid.png"]})";
  prepare_output_folder(out);
  EXPECT_TRUE(exists(out + "/grid.png"));
  // A resumed run keeps what the earlier one wrote, but is still unfinished until it ends.
  std::ofstream(out + "/results.json") << R"({"files": ["notes.txt"]})";
  prepare_output_folder(out, PreviousRun::keep);
  EXPECT_TRUE(exists(out + "/notes.txt"));
  EXPECT_FALSE(exists(out + "/results.json"));
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
