// docs/ARCHITECTURE.md's table of layers against the code: every `#include "genreg/X/..."` in a
// folder names a layer the table says it depends on, and every dependency the table states is used.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "genreg/core/source_dir.h"

namespace genreg {
namespace {

namespace fs = std::filesystem;

// Layer -> stated dependencies, from the table's rows "| `name/` | ... | a, b, c |".
std::map<std::string, std::set<std::string>> stated_layers() {
  std::ifstream in(std::string(GENREG_SOURCE_DIR) + "/docs/ARCHITECTURE.md");
  std::map<std::string, std::set<std::string>> out;
  const std::regex row(R"(^\| `([a-z_]+)/` \|.*\| ([^|]*) \|$)");
  const std::regex word(R"([a-z_]+)");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, row)) continue;
    auto& deps = out[m[1]];
    const std::string cell = m[2];
    for (auto it = std::sregex_iterator(cell.begin(), cell.end(), word); it != std::sregex_iterator(); ++it)
      deps.insert(it->str());
  }
  return out;
}

// Layer -> layers its files include.
std::map<std::string, std::set<std::string>> included_layers() {
  const fs::path root = fs::path(GENREG_SOURCE_DIR) / "src" / "genreg";
  const std::regex include(R"(^#include "genreg/([a-z_]+)/)");
  std::map<std::string, std::set<std::string>> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    const auto layer = fs::relative(entry.path(), root).begin()->string();
    out[layer];
    std::ifstream in(entry.path());
    std::string line;
    std::smatch m;
    while (std::getline(in, line))
      if (std::regex_search(line, m, include) && m[1] != layer) out[layer].insert(m[1]);
  }
  return out;
}

TEST(Architecture, TheLayerTableMatchesTheIncludes) {
  const auto stated = stated_layers();
  const auto included = included_layers();
  ASSERT_GE(stated.size(), 10u) << "the table of layers was not found";
  for (const auto& [layer, uses] : included) {
    ASSERT_TRUE(stated.count(layer)) << layer << "/ is not in docs/ARCHITECTURE.md's table";
    const auto& deps = stated.at(layer);
    // "everything above" and "LibTorch" are not layer names of the code.
    if (deps.count("everything")) continue;
    // Every layer may use core/.
    for (const auto& used : uses)
      if (used != "core") EXPECT_TRUE(deps.count(used)) << layer << "/ includes " << used << "/";
    for (const auto& dep : deps)
      if (included.count(dep) && dep != "core")
        EXPECT_TRUE(uses.count(dep)) << layer << "/ is said to depend on " << dep << "/";
  }
}

}  // namespace
}  // namespace genreg
