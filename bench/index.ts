// Benchmark dispatcher: `npm run bench -- <name> [args...]` runs bench/<name>.ts's run(args).
// Each benchmark prints JSON lines on stdout; logs go to stderr.

type BenchModule = { run(args: string[]): Promise<void> };

/** name -> module loader; add one line per benchmark. */
const BENCHES: Record<string, () => Promise<BenchModule>> = {
  tracker: () => import('./tracker.ts'),
  crop: () => import('./crop.ts'),
  models: () => import('./models.ts'),
  call: () => import('./call.ts'),
  'call-overload': () => import('./call-overload.ts'),
  pipeline: () => import('./pipeline.ts'),
  quality: () => import('./quality.ts'),
  geometry: () => import('./geometry.ts'),
  'sfu-compare': () => import('./sfu-compare.ts'),
  'room-scale': () => import('./room-scale.ts'),
  soak: () => import('./soak.ts'),
  learned: () => import('./learned.ts'),
  motion: () => import('./motion.ts'),
  sheet: () => import('./avatar-sheet.ts'),
  scale: () => import('./scale.ts'),
  'lid-coupling': () => import('./lid-coupling.ts'),
  'eye-contact': () => import('./eye-contact.ts'),
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const load = name ? BENCHES[name] : undefined;
  if (!load) {
    process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}> [--json]\n`);
    process.exitCode = 2;
    return;
  }
  const mod = await load();
  await mod.run(args);
}

await main();
