// After `server:shutdown`: the server comes back on the same address; poll /healthz and try to join again.

/** Polls /healthz once a second for up to 10 minutes and calls tryJoin whenever it answers, until tryJoin
 * reports that it joined. */
export async function rejoinWhenBack(tryJoin: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const up = await fetch('/healthz', { cache: 'no-store' }).then(
      (r) => r.ok,
      () => false,
    );
    if (up && (await tryJoin())) return;
  }
}
