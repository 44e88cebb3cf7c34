#!/usr/bin/env python3
# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
"""Checks of `unislad detect --masks --heatmaps` (check_cli_masks.cmake).

  check_masks.py run OUT           masks binary, of the input's size; regions = the mask's components
                                   (a flood fill here: boxes, areas, peaks inside); the colour bar
  check_masks.py same A.png B.png  two heat maps equal byte for byte
  check_masks.py big IN.png OUT.png W H   writes IN enlarged to W x H

Prints "FAILED <what>" lines and exits 1 on any failure."""

import collections
import json
import os
import sys

import cv2
import numpy as np

failures = []


def fail(what):
    failures.append(what)
    print("FAILED " + what)


def components(mask):
    """8-connected components of mask > 0 by breadth-first flood fill: [(x, y, w, h, area, pixels)]."""
    seen = np.zeros(mask.shape, bool)
    found = []
    h, w = mask.shape
    for y in range(h):
        for x in range(w):
            if not mask[y, x] or seen[y, x]:
                continue
            queue = collections.deque([(y, x)])
            seen[y, x] = True
            pixels = []
            while queue:
                cy, cx = queue.popleft()
                pixels.append((cy, cx))
                for dy in (-1, 0, 1):
                    for dx in (-1, 0, 1):
                        ny, nx = cy + dy, cx + dx
                        if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                            seen[ny, nx] = True
                            queue.append((ny, nx))
            ys = [p[0] for p in pixels]
            xs = [p[1] for p in pixels]
            found.append((min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1, len(pixels), set(pixels)))
    return found


def check_run(out):
    with open(os.path.join(out, "results.json"), encoding="utf-8") as f:
        results = json.load(f)
    t = results.get("pixel_threshold")
    if not isinstance(t, (int, float)):
        fail("results.json: no numeric pixel_threshold")
    flagged = 0
    for image in results["images"]:
        name = image["path"]
        source = cv2.imread(name, cv2.IMREAD_UNCHANGED)
        if "regions" not in image:
            fail(name + ": no regions in results.json")
            continue
        regions = image["regions"]
        if image.get("mask") is None:
            fail(name + ": no mask in results.json")
            continue
        mask = cv2.imread(os.path.join(out, image["mask"]), cv2.IMREAD_UNCHANGED)
        if mask is None or mask.ndim != 2 or mask.dtype != np.uint8:
            fail(name + ": mask " + image["mask"] + " is not an 8-bit gray image")
            continue
        if mask.shape != source.shape[:2]:
            fail("%s: mask of %s, the image is %s" % (name, mask.shape, source.shape[:2]))
        values = set(np.unique(mask).tolist())
        if not values <= {0, 255}:
            fail("%s: mask values %s, expected 0 and 255 only" % (name, sorted(values)))
        comps = components(mask > 0)
        if sum(r["area"] for r in regions) != int((mask > 0).sum()):
            fail("%s: region areas add up to %d, the mask has %d pixels" % (name, sum(r["area"] for r in regions),
                                                                           int((mask > 0).sum())))
        expected = sorted((c[0], c[1], c[2], c[3], c[4]) for c in comps)
        listed = sorted((r["box"][0], r["box"][1], r["box"][2], r["box"][3], r["area"]) for r in regions)
        if expected != listed:
            fail("%s: regions %s, the mask's components %s" % (name, listed, expected))
        by_box = {(c[0], c[1], c[2], c[3], c[4]): c[5] for c in comps}
        for r in regions:
            x, y = r["peak_at"]
            pixels = by_box.get((r["box"][0], r["box"][1], r["box"][2], r["box"][3], r["area"]), set())
            if (y, x) not in pixels:
                fail("%s: the peak %s of region %s is not one of its pixels" % (name, r["peak_at"], r["box"]))
            if not r["peak"] > t:
                fail("%s: region %s has peak %s, not above the pixel threshold %s" % (name, r["box"], r["peak"], t))
        flagged += bool(regions)
        # The heat map: the overlay, the colour bar on its right (86 px: JET, red at the top, blue at the bottom).
        heat = cv2.imread(os.path.join(out, image["heatmap"]), cv2.IMREAD_COLOR)
        scale = image.get("heatmap_scale")
        if heat is None or not isinstance(scale, (int, float)):
            fail(name + ": no heat map or no heatmap_scale")
            continue
        shown_w = int(round(source.shape[1] * scale))
        shown_h = int(round(source.shape[0] * scale))
        if heat.shape[1] != shown_w + 86:
            fail("%s: heat map %d wide, expected %d (the overlay at scale %g) + 86 (the colour bar)" %
                 (name, heat.shape[1], shown_w, scale))
            continue
        if shown_h >= 64:
            x = shown_w + 8 + 9
            top, bottom = heat[24, x].astype(int), heat[shown_h - 12, x].astype(int)   # BGR
            if not (top[2] > 100 and top[0] < 60 and bottom[0] > 100 and bottom[2] < 60):
                fail("%s: no colour bar (top %s, bottom %s: expected red and blue)" % (name, top.tolist(), bottom.tolist()))
    print("images with regions: %d of %d" % (flagged, len(results["images"])))
    if not flagged:   # the comparison of regions with the masks' components would then be empty
        fail("no image has a region: nothing to compare")


def main(argv):
    if argv[1] == "run":
        check_run(argv[2])
    elif argv[1] == "same":
        with open(argv[2], "rb") as a, open(argv[3], "rb") as b:
            if a.read() != b.read():
                fail("%s and %s differ" % (argv[2], argv[3]))
    elif argv[1] == "big":
        img = cv2.imread(argv[2], cv2.IMREAD_UNCHANGED)
        cv2.imwrite(argv[3], cv2.resize(img, (int(argv[4]), int(argv[5])), interpolation=cv2.INTER_CUBIC))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
