// safeEmit: a close event reaches every listener even when an earlier one throws; the errors are reported after.
import { describe, expect, it } from 'vitest';
import { TypedEmitter } from '../../src/util/typed-emitter.ts';

class Closable extends TypedEmitter<{ close: [reason: string] }> {
  readonly errors: unknown[] = [];
  close(reason: string): void {
    this.safeEmit('close', (e) => this.errors.push(e), reason);
  }
}

describe('TypedEmitter.safeEmit', () => {
  it('calls every listener (once-listeners once) despite a throwing one, then reports its error', () => {
    const c = new Closable();
    const heard: string[] = [];
    c.on('close', () => {
      throw new Error('listener bug');
    });
    c.on('close', (r) => heard.push(`on:${r}`));
    c.once('close', (r) => heard.push(`once:${r}`));
    c.close('a');
    c.close('b');
    expect(heard).toEqual(['on:a', 'once:a', 'on:b']);
    expect(c.errors.map((e) => (e as Error).message)).toEqual(['listener bug', 'listener bug']);
  });
});
