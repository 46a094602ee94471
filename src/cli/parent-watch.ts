// Calls `onGone` when this process's parent exits (the process is re-parented: its ppid changes). Under
// `npm start` the server is npm's child: npm passes SIGINT and SIGTERM on, but a SIGHUP or SIGKILL to npm
// ends npm alone, and the server must not stay behind holding the port.
const POLL_MS = 500;

export function watchParent(onGone: () => void): () => void {
  const parent = process.ppid;
  const t = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(t);
    onGone();
  }, POLL_MS);
  t.unref();
  return () => clearInterval(t);
}
