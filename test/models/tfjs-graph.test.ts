// Loading TF.js graph models: dequantization, and typed errors that name the broken file.
import { copyFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureModel, sourcePath } from '../../src/inference/models/registry.ts';
import { humanModelsDir, loadTfjsGraph } from '../../src/inference/models/tfjs-graph.ts';
import { rand, TfGraphWriter, toF16 } from './synthetic.ts';

const dirs: string[] = [];
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'tfgraph-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function f16ToNumber(h: number): number {
  return new Float32Array(
    new Uint32Array([((h & 0x8000) << 16) | ((((h >> 10) & 0x1f) + 112) << 23) | ((h & 0x3ff) << 13)]).buffer,
  )[0]!;
}

async function copyModel(name: 'iris' | 'facemesh', dir: string): Promise<void> {
  await copyFile(sourcePath(name), join(dir, `${name}.json`));
  await copyFile(join(humanModelsDir(), `${name}.bin`), join(dir, `${name}.bin`));
}

describe('loadTfjsGraph', () => {
  it('reads a shipped model: nodes, weights, and float16 weights dequantized to float32', async () => {
    const g = await loadTfjsGraph(sourcePath('facemesh'));
    expect(g.nodes.length).toBeGreaterThan(200);
    expect(g.nodes.filter((n) => n.op === 'Placeholder').map((n) => n.name)).toEqual(['input_1']);
    const quantized = g.weightSpecs.filter((w) => w.quantization?.dtype === 'float16');
    expect(quantized.length).toBeGreaterThan(50);
    const w = g.weights.get(quantized[0]!.name)!;
    expect(w.data).toBeInstanceOf(Float32Array);
    expect(w.data.length).toBe(quantized[0]!.shape.reduce((a, b) => a * b, 1));
    expect(g.sourceHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('dequantizes float16 and uint8 affine weights exactly as encoded', async () => {
    const g = new TfGraphWriter();
    g.input('input', [-1, 2]);
    g.weight('h', [3, 4], { f16: true });
    g.weight('q', [5], { u8: true, lo: -2, hi: 2 });
    g.weight('f', [2]);
    const graph = await loadTfjsGraph(await g.write(await tmp(), 'm'));
    const h = graph.weights.get('h')!.data as Float32Array;
    const raw = new Uint16Array(g.chunks[0]!.buffer);
    expect(Array.from(h)).toEqual(Array.from(raw, f16ToNumber));
    // f16 keeps ~3 decimal digits of the original values.
    const original = rand(12, 7919, -0.5, 0.5);
    for (let i = 0; i < 12; i++) expect(Math.abs(h[i]! - original[i]!)).toBeLessThan(5e-4);
    expect(toF16(1)).toBe(0x3c00);
    const q = graph.weights.get('q')!.data as Float32Array;
    const qRaw = g.chunks[1]!;
    for (let i = 0; i < 5; i++) expect(q[i]).toBeCloseTo(qRaw[i]! * (4 / 255) - 2, 6);
    expect(Array.from(graph.weights.get('f')!.data)).toEqual(Array.from(rand(2, 3 * 7919, -0.5, 0.5)));
  });

  it('MODEL_MISSING names an absent model.json', async () => {
    const path = join(await tmp(), 'nope.json');
    await expect(loadTfjsGraph(path)).rejects.toMatchObject({
      code: 'MODEL_MISSING',
      message: expect.stringContaining(path),
    });
  });

  it('MODEL_MISSING names an absent weight shard', async () => {
    const dir = await tmp();
    await copyFile(sourcePath('iris'), join(dir, 'iris.json'));
    await expect(loadTfjsGraph(join(dir, 'iris.json'))).rejects.toMatchObject({
      code: 'MODEL_MISSING',
      message: expect.stringContaining(join(dir, 'iris.bin')),
    });
  });

  it('MODEL_INVALID names a truncated shard', async () => {
    const dir = await tmp();
    await copyModel('iris', dir);
    await truncate(join(dir, 'iris.bin'), 1000);
    await expect(loadTfjsGraph(join(dir, 'iris.json'))).rejects.toMatchObject({
      code: 'MODEL_INVALID',
      message: expect.stringMatching(/iris\.bin.*truncated/),
    });
  });

  it('MODEL_INVALID names a corrupt model.json', async () => {
    const dir = await tmp();
    await copyModel('iris', dir);
    const text = await readFile(join(dir, 'iris.json'), 'utf8');
    await writeFile(join(dir, 'iris.json'), text.slice(0, text.length / 2));
    await expect(loadTfjsGraph(join(dir, 'iris.json'))).rejects.toMatchObject({
      code: 'MODEL_INVALID',
      message: expect.stringContaining(join(dir, 'iris.json')),
    });
  });

  it('ensureModel passes the typed error through, naming the file', async () => {
    const dir = await tmp();
    await copyModel('facemesh', dir);
    await truncate(join(dir, 'facemesh.bin'), 12345);
    await expect(ensureModel('facemesh', { sourceDir: dir, cacheDir: await tmp() })).rejects.toMatchObject({
      code: 'MODEL_INVALID',
      message: expect.stringContaining(join(dir, 'facemesh.bin')),
    });
    await expect(
      ensureModel('iris', { sourceDir: await tmp(), cacheDir: await tmp() }),
    ).rejects.toMatchObject({
      code: 'MODEL_MISSING',
      message: expect.stringContaining('iris.json'),
    });
  });
});
