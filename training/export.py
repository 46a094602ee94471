"""Exports a checkpoint of train.py to ONNX (the learned-regions.ts contract):
  /usr/bin/python3 training/export.py --ckpt .cache/train/eyes/best.pt --region eyes --out models/region-eyes.onnx"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import RegionNet  # noqa: E402
from train import export_onnx, widths  # noqa: E402

if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--ckpt', required=True)
    p.add_argument('--region', choices=['eyes', 'mouth'], required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--width', default='12,24,48')
    a = p.parse_args()
    net = RegionNet(widths(a.width))
    net.load_state_dict(torch.load(a.ckpt, map_location='cpu')['net'])
    shape = (3, 32, 64) if a.region == 'eyes' else (3, 64, 64)
    print(export_onnx(net, a.out, shape))
