"""The genreg program's commands from Python: the same options, checks and outputs."""
import torch

from . import _genreg
from .models import load_model


def _options(options):
    args = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            args += [flag] + [str(v) for v in value]
        else:
            args += [flag, str(value)]
    return args


def run(command, *args, progress=print, **options):
    """`genreg COMMAND ARGS --option value ... --json`: returns the command's JSON summary as a
    dict; progress lines go to `progress` (None: dropped). Refusals raise genreg.Error. Threads:
    torch's count in this process unless threads=N is given (restored afterwards)."""
    options.setdefault("threads", torch.get_num_threads())  # the program's default: every core
    return _genreg.run_command([command, *map(str, args)] + _options(options), progress)


def train(model, out, progress=print, **options):
    """`genreg train --model MODEL --out OUT ...` (options as genreg train --help names them, with
    underscores: dataset="mnist", epochs=2, noise_range="0:0.5", resume=True). Returns the trained
    model and the run's summary."""
    summary = run("train", progress=progress, model=model, out=out, **options)
    return load_model(out), summary
