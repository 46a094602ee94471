"""Writes models/manifest.json and models/MANIFEST.md from the training summaries (train.py --export writes
.cache/train/<region>/summary.json) and the dataset index: command, data hash, commit, validation figures,
wall time, samples/s, the data's terms.
  /usr/bin/python3 training/manifest.py [--bench bench-learned.jsonl]"""
import argparse
import hashlib
import json
import os

TERMS = ('Trained on ../shared/data/talking-heads (clips gathered from public research repositories: VoxCeleb, '
         'MEAD, HDTF and LRS3-style crops, broadcasts, stock footage). Their terms are research-only or '
         'non-commercial in several cases: these weights carry that caution; do not use them commercially '
         'without clearing the sources (see the data set\'s README and manifest.tsv).')


def sha(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--train', default='.cache/train')
    p.add_argument('--data', default='.cache/dataset')
    p.add_argument('--bench', default=None, help='JSON lines of npm run bench -- learned')
    p.add_argument('--out', default='models')
    a = p.parse_args()
    with open(os.path.join(a.data, 'index.json')) as f:
        index = json.load(f)
    clips = index['clips']
    split = {s: sorted({c['person'] for c in clips if c['split'] == s}) for s in ('train', 'val')}
    man = {
        'contract': 'input x float32 [N,9,H,W] = warp RGB, source RGB, sketch RGB in [0,1]; output y float32 '
                    '[N,4,H,W] = patch RGB, mask (src/inference/generator/learned-regions.ts)',
        'dataset': {'command': 'npm run dataset -- ' + ' '.join(
            f'--{k.replace("maxFrames", "max-frames").replace("valFraction", "val-fraction")} {v}'
            for k, v in index['options'].items() if k in ('fps', 'maxFrames', 'sources', 'valFraction')),
            'data_hash': index['dataHash'], 'clips': len(clips), 'frames': index['frames'],
            'pairs': len(index['pairs']), 'persons_train': len(split['train']), 'persons_val': len(split['val']),
            'validation_persons': split['val'], 'build_wall_s': index['wallS']},
        'models': {},
        'terms': TERMS,
    }
    for region in ('eyes', 'mouth'):
        sp = os.path.join(a.train, region, 'summary.json')
        onnx = os.path.join(a.out, f'region-{region}.onnx')
        if not (os.path.exists(sp) and os.path.exists(onnx)):
            continue
        with open(sp) as f:
            s = json.load(f)
        man['models'][f'region-{region}.onnx'] = {
            'sha256_16': sha(onnx), 'bytes': os.path.getsize(onnx), 'params': s['params'],
            'command': s['command'], 'commit': s['commit'], 'data_hash': s['data_hash'], 'device': s['device'],
            'steps': s['steps'], 'train_wall_s': s['train_s'], 'wall_clock_s': s.get('wall_s'), 'samples_per_s': s['samples_per_s'],
            'train_pairs': s['train_pairs'], 'val_pairs': s['val_pairs'],
            'validation_crop': {k: s['val'][k] for k in ('ssim', 'l1', 'psnr', 'ssim_warp', 'l1_warp', 'psnr_warp', 'mask')},
            'fp16_rounded': s.get('fp16_rounded'),
        }
    basis = os.path.join(a.out, 'face-basis.json')
    if os.path.exists(basis):
        with open(basis) as f:
            t = json.load(f)['trained']
        man['models']['face-basis.json'] = {'sha256_16': sha(basis), 'bytes': os.path.getsize(basis), **t}
    if a.bench and os.path.exists(a.bench):
        with open(a.bench) as f:
            lines = [json.loads(l) for l in f if l.startswith('{')]
        man['bench_learned'] = [l for l in lines if l.get('kind') in ('mean', 'speed')]
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, 'manifest.json'), 'w') as f:
        json.dump(man, f, indent=1)
    md = ['# Learned region renderers', '',
          'Small U-Nets that redraw each eye (the left one mirrored) and the mouth over the classic renderer\'s '
          'output (src/inference/generator/learned-regions.ts; REGION_RENDERER=classic turns them off).', '',
          '**Terms.** ' + TERMS, '',
          f"Dataset: `{man['dataset']['command']}`, hash `{index['dataHash']}`: {len(clips)} clips, "
          f"{index['frames']} frames, {len(index['pairs'])} self-reenactment pairs, persons {len(split['train'])} "
          f"train / {len(split['val'])} validation (split by person).", '']
    for name, m in man['models'].items():
        if name == 'face-basis.json':
            md += [f'## {name}', '',
                   'Identity and expression components of canonical faces (src/inference/geometry/face-basis.ts): '
                   'an identity photo with its mouth open is re-enacted from its neutral face.', '',
                   f"- commands: `{m['command']}` (commit {m['commit']})",
                   f"- {m['bytes']} bytes, sha256 {m['sha256_16']}; {m['identity']} identity components "
                   f"({m['identityVariance']} of the neutral faces' variance), {m['expression']} expression "
                   f"components ({m['expressionVariance']} of the expressions')",
                   f"- data: the training split only, {m['clips']} clips of {m['persons']} persons with at least 3 "
                   f"resting frames, {m['frames']} frames (data set hash {m['dataHash']})", '']
            continue
        v = m['validation_crop']
        md += [f'## {name}', '',
               f"- command: `{m['command']}` (commit {m['commit']}, {m['device']})",
               f"- {m['params']} parameters, {m['bytes']} bytes, sha256 {m['sha256_16']}",
               f"- {m['steps']} steps, {m['train_wall_s']} s in training steps ({m['wall_clock_s']} s wall clock with "
               f"validation, on 1 thread of a shared 2-core machine), {m['samples_per_s']} samples/s",
               f"- validation crops ({m['val_pairs']} pairs): SSIM {v['ssim']} (classic renderer {v['ssim_warp']}), "
               f"L1 {v['l1']} ({v['l1_warp']}), PSNR {v['psnr']} ({v['psnr_warp']}); mean mask {v['mask']}", '']
    if man.get('bench_learned'):
        md += ['## npm run bench -- learned (validation persons, whole frames)', '', '```']
        md += [json.dumps(l) for l in man['bench_learned']] + ['```', '']
    with open(os.path.join(a.out, 'MANIFEST.md'), 'w') as f:
        f.write('\n'.join(md))
    print(json.dumps({k: v for k, v in man.items() if k != 'terms'})[:2000])


if __name__ == '__main__':
    main()
