// `npm run models [-- --force] [name...]`: converts the face models into the cache and says what it did.
import { AppError } from '../../util/errors.ts';
import { buildModel, FACE_MODEL_NAMES, type FaceModelName } from './registry.ts';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const names = args.filter((a) => !a.startsWith('--')) as FaceModelName[];
  for (const n of names) {
    if (!FACE_MODEL_NAMES.includes(n))
      throw new AppError('BAD_REQUEST', `unknown model ${n} (${FACE_MODEL_NAMES.join(', ')})`);
  }
  const t0 = performance.now();
  for (const name of names.length ? names : FACE_MODEL_NAMES) {
    const r = await buildModel(name, { force });
    const what = r.built
      ? `built in ${r.convertMs.toFixed(0)} ms (${(r.bytes / 1e6).toFixed(2)} MB)`
      : 'up to date';
    console.log(`${name.padEnd(10)} ${what}  ${r.path}`);
  }
  console.log(`done in ${(performance.now() - t0).toFixed(0)} ms`);
}

main().catch((e) => {
  console.error(e instanceof AppError ? `${e.code}: ${e.message}` : e);
  process.exit(1);
});
