"""``mmal-bench datasets``: list, inspect, build, verify and publish the benchmark datasets.

Thin layer over `mmal_bench.data.registry` and `mmal_bench.data.hub`; every error is a one-line
`MMALBenchError` printed by the CLI dispatcher.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tabulate import tabulate

from mmal_bench.errors import ConfigError


def register(subparsers) -> None:
    """Add ``datasets`` and its sub-commands to the top-level parser."""
    parser = subparsers.add_parser("datasets", help="list, inspect, build, verify and publish datasets")
    sub = parser.add_subparsers(dest="datasets_command", metavar="ACTION")
    parser.set_defaults(func=lambda args: (parser.print_help(), 0)[1])

    p = sub.add_parser("list", help="table of the registered datasets")
    p.add_argument("--suite", default=None, help="only the datasets of this suite, e.g. standard@3.0.0 (default: every registered one)")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("info", help="card, ground truth and fingerprint of a dataset")
    p.add_argument("ref", metavar="NAME[@VERSION]")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("build", help="write the hub-layout folder of a dataset (default: into the cache)")
    p.add_argument("ref", nargs="?", metavar="NAME[@VERSION]")
    p.add_argument("--all", action="store_true", help="every registered dataset")
    p.add_argument("--out", type=Path, help="write to OUT/<name>/<version> instead of the cache")
    p.add_argument("--record", action="store_true", help="maintainers: also copy card + manifest into datasets/ of the repository")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("verify", help="check shard checksums and content fingerprints (exit 0 if all match)")
    p.add_argument("target", nargs="?", metavar="NAME[@VERSION]|DIR")
    p.add_argument("--all", action="store_true", help="every registered dataset (building missing ones)")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("push", help="maintainers: upload a verified build to the Hugging Face hub, tagged with its version")
    p.add_argument("ref", metavar="NAME[@VERSION]")
    p.add_argument("--repo-id", default=None, help="dataset repository (default: the one its manifest and card name)")
    p.add_argument("--token", default=None, help="hub token (default: the logged-in one)")
    p.add_argument("--dry-run", action="store_true", help="print what would be uploaded (files, sizes, repository, tag) and upload nothing")
    p.set_defaults(func=cmd_push)

    p = sub.add_parser("calibrate", help="maintainers: calibrate a suite's budget regimes from random sampling's learning curves")
    p.add_argument("--suite", default="standard", help="suite to calibrate (default: standard)")
    p.add_argument("--seeds", default="0,1", help="calibration seeds, comma-separated or A-B (default: 0,1)")
    p.add_argument("--datasets", default=None, help="comma-separated dataset names (default: all of the suite)")
    p.add_argument("--out", type=Path, default=None, help="where to write the JSON (default: the suite's committed calibration file)")
    p.add_argument("--jobs", type=int, default=1, help="datasets calibrated at once, one process each (default: 1; the result is the same)")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("learnability", help="the learnability gate: ground truth, full-pool model, random at each regime's final budget")
    p.add_argument("name", nargs="?", metavar="NAME", help="one dataset (default: all of the suite)")
    p.add_argument("--suite", default="standard", help="suite whose calibration to read (default: standard)")
    p.set_defaults(func=cmd_learnability)

    from mmal_bench.cli.datasets_convert import register_convert  # owned by the real-datasets issue
    register_convert(sub)


def _entries(args: argparse.Namespace, field: str = "ref") -> list:
    from mmal_bench.data.registry import get_entry, list_entries, parse_ref

    if getattr(args, "all", False):
        return list_entries()
    ref = getattr(args, field)
    if not ref:
        raise ConfigError("name a dataset (NAME[@VERSION]) or pass --all")
    return [get_entry(*parse_ref(ref))]


def cmd_list(args: argparse.Namespace) -> int:
    from mmal_bench.data.registry import get_entry, list_entries

    entries = list_entries()
    if getattr(args, "suite", None):
        from mmal_bench.harness.suites import get_suite

        entries = [get_entry(name, version) for name, version in get_suite(args.suite).dataset_refs()]
    rows = [
        [
            e.name,
            e.version,
            e.kind,
            ", ".join(f"{m}({d})" for m, d in zip(e.modalities, e.modality_dims)) if e.modality_dims else ", ".join(e.modalities),
            e.n_classes,
            f"{e.pool_size:,} / {e.test_size:,}",
            e.pitfall,
        ]
        for e in entries
    ]
    print(tabulate(rows, headers=["name", "version", "kind", "modalities (dims)", "classes", "pool / test", "pitfall"], tablefmt="github"))
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from mmal_bench.data.hub import CARD, MANIFEST, committed_dir, ensure_built

    (entry,) = _entries(args)
    folder = committed_dir(entry.name, entry.version)
    if not (folder / CARD).is_file():
        folder = ensure_built(entry.name, entry.version)
    manifest = json.loads((folder / MANIFEST).read_text())
    card = (folder / CARD).read_text()
    body = card.split("---\n", 2)[-1].strip() if card.startswith("---\n") else card
    print(body)
    print()
    print(f"fingerprint: {manifest['fingerprint']}")
    print("ground truth: " + ", ".join(f"{k}={v['accuracy']:.4f}" for k, v in manifest["ground_truth"].items()))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from mmal_bench.data.hub import export, record

    for entry in _entries(args):
        if args.out is not None:
            where = export(entry.name, entry.version, args.out / entry.name / entry.version)
        else:
            where = rebuild_if_broken(entry.name, entry.version)
        print(f"{entry.ref}: {where}")
        if args.record:
            print(f"{entry.ref}: recorded {record(entry.name, entry.version)}")
    return 0


def rebuild_if_broken(name: str, version: str) -> Path:
    """The verified cache folder of ``name@version``: built if missing, rebuilt if it fails verification.

    This is what every "rebuild it with `mmal-bench datasets build`" message promises; only the
    cache folder is replaced, never the committed card and manifest.
    """
    import shutil

    from mmal_bench.data.hub import ensure_built, verify_folder
    from mmal_bench.errors import DatasetIntegrityError
    from mmal_bench.paths import dataset_cache_dir

    folder = dataset_cache_dir(name, version)
    if folder.exists():
        try:
            verify_folder(folder)
            return folder
        except DatasetIntegrityError as exc:
            print(f"{name}@{version}: the cached copy is broken ({exc}); rebuilding it")
            if folder.is_dir():
                shutil.rmtree(folder)
            else:
                folder.unlink()
    return ensure_built(name, version)


def cmd_verify(args: argparse.Namespace) -> int:
    from mmal_bench.data.hub import ensure_built, verify_folder

    if args.target and Path(args.target).is_dir():
        manifest = verify_folder(args.target)
        print(f"ok {manifest['name']}@{manifest['version']} {args.target} {manifest['fingerprint']}")
        return 0
    for entry in _entries(args, "target"):
        folder = ensure_built(entry.name, entry.version)
        manifest = verify_folder(folder)
        print(f"ok {entry.ref} {folder} {manifest['fingerprint']}")
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    from mmal_bench.data.hub import push_plan, push_to_hub

    (entry,) = _entries(args)
    plan = push_plan(entry.name, entry.version, args.repo_id)
    print(plan.describe())
    if args.dry_run:
        print("dry run: nothing uploaded")
        return 0
    revision = push_to_hub(entry.name, entry.version, plan.repo_id, token=args.token)
    print(f"{entry.ref}: pushed to https://huggingface.co/datasets/{plan.repo_id} at {revision}, tagged {plan.revision}")
    return 0


def _seeds(text: str) -> list[int]:
    try:
        if "-" in text and "," not in text:
            lo, hi = (int(x) for x in text.split("-", 1))
            return list(range(lo, hi + 1))
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"--seeds {text!r}: use comma-separated integers (0,1,2) or a range (0-4)") from None


def cmd_calibrate(args: argparse.Namespace) -> int:
    import sys

    from mmal_bench.harness.calibration import calibrate, calibration_path, write_calibration
    from mmal_bench.harness.suites import get_suite

    suite = get_suite(args.suite)
    seeds = _seeds(args.seeds)
    if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise ConfigError(f"--seeds {args.seeds!r}: give distinct non-negative seeds")
    names = [d.strip() for d in args.datasets.split(",")] if args.datasets else None
    if names is not None:
        known = {n for n, _ in suite.dataset_refs()}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ConfigError(f"unknown dataset(s) {', '.join(unknown)} for suite {suite.name!r}; choose from: {', '.join(sorted(known))}")
    if args.jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {args.jobs}")
    calibration = calibrate(suite, seeds, datasets=names, progress=lambda line: print(line, file=sys.stderr, flush=True), jobs=args.jobs)
    path = write_calibration(calibration, args.out or calibration_path(suite.name, suite.version))
    print(f"wrote {path}")
    _print_regimes(calibration)
    return 0


def _print_regimes(calibration: dict) -> None:
    rows = [
        [ref] + [f"{r['initial']}+{r['batch_size']}x{r['rounds']} (→{r['points'][-1]['n_labeled']}{'' if r['reached'] else ', not reached'})" for r in entry["regimes"]]
        for ref, entry in calibration["datasets"].items()
    ]
    names = [r["name"] for r in next(iter(calibration["datasets"].values()))["regimes"]] if rows else []
    print(tabulate(rows, headers=["dataset", *names], tablefmt="github"))


def cmd_learnability(args: argparse.Namespace) -> int:
    from mmal_bench.harness.calibration import gate_rows, load_calibration
    from mmal_bench.harness.suites import get_suite

    suite = get_suite(args.suite)
    rows = gate_rows(load_calibration(suite.name, suite.version), args.name)
    print(tabulate(rows, headers="keys", tablefmt="github", floatfmt=".3f"))
    return 0
