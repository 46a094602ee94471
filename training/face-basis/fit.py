#!/usr/bin/env python3
"""Fits the face basis (models/face-basis.json) from training/face-basis/collect.ts's output.

Identity: principal components of the training clips' neutral faces around their mean. Expression: principal
components of every frame's expression (its canonical face minus its clip's neutral). Both in the canonical
space of src/inference/geometry (478 x 3 per face). The product uses them to tell a single photo's expression
from its identity (src/inference/geometry/face-basis.ts): photo = mean + I a + E b + residual, neutral = photo - E b.

Usage: python3 training/face-basis/fit.py [--data .cache/face-basis] [--out models/face-basis.json]
       [--identity 12] [--expression 16]
"""
import argparse
import json
import os

import numpy as np

N = 478 * 3


def load(path):
    a = np.fromfile(path, dtype='<f4')
    return a.reshape(-1, N).astype(np.float64)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--data', default='.cache/face-basis')
    p.add_argument('--out', default='models/face-basis.json')
    p.add_argument('--identity', type=int, default=12)
    p.add_argument('--expression', type=int, default=16)
    a = p.parse_args()
    neutrals = load(os.path.join(a.data, 'neutrals.f32'))
    expressions = load(os.path.join(a.data, 'expressions.f32'))
    meta = json.load(open(os.path.join(a.data, 'meta.json')))
    mean = neutrals.mean(0)
    _, s_i, vt_i = np.linalg.svd(neutrals - mean, full_matrices=False)
    sd_i = s_i / np.sqrt(max(1, len(neutrals) - 1))
    # Expressions are deviations from a neutral already: their second moment, not their spread about a mean.
    _, s_e, vt_e = np.linalg.svd(expressions, full_matrices=False)
    sd_e = s_e / np.sqrt(len(expressions))
    ki, ke = a.identity, a.expression
    # What the kept identity components leave of the neutral faces: the per-coordinate noise of the fit.
    resid = (neutrals - mean) - (neutrals - mean) @ vt_i[:ki].T @ vt_i[:ki]
    sigma2 = float((resid ** 2).mean())
    ev_i = float((s_i[:ki] ** 2).sum() / (s_i ** 2).sum())
    ev_e = float((s_e[:ke] ** 2).sum() / (s_e ** 2).sum())
    r = lambda v: [float(f'{x:.6g}') for x in v]
    out = {
        'version': 1,
        'points': 478,
        'mean': r(mean),
        'identity': {'basis': [r(v) for v in vt_i[:ki]], 'sd': r(sd_i[:ki])},
        'expression': {'basis': [r(v) for v in vt_e[:ke]], 'sd': r(sd_e[:ke])},
        'sigma2': float(f'{sigma2:.6g}'),
        'trained': {
            'command': 'npx tsx training/face-basis/collect.ts && python3 training/face-basis/fit.py'
                       f' --identity {ki} --expression {ke}',
            'commit': os.popen('git rev-parse --short HEAD').read().strip(),
            'identity': ki,
            'expression': ke,
            'clips': len(neutrals),
            'frames': len(expressions),
            'persons': len(set(meta['persons'])),
            'dataHash': meta['dataHash'],
            'identityVariance': round(ev_i, 4),
            'expressionVariance': round(ev_e, 4),
        },
    }
    with open(a.out, 'w') as f:
        json.dump(out, f, separators=(',', ':'))
    print(json.dumps({'out': a.out, 'bytes': os.path.getsize(a.out), **out['trained'], 'sigma2': out['sigma2'],
                      'sdIdentity': out['identity']['sd'][:4], 'sdExpression': out['expression']['sd'][:4]}))


if __name__ == '__main__':
    main()
