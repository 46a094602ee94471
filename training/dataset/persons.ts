// Who is in which clip, for a train/validation split by person: the data set's manifest guesses a name for many
// clips; several guesses are one person under two spellings, and an "unknown" clip is its own person (kept
// whole, never split across train and validation).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ClipEntry {
  /** Path relative to the data set's root (videos/...). */
  file: string;
  guess: string;
  person: string;
}

// Guesses that may name the same person: merged, so a possible match cannot leak into validation.
const ALIASES: Record<string, string> = {
  'MEAD subject, young man (ID unknown; possibly M030)': 'MEAD M030',
  'young Asian woman': 'Asian woman',
};

/** The person key of a manifest guess: a name or a labelled unknown ("unknown B ..."), else the clip itself. */
export function personOf(guess: string, file: string): string {
  const g = ALIASES[guess] ?? guess;
  const labelled = /^unknown [A-Z] \(/.exec(g);
  if (labelled) return g.slice(0, 9);
  if (/^unknown\b/i.test(g) || g === '') return `clip:${file}`;
  return g.replace(/\s*\([^)]*\)\s*$/, '').trim() || `clip:${file}`;
}

export function readClips(dataDir: string): ClipEntry[] {
  const rows = readFileSync(join(dataDir, 'manifest.tsv'), 'utf8').trim().split('\n').slice(1);
  return rows
    .map((r) => r.split('\t'))
    .filter((c) => c[0].startsWith('videos/'))
    .map((c) => ({ file: c[0], guess: c[4] ?? '', person: personOf(c[4] ?? '', c[0]) }));
}

/**
 * Validation persons: persons in the order of a hash of their key, taken until `fraction` of the clips is
 * reached (a fixed, name-independent draw).
 */
export function validationPersons(clips: readonly ClipEntry[], fraction: number): Set<string> {
  const count = new Map<string, number>();
  for (const c of clips) count.set(c.person, (count.get(c.person) ?? 0) + 1);
  const h = (s: string) => createHash('sha256').update(s).digest('hex');
  const order = [...count.keys()].sort((a, b) => (h(a) < h(b) ? -1 : 1));
  const val = new Set<string>();
  let n = 0;
  for (const p of order) {
    if (n >= fraction * clips.length) break;
    // One person with many clips would take validation over alone: leave those to training.
    if ((count.get(p) ?? 0) > 3) continue;
    val.add(p);
    n += count.get(p) ?? 0;
  }
  return val;
}
