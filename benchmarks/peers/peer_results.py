"""What every peer benchmark does with its result (BENCHMARKS.md "Evidence"): refuse uncommitted
code, then write the results file."""
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def require_committed(script):
    """Stops unless the tracked files are committed: the result names the code that made it."""
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    if dirty:
        raise SystemExit(f"{script}: uncommitted changes: commit first, so that the result names the code")


def write(document, name, quick):
    """benchmarks/results/NAME.json, or stdout for a --quick check (never recorded)."""
    text = json.dumps(document, indent=1, sort_keys=True) + "\n"
    if quick:
        print(text)
        return
    out = ROOT / "benchmarks" / "results" / f"{name}.json"
    out.write_text(text)
    print(f"wrote {out.relative_to(ROOT)}", file=sys.stderr)
