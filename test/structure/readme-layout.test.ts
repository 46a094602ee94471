// The README's "Layout" table is a newcomer's map: it must name exactly the folders there are. A folder counts
// as named when the first column names it (or a folder inside it), or when the row of the nearest named folder
// above it mentions it as `name/`. Every path the section names must exist.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFolders, repoRoot } from './imports.ts';

interface Row {
  /** Repo-relative paths the first column names (`src/inference/onnx`, `models` -> two siblings). */
  named: string[];
  /** Backticked `name/` mentions in the description: sub-folders of a named folder. */
  mentioned: string[];
}

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const section = readme.slice(
  readme.indexOf('## Layout\n'),
  readme.indexOf('\n## ', readme.indexOf('## Layout\n') + 1),
);
const ticks = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

const rows: Row[] = section
  .split('\n')
  .filter((l) => l.startsWith('| `'))
  .map((line) => {
    const [, first, rest] = line.split('|');
    let parent = '';
    const named = ticks(first).map((t) => {
      if (t.includes('/')) parent = t.slice(0, t.lastIndexOf('/') + 1);
      return t.includes('/') ? t : parent + t;
    });
    return { named, mentioned: ticks(rest).filter((t) => /^[\w.-]+\/$/.test(t)) };
  });
const named = rows.flatMap((r) => r.named);

/** Top-level folders git tracks (dot-folders such as .ci aside), and every folder under src/ and client/src. */
const tracked = execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' }).split('\n');
const topFolders = [...new Set(tracked.filter((f) => f.includes('/')).map((f) => f.split('/')[0]))].filter(
  (f) => !f.startsWith('.'),
);
const folders = [...topFolders, ...listFolders('src'), ...listFolders('client/src')];

function covered(folder: string): boolean {
  if (named.includes(folder) || named.some((n) => n.startsWith(`${folder}/`))) return true;
  const ancestors = named.filter((n) => folder.startsWith(`${n}/`)).sort((a, b) => b.length - a.length);
  if (ancestors.length === 0) return false;
  const row = rows.find((r) => r.named.includes(ancestors[0]))!;
  return row.mentioned.includes(`${folder.slice(ancestors[0].length + 1)}/`);
}

describe('README layout', () => {
  it('parses the table', () => {
    expect(rows.length).toBeGreaterThan(10);
    expect(named).toContain('src/media');
    expect(named).toContain('src/inference/models');
  });

  it('every folder under src/ and client/src, and every top-level folder, is named', () => {
    expect(folders).toContain('src/video');
    expect(folders.filter((f) => !covered(f))).toEqual([]);
  });

  it('every path it names exists, and every `name/` it mentions is a folder of its row', () => {
    const paths = [...named, ...ticks(section).filter((t) => topFolders.some((f) => t.startsWith(`${f}/`)))];
    // A glob (`models/*.onnx`) names its folder.
    const resolved = paths.map((p) =>
      p.includes('*') ? p.slice(0, p.lastIndexOf('/')) : p.replace(/\/$/, ''),
    );
    expect(resolved.filter((p) => !existsSync(join(repoRoot, p)))).toEqual([]);
    const stale = rows.flatMap((r) =>
      r.mentioned
        // `src/` in the bench row is the top-level folder, not one of the row's.
        .filter((m) => !topFolders.includes(m.slice(0, -1)))
        .filter(
          (m) =>
            !r.named.some(
              (n) => existsSync(join(repoRoot, n, m)) && statSync(join(repoRoot, n, m)).isDirectory(),
            ),
        )
        .map((m) => `${r.named.join(', ')}: ${m}`),
    );
    expect(stale).toEqual([]);
  });
});
