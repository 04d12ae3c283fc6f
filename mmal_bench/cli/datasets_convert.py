"""``mmal-bench datasets convert``: turn raw multimodal data into a benchmark dataset with a recipe.

Hooked into ``mmal-bench datasets`` by `register_convert`; the work is `mmal_bench.data.real.recipes.run_recipe`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tabulate import tabulate

from mmal_bench.errors import ConfigError


def register_convert(datasets_subparsers) -> None:
    """Add the ``convert`` action to the ``mmal-bench datasets`` sub-parsers."""
    # Recipes are imported only when the command runs (keeps `mmal-bench --help` fast).
    epilog = (
        "recipes (see --list):\n"
        "  food101  RAW/images/{train,test}/<class>/<file>.jpg + RAW/texts/{train,test}_titles.csv\n"
        "  cremad   RAW/AudioWAV/<actor>_<sentence>_<EMO>_<level>.wav + RAW/Frames/<clip>/*.jpg\n"
        "  uci-mfeat  RAW/mfeat-{fou,fac,kar,pix,zer,mor} (the original UCI files; builds uci-mfeat and uci-mfeat-gap)"
    )
    p = datasets_subparsers.add_parser(
        "convert",
        help="convert raw data (Food-101, CREMA-D, ...) with a recipe into a benchmark dataset",
        description="Convert raw multimodal data into the benchmark schema with frozen encoders.",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("recipe", nargs="?", metavar="RECIPE", help="recipe name (food101, cremad, uci-mfeat; --list shows all)")
    p.add_argument("--raw", type=Path, help="folder holding the raw data in the layout the recipe expects")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: the dataset cache, where load_benchmark finds it)")
    p.add_argument(
        "--encoder",
        action="append",
        default=[],
        metavar="MODALITY=NAME",
        help="override a modality's encoder: minilm, color-layout, log-mel, frames-color-layout or sentence-transformers:<model>",
    )
    p.add_argument("--list", action="store_true", help="list the recipes and exit")
    p.set_defaults(func=cmd_convert)


def parse_encoder_overrides(values: list[str]) -> dict[str, str]:
    """``["image=sentence-transformers:clip-ViT-B-32"]`` -> ``{"image": "sentence-transformers:clip-ViT-B-32"}``."""
    out = {}
    for value in values:
        modality, sep, name = value.partition("=")
        if not sep or not modality or not name:
            raise ConfigError(f"--encoder {value!r} must look like MODALITY=NAME (e.g. text=minilm)")
        out[modality.strip()] = name.strip()
    return out


def cmd_convert(args: argparse.Namespace) -> int:
    from mmal_bench.data.real.recipes import RECIPES, run_recipe

    if args.list or not args.recipe:
        rows = [[r.name, f"{r.dataset_name}@{r.version}", ", ".join(f"{m.name}:{m.encoder}" for m in r.modalities), r.source] for r in RECIPES.values()]
        rows.append(["uci-mfeat", "uci-mfeat@1.0.0, uci-mfeat-gap@1.0.0", "six UCI views (precomputed)", "UCI ML repository, Multiple Features (mfeat-*)"])
        print(tabulate(rows, headers=["recipe", "dataset", "modalities:encoder", "raw data from"], tablefmt="github"))
        return 0
    if args.raw is None:
        raise ConfigError(f"give the raw data folder: mmal-bench datasets convert {args.recipe} --raw DIR")
    if args.recipe == "uci-mfeat":
        from mmal_bench.data.real.uci_mfeat import convert_from_source

        for folder in convert_from_source(args.raw, args.out):
            print(f"{folder.parent.name}@{folder.name}: {folder} (fingerprint matches the published manifest)")
        return 0
    folder = run_recipe(args.recipe, args.raw, args.out, parse_encoder_overrides(args.encoder))
    from mmal_bench.data.hub import MANIFEST

    manifest = json.loads((folder / MANIFEST).read_text())
    rows = manifest["rows"]
    print(f"{manifest['name']}@{manifest['version']}: {folder}")
    print(f"  pool {rows['pool']:,} rows, test {rows['test']:,} rows, modalities {manifest['modalities']}")
    print(f"  fingerprint {manifest['fingerprint']}")
    print("  ground truth (probe accuracy): " + ", ".join(f"{k}={v['accuracy']:.3f}" for k, v in manifest["ground_truth"].items()))
    return 0
