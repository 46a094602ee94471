// What the training tests need beside the checkout: the talking-head data set and Debian's Python with torch.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../../src/util/paths.ts';

export const DATA_DIR =
  process.env.TALKING_HEADS_DIR ?? resolve(PROJECT_ROOT, '..', 'shared', 'data', 'talking-heads');
export const PYTHON = '/usr/bin/python3';

export const dataAvailable = (): boolean => existsSync(join(DATA_DIR, 'manifest.tsv'));

export const torchAvailable = (): boolean =>
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
