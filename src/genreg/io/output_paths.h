#pragma once
// Output paths checked before any work, so that a run that cannot write its results fails at
// once with a sentence naming the path and the reason, and folders that never describe a result
// they do not hold.
#include <string>
#include <vector>

namespace genreg {

// What a run does with the files an earlier run wrote into its folder.
enum class PreviousRun {
  clear,  // remove them (those its results.json lists), but for `keep`: no stale figure survives
  keep,   // keep them (a resumed training adds to its per-epoch figures)
};

// Creates `folder` (and its parents) and checks that files can be written in it. Then removes
// what an earlier run wrote there (the files its results.json lists, except those under the
// prefixes in `keep`, e.g. an experiment's cache "methods/"), and in any case that run's
// results.json and report.html, so that the folder is marked unfinished until this run writes
// them again, last (io/results_file.h): a folder holding results.json is one whose run finished,
// and holds nothing else of genreg's. Files genreg did not list are never touched. Throws
// genreg::Error ("cannot write to PATH: REASON").
void prepare_output_folder(const std::string& folder, PreviousRun previous = PreviousRun::clear,
                           const std::vector<std::string>& keep = {});

// Checks that `path` can be written as a file: not a folder, its folder creatable and writable,
// and, when `extensions` is not empty, ending in one of them ("refusing to write a PNG to x.txt").
void check_output_file(const std::string& path, const std::vector<std::string>& extensions = {},
                       const std::string& what = "output");

}  // namespace genreg
