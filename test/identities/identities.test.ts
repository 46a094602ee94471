// Identity upload: sharp checks (format, limits, truncation), the face check (exactly one face), and the HTTP
// routes (upload, list per owner, photo, delete) over a real HTTP server with the real face models.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkImage, DEFAULT_IMAGE_LIMITS } from '../../src/server/identities/image-check.ts';
import {
  createIdentityRoutes,
  type IdentityRoutes,
  OWNER_HEADER,
} from '../../src/server/identities/routes.ts';
import { loadIdentityPhotos } from '../../src/server/identities/store.ts';
import { FIXTURES_DIR, fixturesAvailable } from '../../src/util/paths.ts';

const photo = (name: string) => readFileSync(join(FIXTURES_DIR, 'identities', name));
const plain = (w: number, h: number, format: 'jpeg' | 'png' | 'gif' = 'jpeg') =>
  sharp({ create: { width: w, height: h, channels: 3, background: '#3a6' } })
    .toFormat(format)
    .toBuffer();

async function expectCode(p: Promise<unknown>, code: string): Promise<string> {
  const e = await p.then(
    () => null,
    (err: unknown) => err as { code?: string; message: string },
  );
  expect(e?.code).toBe(code);
  return e?.message ?? '';
}

describe('checkImage (sharp)', () => {
  it('refuses a text file, a GIF and an empty file as IMAGE_INVALID', async () => {
    expect(
      await expectCode(checkImage(Buffer.from('hello, not an image'), 'notes.txt'), 'IMAGE_INVALID'),
    ).toMatch(/not an image/);
    expect(await expectCode(checkImage(await plain(100, 100, 'gif'), 'a.gif'), 'IMAGE_INVALID')).toMatch(
      /gif/,
    );
    await expectCode(checkImage(new Uint8Array(0), 'empty'), 'IMAGE_INVALID');
  });

  it('refuses a truncated JPEG whose header still reads', async () => {
    const full = await sharp({
      create: {
        width: 640,
        height: 480,
        channels: 3,
        background: { r: 0, g: 0, b: 0 },
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .jpeg()
      .toBuffer();
    const cut = full.subarray(0, Math.floor(full.length / 2));
    expect((await sharp(cut).metadata()).width).toBe(640);
    expect(await expectCode(checkImage(cut, 'cut.jpg'), 'IMAGE_INVALID')).toMatch(/truncated/);
  });

  it('enforces byte, pixel and minimum-size limits', async () => {
    const img = await plain(300, 200);
    const limits = { ...DEFAULT_IMAGE_LIMITS };
    await expectCode(checkImage(img, 'x', { ...limits, maxBytes: img.length - 1 }), 'IMAGE_TOO_LARGE');
    expect(
      await expectCode(checkImage(img, 'x', { ...limits, maxPixels: 300 * 200 - 1 }), 'IMAGE_TOO_LARGE'),
    ).toMatch(/300x200/);
    expect(await expectCode(checkImage(await plain(300, 40), 'x'), 'IMAGE_INVALID')).toMatch(/too small/);
  });

  it('scales a large photo down to the stored size and re-encodes it as JPEG', async () => {
    const big = await plain(2400, 1200, 'png');
    const { rgba, jpeg } = await checkImage(big, 'big.png');
    expect([rgba.width, rgba.height]).toEqual([1024, 512]);
    expect(rgba.data.length).toBe(1024 * 512 * 4);
    const meta = await sharp(jpeg).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1024, 512]);
  });
});

describe.skipIf(!fixturesAvailable())(
  'identity HTTP routes (fixture portraits; skipped without ../shared/fixtures)',
  () => {
    let dir: string;
    let routes: IdentityRoutes;
    let server: Server;
    let base: string;
    const alice = 'owner-alice-0123456789';
    const bob = 'owner-bob-0123456789abc';

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'identities-'));
      routes = createIdentityRoutes({ dir });
      server = createServer((req, res) => {
        if (!routes.handle(req, res)) res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/identities`;
    });

    afterAll(async () => {
      await routes?.close();
      await routes?.close(); // idempotent
      await new Promise((r) => server?.close(r));
      rmSync(dir, { recursive: true, force: true });
    });

    const upload = (owner: string, files: Array<[string, Uint8Array, string?]>, name?: string) => {
      const form = new FormData();
      if (name) form.set('name', name);
      for (const [fname, bytes, type] of files)
        form.append('photo', new Blob([new Uint8Array(bytes)], { type: type ?? 'image/jpeg' }), fname);
      return fetch(base, { method: 'POST', body: form, headers: { [OWNER_HEADER]: owner } });
    };

    it('accepts a portrait, outlines its face and lists it for its owner only', async () => {
      const res = await upload(alice, [['s5.jpg', photo('s5.jpg')]]);
      const body = await res.json();
      expect(res.status).toBe(201);
      expect(body.ok).toBe(true);
      const { identity } = body;
      expect(identity.name).toBe('s5');
      expect(identity.photos).toHaveLength(1);
      const p = identity.photos[0];
      expect([p.width, p.height]).toEqual([720, 720]);
      // The portrait's face sits in the middle third; a face box of a sensible size.
      expect(p.box.x + p.box.width / 2).toBeGreaterThan(240);
      expect(p.box.x + p.box.width / 2).toBeLessThan(480);
      expect(p.box.width).toBeGreaterThan(80);
      expect(p.box.width).toBeLessThan(400);

      const mine = await (await fetch(base, { headers: { [OWNER_HEADER]: alice } })).json();
      expect(mine.identities.map((i: { id: string }) => i.id)).toEqual([identity.id]);
      const theirs = await (await fetch(base, { headers: { [OWNER_HEADER]: bob } })).json();
      expect(theirs).toEqual({ ok: true, identities: [] });

      const img = await fetch(new URL(p.url, base), { headers: { [OWNER_HEADER]: alice } });
      expect(img.headers.get('content-type')).toBe('image/jpeg');
      const meta = await sharp(Buffer.from(await img.arrayBuffer())).metadata();
      expect([meta.format, meta.width]).toEqual(['jpeg', 720]);
    });

    it('serves an identity and its photos to its owner only', async () => {
      const { identity } = await (await upload(alice, [['s7.jpg', photo('s5.jpg')]])).json();
      const photoUrl = new URL(identity.photos[0].url, base);
      const one = `${base}/${identity.id}`;
      for (const url of [photoUrl, one]) {
        const anonymous = await fetch(url);
        expect(anonymous.status).toBe(400);
        expect((await anonymous.json()).error.code).toBe('BAD_REQUEST');
        const other = await fetch(url, { headers: { [OWNER_HEADER]: bob } });
        expect(other.status).toBe(403);
        expect((await other.json()).error.code).toBe('FORBIDDEN');
        expect((await fetch(url, { headers: { [OWNER_HEADER]: alice } })).status).toBe(200);
      }
      const head = await fetch(photoUrl, { method: 'HEAD', headers: { [OWNER_HEADER]: bob } });
      expect(head.status).toBe(403);
      const mine = await fetch(photoUrl, { headers: { [OWNER_HEADER]: alice } });
      expect(mine.headers.get('cache-control')).toMatch(/private/);
      expect(
        (await fetch(`${base}/${identity.id}/photos/9.jpg`, { headers: { [OWNER_HEADER]: alice } })).status,
      ).toBe(404);
    });

    it('stores several photos of one person as one N-shot identity, readable by the agent', async () => {
      const res = await upload(
        alice,
        [
          ['a.jpg', photo('s0.jpg')],
          ['b.jpg', photo('s3.jpg')],
        ],
        'Two shots',
      );
      expect(res.status).toBe(201);
      const { identity } = await res.json();
      expect(identity.name).toBe('Two shots');
      expect(identity.photos).toHaveLength(2);
      const photos = await loadIdentityPhotos(identity.id, dir);
      expect(photos).toHaveLength(2);
      expect([photos[0].image.width, photos[0].image.height]).toEqual([600, 704]);
      expect(photos[0].image.data.length).toBe(600 * 704 * 4);
      expect(photos[1].box).toEqual(identity.photos[1].box);
    });

    it('answers NO_FACE and MULTIPLE_FACES with 422 and stores nothing', async () => {
      const none = await upload(bob, [['wall.jpg', await plain(400, 300)]]);
      expect(none.status).toBe(422);
      expect((await none.json()).error.code).toBe('NO_FACE');

      const both = await sharp({ create: { width: 1445, height: 725, channels: 3, background: '#888' } })
        .composite([
          { input: photo('s5.jpg'), left: 0, top: 0 },
          { input: photo('s6.jpg'), left: 720, top: 0 },
        ])
        .jpeg()
        .toBuffer();
      const two = await upload(bob, [['pair.jpg', both]]);
      expect(two.status).toBe(422);
      const body = await two.json();
      expect(body.ok).toBe(false);
      expect(body.error.code).toBe('MULTIPLE_FACES');
      expect(body.error.message).toMatch(/pair\.jpg: 2 faces/);

      // One bad photo among good ones refuses the whole identity.
      const mixed = await upload(bob, [
        ['good.jpg', photo('s6.jpg')],
        ['bad.txt', Buffer.from('text'), 'text/plain'],
      ]);
      expect(mixed.status).toBe(422);
      expect((await mixed.json()).error).toMatchObject({
        code: 'IMAGE_INVALID',
        message: expect.stringMatching(/bad\.txt/),
      });
      expect((await (await fetch(base, { headers: { [OWNER_HEADER]: bob } })).json()).identities).toEqual([]);
    });

    it('accepts a raw image body and refuses bad requests with codes', async () => {
      const raw = await fetch(base, {
        method: 'POST',
        body: photo('s12.jpg'),
        headers: { [OWNER_HEADER]: bob, 'content-type': 'image/jpeg' },
      });
      expect(raw.status).toBe(201);
      // Browsers' boundaries mix cases (----WebKitFormBoundary...): the boundary is read as sent.
      const boundary = '----WebKitFormBoundaryQx7AbC';
      const multipart = Buffer.concat([
        Buffer.from(
          `--${boundary}\r\ncontent-disposition: form-data; name="photo"; filename="s12.jpg"\r\ncontent-type: image/jpeg\r\n\r\n`,
        ),
        photo('s12.jpg'),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const mixedCase = await fetch(base, {
        method: 'POST',
        body: multipart,
        headers: { [OWNER_HEADER]: bob, 'content-type': `multipart/form-data; boundary=${boundary}` },
      });
      expect(mixedCase.status).toBe(201);
      const noOwner = await fetch(base);
      expect(noOwner.status).toBe(400);
      expect((await noOwner.json()).error.code).toBe('BAD_REQUEST');
      const empty = await upload(bob, []);
      expect((await empty.json()).error.code).toBe('BAD_REQUEST');
      const missing = await fetch(`${base}/00000000-0000-4000-8000-000000000000`, {
        headers: { [OWNER_HEADER]: bob },
      });
      expect(missing.status).toBe(404);
      const traversal = await fetch(`${base}/..%2F..%2Fetc/photos/0.jpg`, {
        headers: { [OWNER_HEADER]: bob },
      });
      expect(traversal.status).toBe(404);
    });

    it('deletes an identity for its owner only', async () => {
      const { identity } = await (await upload(bob, [['s9.jpg', photo('s9.jpg')]])).json();
      const url = `${base}/${identity.id}`;
      const byAlice = await fetch(url, { method: 'DELETE', headers: { [OWNER_HEADER]: alice } });
      expect(byAlice.status).toBe(403);
      const byBob = await fetch(url, { method: 'DELETE', headers: { [OWNER_HEADER]: bob } });
      expect(await byBob.json()).toEqual({ ok: true });
      expect((await fetch(url, { headers: { [OWNER_HEADER]: bob } })).status).toBe(404);
      expect(
        (await fetch(new URL(identity.photos[0].url, base), { headers: { [OWNER_HEADER]: bob } })).status,
      ).toBe(404);
      await expect(loadIdentityPhotos(identity.id, dir)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  },
);
