// The converted-model cache: build once, reuse, rebuild on --force or a changed key, atomic under races.
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildModel,
  ensureModel,
  FACE_MODEL_NAMES,
  FACE_MODELS,
  type FaceModelName,
  sourcePath,
} from '../../src/inference/models/registry.ts';
import { humanModelsDir } from '../../src/inference/models/tfjs-graph.ts';
import { createSession } from '../../src/inference/onnx/runtime.ts';

const dirs: string[] = [];
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'modelcache-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function buildInChild(name: string, cacheDir: string): Promise<string> {
  const script = fileURLToPath(new URL('./build-child.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', script, name, cacheDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`child exited ${code}: ${err}`)),
    );
  });
}

describe('converted model signatures', () => {
  const INPUT: Record<FaceModelName, (number | string)[]> = {
    blazeface: [1, 256, 256, 3],
    facemesh: ['batch', 192, 192, 3],
    iris: ['batch', 64, 64, 3],
    faceres: ['batch', 224, 224, 3],
  };
  it.each(FACE_MODEL_NAMES)(
    "%s keeps TF's NHWC input (symbolic batch where TF has -1) and named outputs",
    async (name) => {
      const s = await createSession(await ensureModel(name), { name });
      try {
        expect(s.inputMetadata().map((m) => ({ name: m.name, shape: m.isTensor ? m.shape : null }))).toEqual([
          { name: FACE_MODELS[name].input, shape: INPUT[name] },
        ]);
        expect([...s.outputNames]).toEqual(FACE_MODELS[name].outputs.map((o) => o.name));
      } finally {
        await s.close();
      }
    },
  );
});

describe('model cache', () => {
  it('builds once, then returns the cached file untouched; force rebuilds in place', async () => {
    const cacheDir = await tmp();
    const first = await buildModel('iris', { cacheDir });
    expect(first.built).toBe(true);
    expect(basename(first.path)).toMatch(/^iris\.[0-9a-f]{16}\.onnx$/);
    const mtime = (await stat(first.path)).mtimeMs;
    expect(await ensureModel('iris', { cacheDir })).toBe(first.path);
    expect((await stat(first.path)).mtimeMs).toBe(mtime);
    const again = await buildModel('iris', { cacheDir });
    expect(again.built).toBe(false);
    const forced = await buildModel('iris', { cacheDir, force: true });
    expect(forced.built).toBe(true);
    expect(forced.path).toBe(first.path);
    const s = await createSession(forced.path, { name: 'iris' });
    expect(s.inputNames).toEqual([FACE_MODELS.iris.input]);
    expect([...s.outputNames]).toEqual(FACE_MODELS.iris.outputs.map((o) => o.name));
    await s.close();
  });

  it('replaces a stale file (another key) and leaves no temporary files', async () => {
    const cacheDir = await tmp();
    const stale = join(cacheDir, 'iris.0000000000000000.onnx');
    await writeFile(stale, 'old');
    const other = join(cacheDir, 'facemesh.0000000000000000.onnx');
    await writeFile(other, 'not ours to delete');
    const path = await ensureModel('iris', { cacheDir });
    expect((await readdir(cacheDir)).sort()).toEqual([basename(other), basename(path)].sort());
  });

  it('a changed source gives a new key: rebuilt, and the old file removed', async () => {
    const cacheDir = await tmp();
    const sourceDir = await tmp();
    await copyFile(sourcePath('iris'), join(sourceDir, 'iris.json'));
    await copyFile(join(humanModelsDir(), 'iris.bin'), join(sourceDir, 'iris.bin'));
    const before = await ensureModel('iris', { cacheDir, sourceDir });
    const bin = await readFile(join(sourceDir, 'iris.bin'));
    bin[100] = bin[100]! ^ 1;
    await writeFile(join(sourceDir, 'iris.bin'), bin);
    const after = await ensureModel('iris', { cacheDir, sourceDir });
    expect(after).not.toBe(before);
    expect(await readdir(cacheDir)).toEqual([basename(after)]);
  });

  it('concurrent callers in one process get the same file and leave no temporaries', async () => {
    const cacheDir = await tmp();
    const paths = await Promise.all([1, 2, 3].map(() => ensureModel('iris', { cacheDir })));
    expect(new Set(paths).size).toBe(1);
    expect(await readdir(cacheDir)).toEqual([basename(paths[0]!)]);
  });

  it('two processes building the same model at once both succeed with one valid file', async () => {
    const cacheDir = await tmp();
    const [a, b] = await Promise.all([buildInChild('iris', cacheDir), buildInChild('iris', cacheDir)]);
    expect(a).toBe(b);
    expect(await readdir(cacheDir)).toEqual([basename(a)]);
    const s = await createSession(a, { name: 'iris' });
    expect(s.outputNames).toContain('eye');
    await s.close();
  });
});
