#pragma once
// The one layout of results.json, which every command that writes a folder (reconstruct, train,
// evaluate, experiment, demo) writes beside its report.html, and prints with --json:
//
//   {"format": "genreg-results-1", "command": "reconstruct", "genreg": "0.2.0", "seconds": 12.3,
//    "settings": {what was asked: method, operator, model, options, ...},
//    "results":  {what came out: metrics, chosen parameters, per-image numbers, history, ...},
//    "files":    ["grid.png", "report.html", ...],   (the folder's files, relative, sorted)
//    "provenance": {"argv", "commit", "date", "machine": {"cpu", "cores", "sgemm_gflops_one_thread"}}}
//                (core/provenance.h: the run a published number traces to)
//
// so that a script reads any run the same way: settings and results, never a guess at the command.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace genreg {

inline constexpr const char* kResultsFormat = "genreg-results-1";

// The document for `command`: `summary`'s keys named in `settings_keys` go under "settings", the
// others under "results"; "files" lists `folder`'s files (empty folder name: none).
nlohmann::json results_document(const std::string& command, const nlohmann::json& summary,
                                const std::vector<std::string>& settings_keys, double seconds,
                                const std::string& folder);

// Writes `document` as folder/results.json, atomically; its "files" then include results.json.
void write_results_file(const std::string& folder, nlohmann::json& document);

}  // namespace genreg
