"""``python -m lstm_edu.data fetch [NAME ...]`` | ``list`` | ``verify [NAME ...]``."""
from __future__ import annotations

import argparse
import sys

from . import REGISTRY, data_dir, fetch, load_registry, verify


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstm_edu.data", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("fetch", "list", "verify"))
    parser.add_argument("names", nargs="*", metavar="NAME")
    args = parser.parse_args(argv)
    load_registry()
    unknown = [n for n in args.names if n not in REGISTRY]
    if unknown:
        print(f"python -m lstm_edu.data: error: NAME: expected some of {sorted(REGISTRY)}, got {unknown}",
              file=sys.stderr)
        return 2
    names = args.names or sorted(REGISTRY)
    if args.command == "list":
        for name in names:
            dataset = REGISTRY[name]
            print(f"{name}: {dataset.source}; license {dataset.license}")
        return 0
    if args.command == "verify":
        problems = {name: verify(name) for name in names}
        for name, found in problems.items():
            print(f"{name}: {'ok' if not found else '; '.join(found)}")
        return 1 if any(problems.values()) else 0
    print(f"lstm_edu.data: data folder {data_dir()}")
    outcome = fetch(names)
    failed = {n: o for n, o in outcome.items() if o.startswith("failed")}
    print(f"lstm_edu.data: {len(outcome) - len(failed)} of {len(outcome)} data sets present and verified")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
