// `npm run build:extension`: bundles the browser extension (extension/src, sharing client/src/core) with
// esbuild into extension/dist/unpacked (load it with "Load unpacked") and packs that folder into
// extension/dist/gazecam-camera-<version>.zip. Content scripts must be classic scripts: every entry is one
// self-contained IIFE.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../src/util/paths.ts';

export const EXTENSION_DIR = resolve(PROJECT_ROOT, 'extension');
export const UNPACKED_DIR = resolve(EXTENSION_DIR, 'dist', 'unpacked');

const ENTRIES: Record<string, string> = {
  page: 'src/page/main.ts',
  bridge: 'src/bridge.ts',
  background: 'src/background.ts',
  popup: 'src/popup.ts',
};

/** Builds the unpacked folder and the zip; returns their paths. */
export async function buildExtension(opts: { minify?: boolean } = {}): Promise<{ dir: string; zip: string }> {
  rmSync(UNPACKED_DIR, { recursive: true, force: true });
  mkdirSync(UNPACKED_DIR, { recursive: true });
  await build({
    entryPoints: Object.fromEntries(
      Object.entries(ENTRIES).map(([name, path]) => [name, resolve(EXTENSION_DIR, path)]),
    ),
    outdir: UNPACKED_DIR,
    bundle: true,
    format: 'iife',
    target: 'chrome111',
    minify: opts.minify ?? true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const staticDir = resolve(EXTENSION_DIR, 'static');
  for (const f of readdirSync(staticDir)) copyFileSync(join(staticDir, f), join(UNPACKED_DIR, f));
  const { version } = JSON.parse(readFileSync(join(UNPACKED_DIR, 'manifest.json'), 'utf8')) as {
    version: string;
  };
  const zip = resolve(EXTENSION_DIR, 'dist', `gazecam-camera-${version}.zip`);
  writeFileSync(zip, zipFolder(UNPACKED_DIR));
  return { dir: UNPACKED_DIR, zip };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => (statSync(join(dir, f)).isDirectory() ? filesUnder(join(dir, f)) : [join(dir, f)]));
}

/** A plain ZIP (deflate, no extras) of every file under `dir`, names relative to it. */
export function zipFolder(dir: string): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of filesUnder(dir)) {
    const name = Buffer.from(relative(dir, file).split('\\').join('/'));
    const data = readFileSync(file);
    const packed = deflateRawSync(data);
    const crc = crc32(data);
    // DOS date 2026-01-01 00:00 keeps the archive the same for the same files.
    const date = ((2026 - 1980) << 9) | (1 << 5) | 1;
    // The fields a local header and its central-directory entry share, in the same order, from `at`: version
    // needed, flags, method (deflate), time, date, CRC, compressed and plain sizes, name length.
    const entry = (buf: Buffer, at: number) => {
      buf.writeUInt16LE(20, at);
      buf.writeUInt16LE(0, at + 2);
      buf.writeUInt16LE(8, at + 4);
      buf.writeUInt16LE(0, at + 6);
      buf.writeUInt16LE(date, at + 8);
      buf.writeUInt32LE(crc, at + 10);
      buf.writeUInt32LE(packed.length, at + 14);
      buf.writeUInt32LE(data.length, at + 18);
      buf.writeUInt16LE(name.length, at + 22);
    };
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    entry(head, 4);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    entry(central, 6);
    central.writeUInt32LE(offset, 42);
    locals.push(head, name, packed);
    centrals.push(central, name);
    offset += head.length + name.length + packed.length;
  }
  const dirBytes = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(dirBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dirBytes, end]);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(PROJECT_ROOT, 'tools', 'build-extension.ts')) {
  const { dir, zip } = await buildExtension();
  console.log(`extension: ${relative(PROJECT_ROOT, dir)} (load unpacked), ${relative(PROJECT_ROOT, zip)}`);
}
