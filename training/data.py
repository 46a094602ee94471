"""Reads the cache written by training/dataset/build.ts (npm run dataset): uint8 planar region crops per frame
(pixels, gaze-coded sketch) and per self-reenactment pair (the current renderer's output), and serves batches
of (model input, ground truth) for one region."""
import json
import os

import numpy as np
import torch

EYE = (3, 32, 64)
MOUTH = (3, 64, 64)
EYE_N = 3 * 32 * 64
MOUTH_N = 3 * 64 * 64


class RegionData:
    """region: 'eyes' (both eyes, the left one mirrored: two samples per pair) or 'mouth'."""

    def __init__(self, root, region, split):
        self.root = root
        with open(os.path.join(root, 'index.json')) as f:
            self.index = json.load(f)
        rec = self.index['record']
        self.frames = np.memmap(os.path.join(root, 'frames.u8'), np.uint8, 'r').reshape(-1, rec)
        self.sketches = np.memmap(os.path.join(root, 'sketches.u8'), np.uint8, 'r').reshape(-1, rec)
        self.warps = np.memmap(os.path.join(root, 'warps.u8'), np.uint8, 'r').reshape(-1, rec)
        clips = self.index['clips']
        pairs = np.asarray(self.index['pairs'], dtype=np.int64).reshape(-1, 3)
        keep = np.array([clips[c]['split'] == split for c in pairs[:, 2]], dtype=bool)
        self.pair_ids = np.nonzero(keep)[0]
        self.pairs = pairs
        self.region = region
        self.persons = sorted({c['person'] for c in clips if c['split'] == split})
        if region == 'eyes':
            self.slices = [(0, EYE_N, EYE), (EYE_N, 2 * EYE_N, EYE)]
        else:
            self.slices = [(2 * EYE_N, 2 * EYE_N + MOUTH_N, MOUTH)]

    def __len__(self):
        """Samples: pairs x regions per pair."""
        return len(self.pair_ids) * len(self.slices)

    def augment(self, x, gt, rng):
        """Per sample: one random gain/bias/colour tint on the three images (warp, source, truth alike, not the
        sketch), and for the mouth a random mirror: the persons differ, the lighting should not matter."""
        n = x.shape[0]
        gain = torch.from_numpy(rng.uniform(0.75, 1.25, (n, 1, 1, 1)).astype(np.float32))
        tint = torch.from_numpy(rng.uniform(0.9, 1.1, (n, 3, 1, 1)).astype(np.float32))
        bias = torch.from_numpy(rng.uniform(-0.08, 0.08, (n, 1, 1, 1)).astype(np.float32))
        f = lambda im: (im * gain * tint + bias).clamp(0, 1)  # noqa: E731
        x = torch.cat([f(x[:, :3]), f(x[:, 3:6]), x[:, 6:9]], 1)
        gt = f(gt)
        if self.region == 'mouth':
            flip = torch.from_numpy(rng.random(n) < 0.5)
            x[flip] = x[flip].flip(-1)
            gt[flip] = gt[flip].flip(-1)
        return x, gt

    def batch(self, ids):
        """ids index samples; returns (x [N,9,H,W] float: warp, source, sketch), gt [N,3,H,W] in [0,1]."""
        xs, gts = [], []
        for i in ids:
            p = self.pair_ids[i // len(self.slices)]
            a, b, shape = self.slices[i % len(self.slices)]
            s, t, _ = self.pairs[p]
            warp = self.warps[p, a:b].reshape(shape)
            src = self.frames[s, a:b].reshape(shape)
            sk = self.sketches[t, a:b].reshape(shape)
            xs.append(np.concatenate([warp, src, sk], 0))
            gts.append(self.frames[t, a:b].reshape(shape))
        x = torch.from_numpy(np.stack(xs).astype(np.float32) / 255.0)
        gt = torch.from_numpy(np.stack(gts).astype(np.float32) / 255.0)
        return x, gt
