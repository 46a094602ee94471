import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, SETTINGS, settingsTable } from '../../src/config.ts';
import { isAppError } from '../../src/util/errors.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';

describe('config', () => {
  it('fills defaults and parses typed values', () => {
    const c = loadConfig({ PORT: '9000', SFU_ICE_HOSTS: ' 10.0.0.2, ,192.168.1.4 ', AVATAR_SIZE: '512' });
    expect(c.PORT).toBe(9000);
    expect(c.HOST).toBe('127.0.0.1');
    expect(c.SFU_ICE_HOSTS).toEqual(['10.0.0.2', '192.168.1.4']);
    expect(c.AVATAR_SIZE).toBe(512);
    expect(c.GENERATOR_MODEL).toBeUndefined();
    expect(loadConfig({}).AVATAR_SIZE).toBe(256);
  });

  it('eye contact: the band must end after it starts; look-away is a 0/1 switch', () => {
    const c = loadConfig({ EYE_CONTACT_FULL_DEG: '12', EYE_CONTACT_LOOK_AWAY: '0' });
    expect([c.EYE_CONTACT_FULL_DEG, c.EYE_CONTACT_NONE_DEG, c.EYE_CONTACT_LOOK_AWAY]).toEqual([
      12,
      30,
      false,
    ]);
    expect(loadConfig({}).EYE_CONTACT_LOOK_AWAY).toBe(true);
    expect(() => loadConfig({ EYE_CONTACT_FULL_DEG: '30', EYE_CONTACT_NONE_DEG: '25' })).toThrow(
      /EYE_CONTACT_NONE_DEG/,
    );
    expect(() => loadConfig({ EYE_CONTACT_LOOK_AWAY: 'yes' })).toThrow(/EYE_CONTACT_LOOK_AWAY/);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', ORT_PROVIDER: '  ' }).PORT).toBe(8080);
  });

  it('refuses bad values with CONFIG_INVALID naming every bad variable', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', AGENT_NICENESS: '40', ORT_PROVIDER: 'tpu' });
    } catch (e) {
      err = e;
    }
    expect(isAppError(err) && err.code).toBe('CONFIG_INVALID');
    const msg = (err as Error).message;
    for (const name of ['PORT', 'AGENT_NICENESS', 'ORT_PROVIDER']) expect(msg).toContain(name);
  });

  it("the README's settings table lists exactly the settings", () => {
    const readme = readFileSync(resolve(PROJECT_ROOT, 'README.md'), 'utf8');
    const inReadme = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(inReadme).toEqual(Object.keys(SETTINGS).sort());
    expect(settingsTable().split('\n')).toHaveLength(Object.keys(SETTINGS).length + 2);
  });
});
