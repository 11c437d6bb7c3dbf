#pragma once
// Output paths checked before any work, so that a run that cannot write its results fails at
// once with a sentence naming the path and the reason, and folders that never describe a result
// they do not hold.
#include <string>
#include <vector>

namespace genreg {

// Creates `folder` (and its parents) and checks that files can be written in it; then removes the
// results.json and report.html of an earlier run, so that the folder is marked incomplete until
// this run writes them again, last (io/results_file.h): a folder holding results.json is one
// whose run finished. Throws genreg::Error ("cannot write to PATH: REASON").
void prepare_output_folder(const std::string& folder);

// Checks that `path` can be written as a file: not a folder, its folder creatable and writable,
// and, when `extensions` is not empty, ending in one of them ("refusing to write a PNG to x.txt").
void check_output_file(const std::string& path, const std::vector<std::string>& extensions = {},
                       const std::string& what = "output");

}  // namespace genreg
