"""Trains one learned region renderer (eyes or mouth) on the cache of npm run dataset, and exports it to ONNX.

  npm run train -- --region eyes --epochs 8 --steps 400
  (= /usr/bin/python3 training/train.py ...; CPU by default, CUDA when torch sees it)

Progress line per step, validation per epoch on the validation persons (SSIM / L1 / PSNR of the composite and
of the warp alone), checkpoints in --out (last.pt, best.pt), --resume, fixed seed. Losses after the paper:
L1 + (1 - SSIM) on the composite, and after --gan-after steps a hinge GAN with a patch critic (the region's
D_I; for the mouth it plays D_M) and the critic's feature matching (L_FM)."""
import argparse
import copy
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import RegionData  # noqa: E402
from model import PatchCritic, RegionNet, compose, ssim  # noqa: E402


def parse():
    p = argparse.ArgumentParser()
    p.add_argument('--region', choices=['eyes', 'mouth'], required=True)
    p.add_argument('--data', default='.cache/dataset')
    p.add_argument('--out', default=None, help='checkpoint folder (default .cache/train/<region>)')
    p.add_argument('--epochs', type=int, default=8)
    p.add_argument('--steps', type=int, default=400, help='steps per epoch')
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--gan-after', type=int, default=1500, help='steps of L1+SSIM before the critic joins (-1: never)')
    p.add_argument('--w-gan', type=float, default=0.02)
    p.add_argument('--w-fm', type=float, default=0.5)
    p.add_argument('--w-mask', type=float, default=0.01, help='mask sparsity: keep the warp where it is right')
    p.add_argument('--val-max', type=int, default=1024, help='validation samples per epoch')
    p.add_argument('--clip', type=float, default=0.5, help='gradient norm clip')
    p.add_argument('--augment', action='store_true', help='random lighting (and mouth mirroring) per sample')
    p.add_argument('--width', default='12,24,48', help='U-Net widths')
    p.add_argument('--weight-decay', type=float, default=0.0)
    p.add_argument('--seed', type=int, default=1234)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--resume', action='store_true')
    p.add_argument('--export', default=None, help='ONNX path for the best checkpoint at the end')
    p.add_argument('--max-minutes', type=float, default=0, help='stop after this wall time (0: no limit)')
    p.add_argument('--log-every', type=int, default=1)
    return p.parse_args()


@torch.no_grad()
def validate(net, val, dev, n_max, batch=64):
    net.eval()
    rng = np.random.default_rng(0)
    ids = rng.permutation(len(val))[:n_max]
    acc = {k: [] for k in ['ssim', 'l1', 'psnr', 'ssim_warp', 'l1_warp', 'psnr_warp', 'mask']}
    for i in range(0, len(ids), batch):
        x, gt = val.batch(ids[i:i + batch])
        x, gt = x.to(dev), gt.to(dev)
        y = net(x)
        comp = compose(y, x[:, :3])
        for tag, img in (('', comp), ('_warp', x[:, :3])):
            acc['ssim' + tag] += ssim(img, gt, reduce=False).tolist()
            l1 = (img - gt).abs().flatten(1).mean(1)
            mse = ((img - gt) ** 2).flatten(1).mean(1).clamp_min(1e-10)
            acc['l1' + tag] += l1.tolist()
            acc['psnr' + tag] += (10 * torch.log10(1 / mse)).tolist()
        acc['mask'] += y[:, 3].flatten(1).mean(1).tolist()
    net.train()
    return {k: round(float(np.mean(v)), 4) for k, v in acc.items()}


def widths(text):
    return tuple(int(v) for v in text.split(','))


def export_onnx(net, path, shape):
    """Input x [N,9,H,W] (warp, source, sketch; N free) -> y [N,4,H,W] (patch RGB, mask). Weights as fp16
    are rounded back into the fp32 graph when that changes outputs by < 1/255 (smaller diffs in git, same
    runtime)."""
    net = net.cpu().eval()
    dummy = torch.rand(2, 9, shape[1], shape[2])
    with torch.no_grad():
        ref = net(dummy)
        half = {k: v.half().float() for k, v in net.state_dict().items()}
        fp = copy.deepcopy(net)
        fp.load_state_dict(half)
        fp.eval()
        err = float((fp(dummy) - ref).abs().max())
    use = fp if err < 1 / 255 else net
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    torch.onnx.export(use, dummy, path, input_names=['x'], output_names=['y'],
                      dynamic_axes={'x': {0: 'n'}, 'y': {0: 'n'}}, opset_version=13)
    return {'fp16_rounded': use is fp, 'fp16_max_err': err}


def main():
    a = parse()
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    torch.set_num_threads(a.threads)
    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    out = a.out or os.path.join('.cache', 'train', a.region)
    os.makedirs(out, exist_ok=True)
    train = RegionData(a.data, a.region, 'train')
    val = RegionData(a.data, a.region, 'val')
    print(json.dumps({'event': 'data', 'region': a.region, 'train_samples': len(train), 'val_samples': len(val),
                      'train_persons': len(train.persons), 'val_persons': len(val.persons),
                      'data_hash': train.index['dataHash'], 'device': str(dev)}), flush=True)
    net = RegionNet(widths(a.width)).to(dev)
    crit = PatchCritic().to(dev)
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, betas=(0.5, 0.999), weight_decay=a.weight_decay)
    opt_d = torch.optim.Adam(crit.parameters(), lr=a.lr, betas=(0.5, 0.999))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=a.epochs * a.steps, eta_min=a.lr * 0.05)
    state = {'step': 0, 'epoch': 0, 'best': -1.0, 'history': [], 'train_s': 0.0, 'samples': 0}
    last = os.path.join(out, 'last.pt')
    if a.resume and os.path.exists(last):
        ck = torch.load(last, map_location=dev)
        net.load_state_dict(ck['net'])
        crit.load_state_dict(ck['crit'])
        opt.load_state_dict(ck['opt'])
        opt_d.load_state_dict(ck['opt_d'])
        sched.load_state_dict(ck['sched'])
        state = ck['state']
        print(json.dumps({'event': 'resume', 'step': state['step'], 'epoch': state['epoch']}), flush=True)
    params = sum(p.numel() for p in net.parameters())
    rng = np.random.default_rng(a.seed + state['step'])
    t_start = time.time()
    stop = False
    if state['epoch'] == 0 and not state['history']:
        base = validate(net, val, dev, a.val_max)
        print(json.dumps({'event': 'val', 'epoch': 0, **base}), flush=True)
    while state['epoch'] < a.epochs and not stop:
        t_ep = time.time()
        for _ in range(a.steps):
            t0 = time.time()
            x, gt = train.batch(rng.integers(0, len(train), a.batch))
            if a.augment:
                x, gt = train.augment(x, gt, rng)
            x, gt = x.to(dev), gt.to(dev)
            y = net(x)
            comp = compose(y, x[:, :3])
            l1 = (comp - gt).abs().mean()
            ls = 1 - ssim(comp, gt)
            lm = y[:, 3].mean()
            loss = l1 + ls + a.w_mask * lm
            gan = a.gan_after >= 0 and state['step'] >= a.gan_after
            lg = lfm = ld = torch.zeros((), device=dev)
            sk = x[:, 6:9]
            if gan:
                fake_s, fake_f = crit(torch.cat([comp, sk], 1))
                with torch.no_grad():
                    _, real_f = crit(torch.cat([gt, sk], 1))
                lg = -fake_s.mean()
                lfm = sum(F.l1_loss(f, r) for f, r in zip(fake_f, real_f)) / len(fake_f)
                loss = loss + a.w_gan * lg + a.w_fm * lfm
            opt.zero_grad(set_to_none=True)
            loss.backward()
            # A burst of large gradients once saturated the mask's sigmoid at 0 for good (mouth, lr 2e-3).
            torch.nn.utils.clip_grad_norm_(net.parameters(), a.clip)
            opt.step()
            sched.step()
            if gan:
                real_s, _ = crit(torch.cat([gt, sk], 1))
                fake_s, _ = crit(torch.cat([comp.detach(), sk], 1))
                ld = F.relu(1 - real_s).mean() + F.relu(1 + fake_s).mean()
                opt_d.zero_grad(set_to_none=True)
                ld.backward()
                opt_d.step()
            state['step'] += 1
            dt = time.time() - t0
            state['train_s'] += dt
            state['samples'] += a.batch
            if state['step'] % a.log_every == 0:
                print(f"step {state['step']} ep {state['epoch'] + 1} loss {loss.item():.4f} l1 {l1.item():.4f} "
                      f"ssim {1 - ls.item():.4f} mask {lm.item():.3f} g {lg.item():.3f} fm {lfm.item():.3f} "
                      f"d {ld.item():.3f} {a.batch / dt:.0f} samples/s", flush=True)
            if a.max_minutes and time.time() - t_start > 60 * a.max_minutes:
                stop = True
                break
        state['epoch'] += 1
        v = validate(net, val, dev, a.val_max)
        v.update({'event': 'val', 'epoch': state['epoch'], 'step': state['step'], 'epoch_s': round(time.time() - t_ep, 1)})
        state['history'].append(v)
        print(json.dumps(v), flush=True)
        ck = {'net': net.state_dict(), 'crit': crit.state_dict(), 'opt': opt.state_dict(), 'opt_d': opt_d.state_dict(),
              'sched': sched.state_dict(), 'state': state, 'args': vars(a)}
        torch.save(ck, last)
        if v['ssim'] > state['best']:
            state['best'] = v['ssim']
            torch.save(ck, os.path.join(out, 'best.pt'))
    summary = {'event': 'done', 'region': a.region, 'params': params, 'steps': state['step'],
               'train_s': round(state['train_s'], 1), 'samples': state['samples'],
               'samples_per_s': round(state['samples'] / max(state['train_s'], 1e-9), 1),
               'best_val_ssim': state['best'], 'data_hash': train.index['dataHash'],
               'train_persons': len(train.persons), 'val_persons': len(val.persons),
               'train_pairs': len(train.pair_ids), 'val_pairs': len(val.pair_ids), 'device': str(dev)}
    if a.export:
        best = torch.load(os.path.join(out, 'best.pt'), map_location='cpu')
        net_cpu = RegionNet(widths(a.width))
        net_cpu.load_state_dict(best['net'])
        shape = (3, 32, 64) if a.region == 'eyes' else (3, 64, 64)
        summary.update(export_onnx(net_cpu, a.export, shape))
        summary['export'] = a.export
        summary['val'] = max(best['state']['history'], key=lambda h: h['ssim'])
        summary['command'] = ' '.join(['npm run train --'] + sys.argv[1:])
        try:
            summary['commit'] = subprocess.check_output(['git', 'rev-parse', '--short', 'HEAD'], text=True).strip()
        except Exception:  # noqa: BLE001 - a checkout without git still trains
            summary['commit'] = None
        with open(os.path.join(out, 'summary.json'), 'w') as f:
            json.dump(summary, f, indent=1)
    print(json.dumps(summary), flush=True)


if __name__ == '__main__':
    main()
