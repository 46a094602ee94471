import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const repoRoot = resolve(import.meta.dirname, '../..');

/** Every file under `dir` (relative to the repo root, '/'-separated) whose name ends with one of `exts`. */
export function listFiles(dir: string, exts: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (abs: string): void => {
    for (const name of readdirSync(abs)) {
      const path = join(abs, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (exts.some((e) => name.endsWith(e))) out.push(relative(repoRoot, path).split('\\').join('/'));
    }
  };
  walk(join(repoRoot, dir));
  return out.sort();
}

/** Every folder under `dir` that holds a file somewhere inside (git keeps no empty folder), repo-relative. */
export function listFolders(dir: string): string[] {
  return [
    ...new Set(
      listFiles(dir, ['']).flatMap((f) => {
        const parts = f.split('/').slice(0, -1);
        return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
      }),
    ),
  ]
    .filter((f) => f.startsWith(`${dir}/`))
    .sort();
}

export interface Import {
  from: string;
  /** Repo-relative path of the imported file; undefined for packages and node: built-ins. */
  to: string | undefined;
  specifier: string;
}

/**
 * The imports of one file as TypeScript's own pre-processor reads them: static, `import type`, `export ... from`
 * and dynamic `import()` with a literal, so a type-only edge counts as much as a value edge.
 */
export function importsOf(file: string): Import[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map(({ fileName }) => ({
    from: file,
    specifier: fileName,
    to: fileName.startsWith('.')
      ? relative(repoRoot, resolve(repoRoot, dirname(file), fileName))
          .split('\\')
          .join('/')
      : undefined,
  }));
}

/** Import cycles among `files` (each as the list of files around it), found by Tarjan's strongly connected components. */
export function importCycles(
  files: readonly string[],
  targetsOf: (file: string) => string[] = (f) => importsOf(f).flatMap((i) => (i.to ? [i.to] : [])),
): string[][] {
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  for (const f of files)
    edges.set(
      f,
      targetsOf(f).filter((t) => known.has(t)),
    );
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (edges.get(v) ?? []).includes(v)) cycles.push(component.sort());
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return cycles;
}
