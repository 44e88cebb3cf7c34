#!/usr/bin/python3
# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
"""Independent numpy reference of UniSLAD's scoring (paper section III, Eq. 5-21).

Reads a case written by export_reference_case (features extracted by the C++ API, the coreset indices
the C++ banks kept, and the C++ outputs), recomputes every score from the paper's equations in float64
with brute-force search, and compares. Only the feature extraction and the coreset choice (Eq. 5, given
as indices) are taken from the C++ side; everything after them is recomputed here.

Usage: /usr/bin/python3 unislad_reference.py CASE.yml.gz [--tolerance 1e-3]
Exit status: 0 when every quantity agrees (max relative difference <= tolerance), 1 otherwise.
"""

import argparse
import sys

import cv2
import numpy as np

# Enum values of the C++ API (opencv2/unislad/*.hpp), checked so that the reference refuses settings it
# does not implement instead of silently computing something else.
RIDGE = 0
LEDOIT_WOLF = 1
PMP_LUM = 3


# --- Patch-level memory bank (III-B) -------------------------------------------------------------------

def ledoit_wolf_shrinkage(x):
    """The Ledoit-Wolf shrinkage of sklearn.covariance.ledoit_wolf_shrinkage (assume_centered=False)."""
    n, d = x.shape
    xc = x - x.mean(axis=0)
    emp_cov = xc.T @ xc / n
    mu = np.trace(emp_cov) / d
    x2 = xc ** 2
    emp_cov_trace = x2.sum(axis=0) / n
    beta_ = (x2.T @ x2).sum()
    delta_ = ((xc.T @ xc) ** 2).sum() / n ** 2
    beta = 1.0 / (d * n) * (beta_ / n - delta_)
    delta = (delta_ - 2.0 * mu * emp_cov_trace.sum() + d * mu ** 2) / d
    beta = min(beta, delta)
    return 0.0 if beta == 0 else beta / delta


def mahalanobis_fit(coreset, regularization, epsilon):
    """Eq. 6-8 on the coreset rows: mean, covariance (1/(n-1)), regularised as documented (ridge:
    Sigma + eps*tr/d*I; Ledoit-Wolf: (1-delta)*Sigma + delta*tr/d*I, delta estimated when eps < 0),
    inverse, eigh, L2."""
    n, d = coreset.shape
    mean = coreset.mean(axis=0)
    centred = coreset - mean
    sigma = centred.T @ centred / (n - 1)                                # Eq. 6
    if regularization == RIDGE:
        sigma_reg = sigma + epsilon * np.trace(sigma) / d * np.eye(d)
    else:
        delta = ledoit_wolf_shrinkage(coreset) if epsilon < 0 else epsilon
        sigma_reg = (1 - delta) * sigma + delta * np.trace(sigma) / d * np.eye(d)
    inverse = np.linalg.inv(sigma_reg)                                   # Eq. 7: Sigma^-1 ...
    inverse = (inverse + inverse.T) / 2
    lam, u = np.linalg.eigh(inverse)                                     # ... = U Lambda U^T
    l2 = u @ np.diag(np.sqrt(np.maximum(lam, 0))) @ u.T                  # Eq. 8
    return mean, l2


def mahalanobis_apply(x, mean, l2):
    """Eq. 9 (centre, multiply) and Eq. 10 (row-wise L2 normalisation; a zero row stays zero)."""
    o = (x - mean) @ l2
    norms = np.linalg.norm(o, axis=1, keepdims=True)
    return np.divide(o, norms, out=np.zeros_like(o), where=norms > 0)


def normalise_rows(x):
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)


class Bank:
    """M = MT(F_p) (Eq. 11) with the transform fitted on F_p itself. Without MT (the ablation, and
    Params::defaults()): the raw coreset, and for inner products the documented cosine (rows normalised)."""

    def __init__(self, features, indices, regularization, epsilon, mt=True, cosine=False):
        coreset = features[indices]
        self.mt, self.cosine = mt, cosine
        if mt:
            self.mean, self.l2 = mahalanobis_fit(coreset, regularization, epsilon)
        self.bank = self.transform(coreset)

    def transform(self, x):
        if self.mt:
            return mahalanobis_apply(x, self.mean, self.l2)
        return normalise_rows(x) if self.cosine else x

    def min_l2(self, queries):
        """Eq. 16: min over the bank of ||MT(q) - m||_2, brute force."""
        q = self.transform(queries)
        d2 = (q * q).sum(1)[:, None] + (self.bank * self.bank).sum(1)[None, :] - 2 * q @ self.bank.T
        return np.sqrt(np.maximum(d2.min(axis=1), 0))

    def max_inner_product(self, queries):
        """Eq. 17: the largest inner product of MT(q) with the bank."""
        q = self.transform(queries)
        return (q @ self.bank.T).max(axis=1)


# --- Image-level distribution map (III-C) -------------------------------------------------------------

def pmp(patches, q):
    """Eq. 12, the signed power mean documented for negative inputs: sign(m)|m|^(1/q), m = mean sign(x)|x|^q."""
    m = (np.sign(patches) * np.abs(patches) ** q).mean(axis=0)
    return np.sign(m) * np.abs(m) ** (1.0 / q)


def lum(patches, alpha):
    """Eq. 13: per channel, drop t = floor(alpha K^2) smallest and largest, average the rest."""
    k2 = patches.shape[0]
    t = int(np.floor(alpha * k2))
    v = np.sort(patches, axis=0)
    return v[t:k2 - t].mean(axis=0)


def image_feature(patches, q, alpha):
    """Eq. 14: concat(PMP, LUM)."""
    return np.concatenate([pmp(patches, q), lum(patches, alpha)])


class Gaussian:
    """Eq. 15 with the Ledoit-Wolf shrunk covariance (sklearn.covariance.ledoit_wolf written out), Eq. 19."""

    def __init__(self, x):
        n, d = x.shape
        self.mean = x.mean(axis=0)
        xc = x - self.mean                       # assume_centered=False
        emp_cov = xc.T @ xc / n                  # maximum likelihood covariance, 1/n
        mu = np.trace(emp_cov) / d
        self.shrinkage = ledoit_wolf_shrinkage(x)
        self.cov = (1 - self.shrinkage) * emp_cov + self.shrinkage * mu * np.eye(d)
        self.precision = np.linalg.inv(self.cov)

    def distance(self, x):
        """Eq. 19: sqrt((x - mu)^T Sigma^-1 (x - mu))."""
        y = x - self.mean
        return float(np.sqrt(max(y @ self.precision @ y, 0.0)))


# --- Anomaly detector (III-D) -------------------------------------------------------------------------

def resize_bilinear(src, out_h, out_w):
    """Bilinear resize with half-pixel centres (cv::resize INTER_LINEAR, torch align_corners=False)."""
    in_h, in_w = src.shape

    def axis(n_out, n_in):
        pos = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
        pos = np.maximum(pos, 0)
        i0 = np.minimum(np.floor(pos).astype(int), n_in - 1)
        i1 = np.minimum(i0 + 1, n_in - 1)
        frac = pos - i0
        return i0, i1, frac

    y0, y1, fy = axis(out_h, in_h)
    x0, x1, fx = axis(out_w, in_w)
    top = src[y0][:, x0] * (1 - fx) + src[y0][:, x1] * fx
    bottom = src[y1][:, x0] * (1 - fx) + src[y1][:, x1] * fx
    return top * (1 - fy)[:, None] + bottom * fy[:, None]


class Reference:
    def __init__(self, params, train, coreset):
        self.p = params
        eps = params["regularizationEpsilon"]
        self.k = int(round(np.sqrt(train["localCells"])))
        self.g = int(round(np.sqrt(train["globalCells"])))
        reg = params["regularization"]
        mt = bool(params["useMahalanobis"])
        self.local_bank = Bank(train["local"], coreset["local"], reg, eps, mt)
        self.global_bank = Bank(train["global"], coreset["global"], reg, eps, mt)
        # all class features, no coreset; Ledoit-Wolf estimated unless the class bank uses the ridge
        cls_reg = params["classRegularization"]
        self.class_bank = Bank(train["cls"], np.arange(train["count"]), cls_reg, eps if cls_reg == RIDGE else -1.0,
                               mt, cosine=True)
        q, a = params["q"], params["alpha"]
        self.local_gauss = Gaussian(np.stack([image_feature(x, q, a) for x in per_image(train, "local")]))
        self.global_gauss = Gaussian(np.stack([image_feature(x, q, a) for x in per_image(train, "global")]))
        self.class_gauss = Gaussian(train["cls"])

    def components(self, fs, i):
        """Raw component scores of image i: S_p^l (K x K), S_p^g (G x G), w_p, S_i^l, global, class."""
        q, a = self.p["q"], self.p["alpha"]
        local = per_image(fs, "local")[i]
        glob = per_image(fs, "global")[i]
        cls = fs["cls"][i:i + 1]
        return {
            "patchLocal": self.local_bank.min_l2(local).reshape(self.k, self.k),
            "patchGlobal": self.global_bank.min_l2(glob).reshape(self.g, self.g),
            "classWeight": float(np.clip(self.class_bank.max_inner_product(cls)[0], 0.0, 1.0)),
            "imageLocal": self.local_gauss.distance(image_feature(local, q, a)),
            "imageGlobal": self.global_gauss.distance(image_feature(glob, q, a)),
            "imageClass": self.class_gauss.distance(cls[0]),
        }

    def fuse(self, c, stats=None, levels=True):
        """Eq. 18, 20, 21; with stats, the calibrated mode of src/score_fusion.hpp."""
        z = (lambda x, key: (x - stats[key][0]) / stats[key][1]) if stats else (lambda x, key: x)
        p = self.p
        sl = z(c["patchLocal"], "patchLocal")
        sg = resize_bilinear(z(c["patchGlobal"], "patchGlobal"), self.k, self.k)
        wp = c["classWeight"]
        patch_map = (1 - wp) * sg + wp * sl                                              # Eq. 18
        patch = patch_map.max()
        s_ig = (1 - p["wIG"]) * z(c["imageGlobal"], "imageGlobal") + p["wIG"] * z(c["imageClass"], "imageClass")
        s_i = (1 - p["wI"]) * z(c["imageLocal"], "imageLocal") + p["wI"] * s_ig          # Eq. 20
        if stats and levels:
            patch = z(patch, "patchLevel")
            s_i = z(s_i, "imageLevel")
        return {"patchMap": patch_map, "patchScore": patch, "imageScore": s_i,
                "score": (1 - p["w"]) * s_i + p["w"] * patch}                              # Eq. 21


STAT_ROWS = ["patchLocal", "patchGlobal", "imageLocal", "imageGlobal", "imageClass", "patchLevel", "imageLevel"]


def mean_std(values):
    v = np.asarray(values, dtype=np.float64).ravel()
    return v.mean(), v.std(ddof=1)


def calibrate(ref, nominal):
    """Calibration statistics: components over nominal images (patch maps over all locations), then the
    levels of the component-standardised scores; sample std (n - 1)."""
    stats = {}
    for key in STAT_ROWS[:5]:
        stats[key] = mean_std([np.ravel(c[key]) for c in nominal] if key.startswith("patch") else [c[key] for c in nominal])
    fused = [ref.fuse(c, stats, levels=False) for c in nominal]
    stats["patchLevel"] = mean_std([f["patchScore"] for f in fused])
    stats["imageLevel"] = mean_std([f["imageScore"] for f in fused])
    return stats


# --- Reading the case ---------------------------------------------------------------------------------

def per_image(fs, key):
    cells = fs["localCells"] if key == "local" else fs["globalCells"]
    return [fs[key][i * cells:(i + 1) * cells] for i in range(fs["count"])]


def read_case(path):
    fs = cv2.FileStorage(path, cv2.FILE_STORAGE_READ)
    if not fs.isOpened():
        sys.exit(f"unislad_reference.py: cannot read '{path}'")
    node = fs.getNode

    def mat(n):
        return n.mat().astype(np.float64)

    pn = node("params")
    params = {k: pn.getNode(k).real() for k in
              ("q", "alpha", "w", "wI", "wIG", "regularizationEpsilon", "gaussianShrinkage", "thresholdQuantile",
               "thresholdMargin", "regularization", "classRegularization", "imageFeatureMode", "fusion")}
    for k in ("useLocal", "useGlobal", "useMahalanobis", "usePatchBank", "useImageDistribution"):
        params[k] = int(pn.getNode(k).real())
    sets = {}
    for name in ("train", "calibration", "test"):
        n = node(name)
        sets[name] = {"count": int(n.getNode("count").real()), "localCells": int(n.getNode("localCells").real()),
                      "globalCells": int(n.getNode("globalCells").real()),
                      "local": mat(n.getNode("local")), "global": mat(n.getNode("global")), "cls": mat(n.getNode("cls"))}
    coreset = {k: node("coreset").getNode(k).mat().astype(np.int64).ravel() for k in ("local", "global", "cls")}
    modes = [node("modes").at(i).string() for i in range(node("modes").size())]
    outputs = {}
    for m in modes:
        n = node(m)
        names = [n.getNode("resultFields").at(i).string() for i in range(n.getNode("resultFields").size())]
        res = mat(n.getNode("results"))
        outputs[m] = {"results": {name: res[:, j] for j, name in enumerate(names)},
                      "isAnomaly": n.getNode("isAnomaly").mat().ravel(),
                      "patchLocalMaps": mat(n.getNode("patchLocalMaps")),
                      "patchGlobalMaps": mat(n.getNode("patchGlobalMaps")),
                      "patchMaps": mat(n.getNode("patchMaps")),
                      "calibrationStats": mat(n.getNode("calibrationStats")),
                      "threshold": n.getNode("threshold").real()}
    info = {"category": node("category").string(), "imageSize": int(node("imageSize").real())}
    return params, sets, coreset, outputs, info


# --- Comparison ---------------------------------------------------------------------------------------

class Table:
    def __init__(self, tolerance):
        self.tolerance = tolerance
        self.rows = []

    def add(self, name, cpp, ref, scale=None):
        cpp, ref = np.asarray(cpp, np.float64), np.asarray(ref, np.float64)
        assert cpp.shape == ref.shape, (name, cpp.shape, ref.shape)
        diff = float(np.max(np.abs(cpp - ref)))
        scale = float(np.max(np.abs(ref))) if scale is None else scale
        rel = diff / max(scale, 1e-12)
        self.rows.append((name, cpp.size, scale, diff, rel, rel <= self.tolerance))
        return rel

    def print(self):
        print(f"{'quantity':38s} {'n':>6s} {'scale':>11s} {'max |diff|':>11s} {'max rel':>10s}")
        for name, n, scale, diff, rel, ok in self.rows:
            print(f"{name:38s} {n:6d} {scale:11.4g} {diff:11.3g} {rel:10.2e}{'' if ok else '   FAIL'}")

    def ok(self):
        return all(r[5] for r in self.rows)

    def worst(self):
        return max(r[4] for r in self.rows)


def quantile_linear(values, p):
    v = np.sort(np.asarray(values, np.float64))
    pos = p * (len(v) - 1)
    lo = int(np.floor(pos))
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (pos - lo) * (v[hi] - v[lo])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case")
    ap.add_argument("--tolerance", type=float, default=1e-3)
    args = ap.parse_args()

    params, sets, coreset, outputs, info = read_case(args.case)
    unsupported = [k for k in ("useLocal", "useGlobal", "usePatchBank", "useImageDistribution")
                   if not params[k]]
    if params["regularization"] != RIDGE or not params["regularizationEpsilon"] > 0:
        unsupported.append("regularization (the reference implements RIDGE with epsilon > 0)")
    if params["imageFeatureMode"] != PMP_LUM:
        unsupported.append("imageFeatureMode (the reference implements PMP_LUM)")
    if params["gaussianShrinkage"] != -1:
        unsupported.append("gaussianShrinkage (the reference implements Ledoit-Wolf, -1)")
    if unsupported:
        sys.exit("unislad_reference.py: settings not implemented by the reference: " + ", ".join(unsupported))
    if not np.array_equal(coreset["cls"], np.arange(sets["train"]["count"])):
        sys.exit("unislad_reference.py: the class bank is expected to keep every class feature")

    train, cal, test = sets["train"], sets["calibration"], sets["test"]
    print(f"case {args.case}: {info['category']} at {info['imageSize']} px; {train['count']} train, "
          f"{cal['count']} calibration, {test['count']} test images; local {train['local'].shape[1]} dims on "
          f"{train['localCells']} cells (coreset {len(coreset['local'])}), global {train['global'].shape[1]} dims on "
          f"{train['globalCells']} cells (coreset {len(coreset['global'])}), class {train['cls'].shape[1]} dims")

    ref = Reference(params, train, coreset)
    nominal = [ref.components(cal, i) for i in range(cal["count"])]
    comps = [ref.components(test, i) for i in range(test["count"])]
    stats = calibrate(ref, nominal)

    table = Table(args.tolerance)
    failed = False
    for mode, out in outputs.items():
        st = stats if mode == "calibrated" else None
        fused = [ref.fuse(c, st) for c in comps]
        res = out["results"]
        # The raw components do not depend on the mode; compared in each as the C++ computed them in each.
        table.add(f"{mode}: S_p^l maps (Eq. 16)", out["patchLocalMaps"], [np.ravel(c["patchLocal"]) for c in comps])
        table.add(f"{mode}: S_p^g maps (Eq. 16)", out["patchGlobalMaps"], [np.ravel(c["patchGlobal"]) for c in comps])
        table.add(f"{mode}: max S_p^l", res["patchLocal"], [c["patchLocal"].max() for c in comps])
        table.add(f"{mode}: max S_p^g", res["patchGlobal"], [c["patchGlobal"].max() for c in comps])
        # w_p is a clamped cosine in [0, 1]: compared on that scale (where MT leaves the class features
        # nearly orthogonal, w_p ~ 1e-3 and its float32 rounding, ~1e-5, would dominate a relative test).
        table.add(f"{mode}: w_p (Eq. 17), scale 1", res["classWeight"], [c["classWeight"] for c in comps], scale=1.0)
        table.add(f"{mode}: S_i^l (Eq. 19)", res["imageLocal"], [c["imageLocal"] for c in comps])
        table.add(f"{mode}: global image score", res["imageGlobal"], [c["imageGlobal"] for c in comps])
        table.add(f"{mode}: class score", res["imageClass"], [c["imageClass"] for c in comps])
        table.add(f"{mode}: S_p maps (Eq. 18)", out["patchMaps"], [np.ravel(f["patchMap"]) for f in fused])
        table.add(f"{mode}: patch score", res["patchScore"], [f["patchScore"] for f in fused])
        table.add(f"{mode}: S_i (Eq. 20)", res["imageScore"], [f["imageScore"] for f in fused])
        table.add(f"{mode}: S (Eq. 21)", res["score"], [f["score"] for f in fused])
        # Calibration statistics: each (mean, std) pair relative to the larger of |mean| and std (a
        # standardised level's mean is ~0, so its own magnitude is no scale).
        for r, key in enumerate(STAT_ROWS):
            m, s = stats[key]
            table.add(f"{mode}: calibration {key}", out["calibrationStats"][r], [m, s], scale=max(abs(m), s))
        cal_scores = [ref.fuse(c, st)["score"] for c in nominal]
        threshold = quantile_linear(cal_scores, params["thresholdQuantile"]) + \
            params["thresholdMargin"] * np.std(cal_scores, ddof=1)
        table.add(f"{mode}: threshold", [out["threshold"]], [threshold], scale=max(abs(threshold), np.std(cal_scores, ddof=1)))
        # Verdicts, where the score is not within the tolerance of the threshold.
        scores = np.array([f["score"] for f in fused])
        clear = np.abs(scores - threshold) > args.tolerance * max(np.max(np.abs(scores)), 1e-12)
        verdicts = (scores > threshold).astype(int)
        mismatched = int(np.sum(verdicts[clear] != out["isAnomaly"][clear]))
        if mismatched:
            print(f"{mode}: {mismatched} verdict(s) differ")
            failed = True

    table.print()
    ok = table.ok() and not failed
    print(f"max relative difference {table.worst():.2e} (tolerance {args.tolerance:g}): {'OK' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
