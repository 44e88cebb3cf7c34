#!/usr/bin/python3
# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the LICENSE file
# found in the top-level directory of this distribution.
"""Exports the paper's backbones from torchvision to ONNX graphs that OpenCV 4.6's dnn module imports.

  wide_resnet50_2  truncated after layer3; outputs layer2 (512x28x28) and layer3 (1024x14x14)
  vit_b_16         truncated after encoder block --vit-block (9-12); outputs tokens (Nx196x768, the 14x14 patch
                   tokens, row-major) and cls (Nx1x768), optionally after the final LayerNorm (--vit-final-norm)

--weights imagenet uses torchvision's ImageNet weights (downloaded by torchvision into its hub cache: needs
internet, or the file already in ~/.cache/torch/hub/checkpoints); --weights none uses a seeded random
initialisation (BatchNorm statistics randomised too), which is what the tests use. torchvision's ViT as
exported does not import in OpenCV 4.6, so it is rewritten first (see ViTExport): explicit q/k/v and 4-D
matmuls with the 1/sqrt(64) scale folded into W_q/b_q, LayerNorm as instance_norm over tokens with its affine
folded into the next Linear, the class token by concatenation, a 2-D position embedding, reshapes with explicit
sizes. Each model gets a manifest YAML (cv::FileStorage) beside it. Outputs go to --out, else
$UNISLAD_MODEL_DIR, else ${XDG_CACHE_HOME:-~/.cache}/unislad/models; existing outputs whose hashes match their
manifests are kept unless --force.

  /usr/bin/python3 models/export_torchvision.py --model all --weights none
  /usr/bin/python3 models/export_torchvision.py --model vit_b_16 --vit-block 12 --vit-final-norm --weights imagenet

Needs python3-torch, python3-torchvision, python3-onnx (and libopenblas0-pthread for speed).
"""

import argparse
import os
import re
import sys
import tempfile
import warnings

import numpy as np

try:
    import onnx
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torchvision
except ImportError as e:  # pragma: no cover
    sys.exit("export_torchvision: %s (apt-get install python3-torch python3-torchvision python3-onnx; "
             "use /usr/bin/python3)" % e)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_default_backbone import default_out_dir, read_manifest_field, sha256_file, write_manifest  # noqa

GENERATOR = "export_torchvision 1"
OPSET = 11
IMAGENET_MEAN = [0.485 * 255, 0.456 * 255, 0.406 * 255]
IMAGENET_STD = [0.229 * 255, 0.224 * 255, 0.225 * 255]


def log(msg):
    print("export_torchvision: " + msg, flush=True)


# ------------------------------------------------------------------------------------------------ models
def randomise_batchnorm(model, gen):
    """Random init leaves BatchNorm as the identity (mean 0, var 1, gamma 1, beta 0); randomise it so that
    the graphs and the tests exercise every parameter."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(c, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(c, generator=gen) * 0.1)


def randomise_layernorm(model, gen):
    for m in model.modules():
        if isinstance(m, nn.LayerNorm):
            c = m.normalized_shape[0]
            m.weight.data.copy_(torch.rand(c, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(c, generator=gen) * 0.1)


def load_torchvision(arch, weights, seed):
    ctor = {"wide_resnet50_2": torchvision.models.wide_resnet50_2, "vit_b_16": torchvision.models.vit_b_16}[arch]
    if weights == "imagenet":
        enum = {"wide_resnet50_2": torchvision.models.Wide_ResNet50_2_Weights,
                "vit_b_16": torchvision.models.ViT_B_16_Weights}[arch].IMAGENET1K_V1
        try:
            model = ctor(weights=enum)
        except Exception as e:  # URLError, HTTPError, socket errors...
            sys.exit("export_torchvision: could not get torchvision's ImageNet weights for %s (%s): %s\n"
                     "  They are downloaded from download.pytorch.org into %s; without internet copy the file "
                     "there, or use --weights none (random, for tests)."
                     % (arch, enum.url, e, os.path.join(torch.hub.get_dir(), "checkpoints")))
        source = "torchvision %s %s (%s)" % (torchvision.__version__, enum, enum.url)
    else:
        torch.manual_seed(seed)
        model = ctor(weights=None)
        gen = torch.Generator().manual_seed(seed + 1)
        randomise_batchnorm(model, gen)
        randomise_layernorm(model, gen)
        source = "torchvision %s %s, random initialisation, seed %d" % (torchvision.__version__, arch, seed)
    return model.eval(), source


class WideResNetTaps(nn.Module):
    """Wide-ResNet-50-2 through layer3, returning layer2 and layer3 (torchvision modules unchanged)."""

    def __init__(self, m):
        super().__init__()
        self.stem = nn.Sequential(m.conv1, m.bn1, m.relu, m.maxpool)
        self.layer1, self.layer2, self.layer3 = m.layer1, m.layer2, m.layer3

    def forward(self, x):
        l2 = self.layer2(self.layer1(self.stem(x)))
        return l2, self.layer3(l2)


def folded_linear(lin, ln=None, scale=1.0):
    """nn.Linear computing scale * lin(LN_affine(x)): y = W (g*x + b) + c = (W diag g) x + (W b + c)."""
    w = lin.weight.detach().double()
    b = lin.bias.detach().double() if lin.bias is not None else torch.zeros(w.shape[0], dtype=torch.float64)
    if ln is not None:
        g, beta = ln.weight.detach().double(), ln.bias.detach().double()
        b = w @ beta + b
        w = w * g[None, :]
    out = nn.Linear(w.shape[1], w.shape[0])
    out.weight.data.copy_((w * scale).float())
    out.bias.data.copy_((b * scale).float())
    return out


class TokenNorm(nn.Module):
    """LayerNorm over the last axis without affine, as instance_norm with the tokens as channels (OpenCV 4.6
    imports InstanceNormalization, not LayerNormalization's decomposition on 3-D tensors)."""

    def __init__(self, tokens, eps):
        super().__init__()
        self.eps = eps
        self.register_buffer("ones", torch.ones(tokens))
        self.register_buffer("zeros", torch.zeros(tokens))

    def forward(self, t):
        return F.instance_norm(t, weight=self.ones, bias=self.zeros, eps=self.eps)


class EncoderBlock(nn.Module):
    """torchvision's EncoderBlock rewritten: x + attn(LN1 x); x + MLP(LN2 x) with explicit q/k/v."""

    def __init__(self, blk, tokens):
        super().__init__()
        attn = blk.self_attention
        d = attn.embed_dim
        self.heads, self.dh, self.tokens, self.d = attn.num_heads, d // attn.num_heads, tokens, d
        w, b = attn.in_proj_weight, attn.in_proj_bias
        qkv = []
        for i in range(3):
            lin = nn.Linear(d, d)
            lin.weight.data.copy_(w[i * d:(i + 1) * d])
            lin.bias.data.copy_(b[i * d:(i + 1) * d])
            qkv.append(lin)
        self.norm1 = TokenNorm(tokens, blk.ln_1.eps)
        self.q = folded_linear(qkv[0], blk.ln_1, scale=1.0 / float(np.sqrt(self.dh)))
        self.k = folded_linear(qkv[1], blk.ln_1)
        self.v = folded_linear(qkv[2], blk.ln_1)
        self.proj = folded_linear(attn.out_proj)
        self.norm2 = TokenNorm(tokens, blk.ln_2.eps)
        self.fc1 = folded_linear(blk.mlp[0], blk.ln_2)
        self.fc2 = folded_linear(blk.mlp[3])

    def split(self, t):
        return t.reshape(-1, self.tokens, self.heads, self.dh).transpose(1, 2)      # N, heads, T, dh

    def forward(self, x):
        h = self.norm1(x)
        q, k, v = self.split(self.q(h)), self.split(self.k(h)), self.split(self.v(h))
        a = torch.softmax(torch.matmul(q, k.transpose(2, 3)), dim=-1)
        o = torch.matmul(a, v).transpose(1, 2).reshape(-1, self.tokens, self.d)
        x = x + self.proj(o)
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class ViTExport(nn.Module):
    """torchvision ViT-B/16 through encoder block `blocks` (1-based count), returning (patch tokens, cls)."""

    def __init__(self, vit, blocks, final_norm):
        super().__init__()
        d, n = vit.hidden_dim, (vit.image_size // vit.patch_size) ** 2
        self.d, self.n = d, n
        self.patch = vit.conv_proj
        self.register_buffer("cls", vit.class_token.detach().reshape(1, d).clone())
        self.register_buffer("pos", vit.encoder.pos_embedding.detach().reshape(n + 1, d).clone())
        self.blocks = nn.ModuleList([EncoderBlock(b, n + 1) for b in list(vit.encoder.layers)[:blocks]])
        self.final = None
        if final_norm:
            ln = vit.encoder.ln
            self.final_norm = TokenNorm(n + 1, ln.eps)
            diag = nn.Linear(d, d)
            diag.weight.data.copy_(torch.diag(ln.weight.detach()))
            diag.bias.data.copy_(ln.bias.detach())
            self.final = diag

    def forward(self, x):
        t = self.patch(x).reshape(-1, self.d, self.n).transpose(1, 2)
        t = torch.cat([t[:, :1] * 0 + self.cls, t], 1) + self.pos
        for b in self.blocks:
            t = b(t)
        if self.final is not None:
            t = self.final(self.final_norm(t))
        return t[:, 1:], t[:, :1]


def vit_reference(vit, x, blocks, final_norm):
    """The same outputs computed by torchvision's own modules (for the tests)."""
    t = vit._process_input(x)
    t = torch.cat([vit.class_token.expand(t.shape[0], -1, -1), t], dim=1)
    t = t + vit.encoder.pos_embedding
    for b in list(vit.encoder.layers)[:blocks]:
        t = b(t)
    if final_norm:
        t = vit.encoder.ln(t)
    return t[:, 1:], t[:, :1]


def reference_outputs(manifest_path, x, names):
    """Outputs {name: tensor} of the model a `--weights none` manifest describes, computed by torchvision's
    own modules from the same seed (the C++ feature tests compare against these)."""
    model_file = read_manifest_field(manifest_path, "model") or ""
    if read_manifest_field(manifest_path, "weights") != "random":
        sys.exit("export_torchvision: %s: reference outputs need a --weights none model" % manifest_path)
    seed = int(read_manifest_field(manifest_path, "seed"))
    stem = os.path.splitext(model_file)[0]
    with torch.no_grad():
        if stem.startswith("wide_resnet50_2"):
            model, _ = load_torchvision("wide_resnet50_2", "none", seed)
            l2, l3 = WideResNetTaps(model)(x)
            outs = {"layer2": l2, "layer3": l3}
        else:
            m = re.match(r"vit_b_16_b(\d+)(_ln)?_random$", stem)
            if not m:
                sys.exit("export_torchvision: %s: unknown model %s" % (manifest_path, model_file))
            model, _ = load_torchvision("vit_b_16", "none", seed)
            tokens, cls = vit_reference(model, x, int(m.group(1)), bool(m.group(2)))
            outs = {"tokens": tokens, "cls": cls}
    return {n: outs[n] for n in names}


# ------------------------------------------------------------------------------------------------ export
def inline_identity_initializers(model):
    """OpenCV 4.6 does not import Identity on an initializer (torch emits these for de-duplicated
    parameters): give each such output its own copy of the initializer."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    keep = []
    for node in g.node:
        if node.op_type == "Identity" and node.input[0] in inits:
            t = onnx.TensorProto()
            t.CopyFrom(inits[node.input[0]])
            t.name = node.output[0]
            g.initializer.append(t)
            inits[t.name] = t
        else:
            keep.append(node)
    del g.node[:]
    g.node.extend(keep)
    return model


def export_onnx(module, size, outputs, path, opset=OPSET):
    x = torch.zeros(1, 3, size, size)
    dyn = {"input": {0: "N"}}
    dyn.update({o: {0: "N"} for o in outputs})
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        # instance_norm is exported with "train=True": that only means "use the input's statistics", as wanted.
        warnings.filterwarnings("ignore", message=".*instance_norm.*")
        raw = os.path.join(tmp, "raw.onnx")
        with torch.no_grad():
            torch.onnx.export(module, x, raw, input_names=["input"], output_names=outputs, opset_version=opset,
                              dynamic_axes=dyn, do_constant_folding=True)
        model = inline_identity_initializers(onnx.load(raw))
    onnx.checker.check_model(model)
    tmp = path + ".tmp"
    onnx.save(model, tmp)
    os.replace(tmp, path)
    return model


# ------------------------------------------------------------------------------------------------ main
def stem_of(arch, weights, block=None, final_norm=False):
    tag = "imagenet" if weights == "imagenet" else "random"
    if arch == "vit_b_16":
        return "vit_b_16_b%d%s_%s" % (block, "_ln" if final_norm else "", tag)
    return "%s_%s" % (arch, tag)


def build(arch, weights, seed, block=12, final_norm=False):
    """Returns (export module, original torchvision model, outputs {name: (shape, tensor shape, layout, role)},
    source, size)."""
    model, source = load_torchvision(arch, weights, seed)
    if arch == "wide_resnet50_2":
        module = WideResNetTaps(model).eval()
        taps = [("layer2", [512, 28, 28], [512, 28, 28], "NCHW", "local", True),
                ("layer3", [1024, 14, 14], [1024, 14, 14], "NCHW", "local", True)]
        return module, model, taps, source, 224
    if not 1 <= block <= len(model.encoder.layers):
        sys.exit("export_torchvision: --vit-block must be in 1..%d" % len(model.encoder.layers))
    module = ViTExport(model, block, final_norm).eval()
    taps = [("tokens", [768, 14, 14], [196, 768], "tokens", "global", True),
            ("cls", [768, 1, 1], [1, 768], "tokens", "class", True)]
    return module, model, taps, source, 224


def manifest(arch, weights, seed, block, final_norm, stem, digest, taps, source):
    pure = weights == "imagenet"
    fields = {
        "format": 1,
        "generator": GENERATOR,
        "model": stem + ".onnx",
        "sha256": digest,
        "architecture": {"wide_resnet50_2": "Wide-ResNet-50-2 through layer3",
                         "vit_b_16": "ViT-B/16 through encoder block %d%s"
                                     % (block, ", final LayerNorm" if final_norm else "")}[arch],
        "source": source,
        "license": "code: torchvision BSD-3-Clause; pretrained weights: their own terms (trained on ImageNet, whose "
                   "terms restrict use to non-commercial research)",
        "weights": "imagenet" if pure else "random",
        "seed": -1 if pure else seed,
        "input": {
            "name": "input", "layout": "NCHW", "batch": "any", "width": 224, "height": 224, "channels": 3,
            "channel_order": "RGB", "resize": "bilinear to width x height",
            "scale": 1.0, "mean": IMAGENET_MEAN, "std": IMAGENET_STD,
            "normalisation": "blob = (x * scale - mean) / std per channel, x in [0, 255] (torchvision's "
                             "ImageNet normalisation); done outside the graph",
        },
        "taps": [{"name": n, "shape": shape, "tensor": tensor, "layout": layout, "role": role,
                  "imagenet": bool(pure and p), "default": True}
                 for n, shape, tensor, layout, role, p in taps],
        "roles_note": {"wide_resnet50_2": "paper preset: layer2 + layer3 = local branch",
                       "vit_b_16": "paper preset: tokens = global branch (row-major 14x14 grid, shape gives "
                                   "C,H,W after reshaping), cls = class token; OpenCV returns cls as Nx1x768"}[arch],
    }
    return fields


def export(arch, weights, seed, out_dir, force, block=12, final_norm=False):
    stem = stem_of(arch, weights, block, final_norm)
    onnx_path, yml = os.path.join(out_dir, stem + ".onnx"), os.path.join(out_dir, stem + ".yml")
    if (not force and os.path.exists(onnx_path) and read_manifest_field(yml, "generator") == GENERATOR
            and read_manifest_field(yml, "sha256") == sha256_file(onnx_path)
            and read_manifest_field(yml, "seed") == str(-1 if weights == "imagenet" else seed)):
        log("%s up to date in %s" % (stem, out_dir))
        return onnx_path
    module, _, taps, source, size = build(arch, weights, seed, block, final_norm)
    model = export_onnx(module, size, [t[0] for t in taps], onnx_path)
    digest = sha256_file(onnx_path)
    write_manifest(yml, manifest(arch, weights, seed, block, final_norm, stem, digest, taps, source))
    log("wrote %s (%d nodes, sha256 %s)" % (onnx_path, len(model.graph.node), digest))
    return onnx_path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", choices=["wide_resnet50_2", "vit_b_16", "all"], default="all")
    ap.add_argument("--weights", choices=["imagenet", "none"], default="imagenet",
                    help="torchvision's ImageNet weights (downloads) or seeded random initialisation")
    ap.add_argument("--seed", type=int, default=0, help="seed of --weights none")
    ap.add_argument("--vit-block", type=int, default=12, help="last ViT encoder block kept (9-12 sensible)")
    ap.add_argument("--vit-final-norm", action="store_true", help="apply the final LayerNorm to the outputs")
    ap.add_argument("--out", help="output directory (default $UNISLAD_MODEL_DIR or "
                                  "${XDG_CACHE_HOME:-~/.cache}/unislad/models)")
    ap.add_argument("--force", action="store_true", help="rebuild even if the outputs are up to date")
    args = ap.parse_args(argv)
    out_dir = os.path.abspath(args.out or default_out_dir())
    os.makedirs(out_dir, exist_ok=True)
    archs = ["wide_resnet50_2", "vit_b_16"] if args.model == "all" else [args.model]
    for arch in archs:
        export(arch, args.weights, args.seed, out_dir, args.force, args.vit_block, args.vit_final_norm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
