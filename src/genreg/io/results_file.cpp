#include "genreg/io/results_file.h"

#include <algorithm>
#include <filesystem>

#include "genreg/core/error.h"
#include "genreg/core/provenance.h"
#include "genreg/core/source_dir.h"
#include "genreg/io/atomic_file.h"

namespace genreg {
namespace {

std::vector<std::string> files_in(const std::string& folder) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code ec;
  if (folder.empty() || !fs::is_directory(folder, ec)) return files;
  for (auto it = fs::recursive_directory_iterator(folder, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) files.push_back(fs::relative(it->path(), folder, ec).generic_string());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

nlohmann::json results_document(const std::string& command, const nlohmann::json& summary,
                                const std::vector<std::string>& settings_keys, double seconds,
                                const std::string& folder) {
  require(summary.is_object(), "a results summary must be a JSON object");
  nlohmann::json settings = nlohmann::json::object(), results = nlohmann::json::object();
  for (const auto& [key, value] : summary.items()) {
    const bool is_setting = std::find(settings_keys.begin(), settings_keys.end(), key) != settings_keys.end();
    (is_setting ? settings : results)[key] = value;
  }
  return {{"format", kResultsFormat},  {"command", command},        {"genreg", GENREG_VERSION},
          {"seconds", seconds},        {"settings", settings},      {"results", results},
          {"files", files_in(folder)}, {"provenance", provenance()}};
}

void write_results_file(const std::string& folder, nlohmann::json& document) {
  auto files = document.value("files", std::vector<std::string>{});
  if (std::find(files.begin(), files.end(), "results.json") == files.end()) files.push_back("results.json");
  std::sort(files.begin(), files.end());
  document["files"] = files;
  write_file_atomically((std::filesystem::path(folder) / "results.json").string(), document.dump(2) + "\n");
}

}  // namespace genreg
