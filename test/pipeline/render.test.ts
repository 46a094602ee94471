import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { render } from '../../src/cli/render.ts';
import { joinMjpeg, readMjpeg, splitMjpeg } from '../../src/util/mjpeg.ts';
import { FIXTURES_DIR, fixturesAvailable, PROJECT_ROOT } from '../../src/util/paths.ts';

const skip = !fixturesAvailable();
if (skip) console.warn(`render CLI tests skipped: fixtures not found at ${FIXTURES_DIR}`);
const dir = mkdtempSync(join(tmpdir(), 'render-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(skip)('render CLI', () => {
  const driver = join(dir, 'short.mjpeg');
  const identity = join(FIXTURES_DIR, 'identities', 's12.jpg');
  const base = { identities: [identity], driver, mode: 'avatar' as const, size: 256, progress: false };

  it('writes one output frame per driver frame (MJPEG), a sketch and a trace', async () => {
    writeFileSync(driver, joinMjpeg(readMjpeg(join(FIXTURES_DIR, 'drivers', 'd6.mjpeg')).slice(0, 6)));
    const out = join(dir, 'out.mjpeg');
    const s = await render({
      ...base,
      out,
      sketch: join(dir, 'sketch.mjpeg'),
      trace: join(dir, 'trace.jsonl'),
    });
    expect(s.frames).toBe(6);
    expect(s.faceFrames).toBe(6);
    expect(s.msPerFrame.total).toBeGreaterThan(0);
    const frames = splitMjpeg(readFileSync(out));
    expect(frames).toHaveLength(6);
    const meta = await sharp(frames[0]).metadata();
    expect([meta.width, meta.height]).toEqual([256, 256]);
    expect(splitMjpeg(readFileSync(join(dir, 'sketch.mjpeg')))).toHaveLength(6);
    const trace = readFileSync(join(dir, 'trace.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(trace).toHaveLength(6);
    expect(trace[0]).toMatchObject({ frame: 0, state: 'ok', face: true });
    expect(Object.keys(trace[0].ms)).toEqual(['track', 'geometry', 'flow', 'generate', 'compose', 'total']);
    // Pose and gaze of the driver (degrees) from the geometry stage.
    expect(Math.abs(trace[0].pose.yaw)).toBeLessThan(90);
    expect(Number.isFinite(trace[0].gaze.left.theta)).toBe(true);
  });

  it('writes an image sequence into a folder, eye-contact mode at the driver size', async () => {
    const out = join(dir, 'seq');
    const s = await render({ ...base, identities: [], mode: 'eyes', out });
    expect(s.frames).toBe(6);
    const files = readdirSync(out).sort();
    expect(files).toEqual([
      'frame_00000.jpg',
      'frame_00001.jpg',
      'frame_00002.jpg',
      'frame_00003.jpg',
      'frame_00004.jpg',
      'frame_00005.jpg',
    ]);
    expect((await sharp(join(out, files[0])).metadata()).width).toBe(512);
  });

  it('fails clearly on an identity without a face and on an unreadable driver', async () => {
    const grey = join(dir, 'grey.jpg');
    await sharp({
      create: { width: 160, height: 160, channels: 3, background: { r: 120, g: 120, b: 120 } },
    }).toFile(grey);
    await expect(render({ ...base, identities: [grey], out: join(dir, 'x.mjpeg') })).rejects.toMatchObject({
      code: 'NO_FACE',
    });
    await expect(
      render({ ...base, driver: join(dir, 'missing.mjpeg'), out: join(dir, 'y.mjpeg') }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('exits non-zero with the error on bad input', () => {
    const r = spawnSync(
      'npx',
      [
        'tsx',
        'src/cli/render.ts',
        '--driver',
        join(dir, 'missing.mjpeg'),
        '--out',
        join(dir, 'z.mjpeg'),
        '--mode',
        'eyes',
      ],
      { cwd: PROJECT_ROOT, encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('NOT_FOUND');
    const u = spawnSync('npx', ['tsx', 'src/cli/render.ts', '--mode', 'dance'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });
    expect(u.status).toBe(2);
    expect(u.stderr).toContain('usage');
  });
});
