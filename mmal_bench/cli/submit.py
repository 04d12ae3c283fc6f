"""``mmal-bench submit submissions/<slug>``: validate, check in the jail, smoke-run and score a strategy
beside the built-ins, then publish its results and rebuild the leaderboard."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "submit",
        help="score your own strategy (see submissions/README.md)",
        description="Validate submission.yaml, run check_strategy and a smoke run in the jail (bubblewrap), score the "
        "strategy on a suite beside the built-ins, then write its results and rebuild the leaderboard. Nothing is "
        "written unless every step and every cell succeeds; scoring stops at the first failing (dataset, regime).",
    )
    p.add_argument("folder", type=Path, help="the submission folder (submissions/<slug>)")
    p.add_argument("--suite", default="quick", help="suite to score on: quick (default) or standard")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder for this submission's results (OUT/results) and leaderboard (OUT/leaderboard); "
        "default: the results root of `run` and its leaderboard",
    )
    p.add_argument("--leaderboard", type=Path, default=None, help="leaderboard folder to rebuild instead")
    p.add_argument("--no-leaderboard", action="store_true", help="only write results")
    p.add_argument("--datasets", nargs="+", default=None, help="restrict to these datasets")
    p.add_argument("--regimes", nargs="+", default=None, help="restrict to these regimes")
    p.add_argument("--seeds", nargs="+", type=int, default=None, help="restrict to these seeds")
    p.add_argument("--baselines", nargs="+", default=None, help="built-ins to score against (default: all)")
    p.add_argument(
        "--reuse",
        nargs="+",
        type=Path,
        default=None,
        metavar="RESULTS",
        help="results folders (e.g. what `mmal-bench run --out RESULTS` wrote) whose built-in cells are reused instead of "
        "recomputed when harness, suite and dataset fingerprints match (default: the results root of `run`, ./results/<version>)",
    )
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--time-limit", type=float, default=120.0, help="seconds (wall and CPU) allowed per query (default 120)")
    p.add_argument("--memory-limit", type=int, default=4096, help="MiB the strategy may allocate (default 4096)")
    p.add_argument(
        "--official",
        action="store_true",
        help="maintainers: score on the hidden instances of the synthetic datasets and sign every result (needs --key)",
    )
    p.add_argument("--key", type=Path, default=None, help="maintainers' private key (from `mmal-bench keys generate`)")
    p.add_argument("--instance", type=int, default=1, help="which hidden instance an official run scores on (default 1)")
    p.add_argument(
        "--unjailed",
        action="store_true",
        help="DEVELOPMENT ONLY: run your own code without the jail (results are marked jailed=false, never official)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run)

    k = subparsers.add_parser("keys", help="maintainers: make the key pair that signs official results")
    ksub = k.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    g = ksub.add_parser("generate", help="write a new Ed25519 private key (keep it secret) and its public key")
    g.add_argument("private", type=Path, help="where the private key goes (never inside the repository)")
    g.add_argument("--public-dir", type=Path, default=None, help="folder of trusted public keys (default: leaderboard/keys)")
    g.set_defaults(func=run_keys)
    r = ksub.add_parser("reveal", help="print the generator seeds of a release's hidden instances (publish them with the next release)")
    r.add_argument("private", type=Path, help="the maintainers' private key")
    r.add_argument("--suite", default="standard", help="suite whose datasets to reveal (default standard)")
    r.add_argument("--instance", type=int, default=1, help="hidden instance number (default 1)")
    r.set_defaults(func=run_reveal)


def check_official_flags(args: argparse.Namespace) -> None:
    """`ConfigError` unless ``--official`` and ``--key`` come together (the parser cannot say it)."""
    from mmal_bench.errors import ConfigError

    if args.official != (args.key is not None):
        raise ConfigError("--official and --key go together: official scoring needs the maintainers' key, and the key is only for it")


def run(args: argparse.Namespace) -> int:
    from mmal_bench.cli.leaderboard import default_leaderboard_dir
    from mmal_bench.errors import ConfigError
    from mmal_bench.harness.runner import default_out_dir
    from mmal_bench.leaderboard.render import render_overview
    from mmal_bench.submissions.sandbox import SandboxLimits
    from mmal_bench.submissions.submit import submit

    check_official_flags(args)
    if args.out is not None:
        if args.out.exists() and not args.out.is_dir():
            raise ConfigError(f"--out {args.out} is a file; pass a folder")
        results_root, board = args.out / "results", args.out / "leaderboard"
    else:
        results_root = default_out_dir()
        board = default_leaderboard_dir(results_root, args.suite)
    for folder in args.reuse or ():
        if not folder.is_dir():
            raise ConfigError(f"--reuse {folder}: no such results folder; pass the folder `mmal-bench run --out` wrote")
    # By default the built-in cells of the user's last `mmal-bench run` (the quickstart) are reused.
    reuse = args.reuse if args.reuse is not None else [p for p in (default_out_dir(),) if p.is_dir() and p.resolve() != results_root.resolve()]
    report = submit(
        args.folder,
        suite=args.suite,
        results_root=results_root,
        leaderboard_dir=None if args.no_leaderboard else args.leaderboard or board,
        limits=SandboxLimits(query_seconds=args.time_limit, memory_mb=args.memory_limit, jail=not args.unjailed),
        jobs=args.jobs,
        datasets=args.datasets,
        regimes=args.regimes,
        seeds=args.seeds,
        baselines=args.baselines,
        reuse=reuse,
        signing_key=args.key,
        instance=args.instance,
        progress=not args.quiet,
        echo=(lambda line: None) if args.quiet else print,
    )
    print(f"submitted {report.metadata.slug} ({report.source_hash[:19]}…): {len(report.results)} result files")
    if report.board is not None:
        print(render_overview(report.board))
    return 0


def run_keys(args: argparse.Namespace) -> int:
    from mmal_bench.harness.signing import TRUSTED_KEYS_DIR, generate_keys

    private, public = generate_keys(args.private, args.public_dir or TRUSTED_KEYS_DIR)
    print(f"private key: {private} (keep it out of the repository)\npublic key:  {public} (commit it: the leaderboard trusts it)")
    return 0


def run_reveal(args: argparse.Namespace) -> int:
    import json

    from mmal_bench.data.instances import instance_seeds
    from mmal_bench.harness.signing import instance_secret, load_private_key
    from mmal_bench.harness.suites import get_suite

    seeds = instance_seeds(instance_secret(load_private_key(args.private)), get_suite(args.suite).dataset_refs(), args.instance)
    print(json.dumps({"suite": args.suite, "instance": args.instance, "seeds": seeds}, indent=1, sort_keys=True))
    return 0
