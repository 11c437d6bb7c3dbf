#include "genreg/cli/cli.h"

int main(int argc, char** argv) { return genreg::cli::run_cli(argc, argv); }
