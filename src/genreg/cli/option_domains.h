#pragma once
// The domain of every numeric option, checked by CLI11 while it parses, before any work: a value
// outside it is one line naming the option and exit status 2 ("--epochs: must be a positive
// integer, got 0"). Non-finite numbers (inf, nan) are outside every domain.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace genreg::cli {

// Integers in [min, max].
CLI::Validator integer_in(int64_t min, int64_t max);
// Integers >= 1 (at most `max`).
CLI::Validator positive_integer(int64_t max = INT64_C(1) << 40);
// Integers >= 0 (0 usually meaning "the default").
CLI::Validator non_negative_integer(int64_t max = INT64_C(1) << 40);
// Finite reals > 0.
CLI::Validator positive_real();
// Finite reals >= 0.
CLI::Validator non_negative_real();
// Finite reals in [min, max), e.g. Adam's betas and decay rates in [0, 1).
CLI::Validator real_in_half_open(double min, double max);
// Finite reals in [min, max].
CLI::Validator real_in_closed(double min, double max);
// Thread counts: 0 (every core) to 4x the machine's cores.
CLI::Validator thread_count();

// Attaches each domain to the option of that name in `command` (which must have it).
void check_domains(CLI::App* command, const std::vector<std::pair<std::string, CLI::Validator>>& domains);

}  // namespace genreg::cli
