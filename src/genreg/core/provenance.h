#pragma once
// Where a result came from, recorded in every results.json (io/results_file.h) so that a number in
// README or BENCHMARKS.md can be traced to the run that made it: the command line, the source
// commit, the date and the machine. Machines of one kind differ 2-3x in speed, so the machine is
// described by its CPU model, its cores and a one-thread SGEMM rate measured once per process.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace genreg {

// The command line of this process (set by the program's entry; empty in a host program), with the
// source commit and the date at that moment.
void set_invocation(std::vector<std::string> argv);

// {"argv": [...], "commit": "<hash>" (+ "-dirty" with uncommitted changes to tracked files;
//  "unknown" outside a git checkout), "date": "2026-12-07T15:04:05Z" (both when the process started,
//  or now in a host program), "machine": {"cpu", "cores", "sgemm_gflops_one_thread"}}. The machine
//  part is measured on first use (about 0.1 s).
nlohmann::json provenance();

// The machine part alone.
nlohmann::json machine_description();

}  // namespace genreg
