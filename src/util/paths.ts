import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setting } from '../config.ts';

/** Repository root (this file lives in src/util). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Real test material beside the checkout; FIXTURES_DIR overrides. */
export const FIXTURES_DIR = setting('FIXTURES_DIR');

export function fixturesAvailable(): boolean {
  return existsSync(resolve(FIXTURES_DIR, 'identities')) && existsSync(resolve(FIXTURES_DIR, 'drivers'));
}

/** Where converted and generated models go (never committed); MODEL_CACHE_DIR overrides. */
export const MODEL_CACHE_DIR = setting('MODEL_CACHE_DIR');
