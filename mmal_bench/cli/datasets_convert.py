"""``mmal-bench datasets convert``: turn raw multimodal data into a benchmark dataset with a recipe.

Hooked into ``mmal-bench datasets`` by `register_convert`; the work is `mmal_bench.data.real.run.run_recipe`.
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
        "  uci-mfeat  RAW/mfeat-{fou,fac,kar,pix,zer,mor} (the original UCI files; builds uci-mfeat and uci-mfeat-gap)\n"
        "  hf       any HF dataset: --source SRC [--revision REV] --modality NAME=COLUMN:KIND[:ENCODER] ... --name N --out DIR"
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
    g = p.add_argument_group("any Hugging Face dataset (RECIPE = hf)")
    g.add_argument("--source", help="local folder / saved dataset, or a hub id (then --revision is required)")
    g.add_argument("--revision", help="hub commit sha or tag to pin")
    g.add_argument("--modality", action="append", default=[], metavar="NAME=COLUMN:KIND[:ENCODER]",
                   help="one per modality; KIND features|text|image|audio|frames; ENCODER as for --encoder")
    g.add_argument("--label-column", default="label")
    g.add_argument("--pool-split", default="train")
    g.add_argument("--test-split", default="test", help="absent from the source: a stratified 20%% split of the pool split")
    g.add_argument("--name", help="benchmark dataset name for the card and manifest")
    g.add_argument("--license", default="unknown", help="licence of the source data, written to the card")
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
    from mmal_bench.data.real.recipes import RECIPES
    from mmal_bench.data.real.run import run_recipe

    if args.list or not args.recipe:
        rows = [[r.name, f"{r.dataset_name}@{r.version}", ", ".join(f"{m.name}:{m.encoder}" for m in r.modalities), r.source] for r in RECIPES.values()]
        rows.append(["uci-mfeat", "uci-mfeat@1.0.0, uci-mfeat-gap@1.0.0", "six UCI views (precomputed)", "UCI ML repository, Multiple Features (mfeat-*)"])
        print(tabulate(rows, headers=["recipe", "dataset", "modalities:encoder", "raw data from"], tablefmt="github"))
        return 0
    if args.recipe == "uci-mfeat":
        if args.raw is None:
            raise ConfigError("give the UCI mfeat folder: mmal-bench datasets convert uci-mfeat --raw DIR")
        from mmal_bench.data.real.run import convert_from_source

        for folder in convert_from_source(args.raw, args.out):
            print(f"{folder.parent.name}@{folder.name}: {folder} (fingerprint matches the published manifest)")
        return 0
    if args.recipe == "hf":
        folder = convert_hf(args)
    else:
        if args.raw is None:
            raise ConfigError(f"give the raw data folder: mmal-bench datasets convert {args.recipe} --raw DIR")
        folder = run_recipe(args.recipe, args.raw, args.out, parse_encoder_overrides(args.encoder))
    from mmal_bench.data.hub import MANIFEST

    manifest = json.loads((folder / MANIFEST).read_text())
    rows = manifest["rows"]
    print(f"{manifest['name']}@{manifest['version']}: {folder}")
    print(f"  pool {rows['pool']:,} rows, test {rows['test']:,} rows, modalities {manifest['modalities']}")
    print(f"  fingerprint {manifest['fingerprint']}")
    print("  ground truth (probe accuracy): " + ", ".join(f"{k}={v['accuracy']:.3f}" for k, v in manifest["ground_truth"].items()))
    return 0


def parse_modality(value: str):
    """``"image=img:image:color-layout"`` -> a `ModalitySpec` (encoder looked up by name)."""
    from mmal_bench.data.real.convert import ModalitySpec
    from mmal_bench.data.real.encoders import get_encoder

    name, sep, rest = value.partition("=")
    parts = rest.split(":", 2)
    if not sep or not name or len(parts) < 2:
        raise ConfigError(f"--modality {value!r} must look like NAME=COLUMN:KIND[:ENCODER] (e.g. text=caption:text:minilm)")
    column, kind = parts[0], parts[1]
    encoder_name = parts[2] if len(parts) == 3 else ""
    if kind != "features" and not encoder_name:
        raise ConfigError(f"--modality {value!r}: a raw {kind} column needs an encoder (e.g. {name}={column}:{kind}:minilm)")
    encoder = get_encoder(encoder_name) if encoder_name else None
    return ModalitySpec(name.strip(), column, kind, encoder, encoder_name=encoder_name)  # type: ignore[arg-type]


def convert_hf(args: argparse.Namespace) -> Path:
    """``convert hf --source ... --modality ...``: the general converter on any HF dataset."""
    from mmal_bench.data.real.convert import ConvertOptions, convert
    from mmal_bench.data.real.run import export_converted

    missing = [flag for flag, value in (("--source", args.source), ("--name", args.name), ("--out", args.out)) if not value]
    if missing:
        raise ConfigError(f"convert hf needs {', '.join(missing)}")
    if len(args.modality) < 2:
        raise ConfigError("convert hf needs at least two --modality NAME=COLUMN:KIND[:ENCODER]")
    specs = [parse_modality(v) for v in args.modality]
    options = ConvertOptions(label_column=args.label_column, pool_split=args.pool_split, test_split=args.test_split)
    converted = convert(args.source, specs, options, revision=args.revision)
    notes = f"Converted from `{args.source}`" + (f" at revision `{args.revision}`" if args.revision else "") + " with " + ", ".join(
        f"`{m}`: `{e}`" for m, e in converted.encoders.items()
    ) + "."
    return export_converted(converted, args.out, name=args.name, license=args.license, card_notes=notes)
