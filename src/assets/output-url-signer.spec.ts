import { OutputUrlSigner } from './output-url-signer';

describe('OutputUrlSigner', () => {
  const asset = { id: '7d0c5b1e-0000-4000-8000-000000000001', ownerId: 'user-a' };
  let now = Date.parse('2026-12-04T12:00:00Z');
  const signer = new OutputUrlSigner('a-secret-of-enough-length', 900, () => now);
  const query = (url: string) => Object.fromEntries(new URL(url, 'http://x').searchParams);

  beforeEach(() => (now = Date.parse('2026-12-04T12:00:00Z')));

  it('signs the bearer path with an expiry TTL seconds ahead', () => {
    const { url, expiresAt } = signer.signedUrl(asset, 'thumbnail.png');
    expect(url).toMatch(
      /^\/assets\/7d0c5b1e-0000-4000-8000-000000000001\/outputs\/thumbnail\.png\?exp=1796386500&sig=[\w-]{43}$/,
    );
    expect(expiresAt).toBe('2026-12-04T12:15:00.000Z');
    const { exp, sig } = query(url);
    expect(signer.check(asset, 'thumbnail.png', exp, sig)).toBe('valid');
  });

  it('answers expired once the expiry has passed, and only then', () => {
    const { exp, sig } = query(signer.signedUrl(asset, 'model.glb').url);
    now += 899_000;
    expect(signer.check(asset, 'model.glb', exp, sig)).toBe('valid');
    now += 1000;
    expect(signer.check(asset, 'model.glb', exp, sig)).toBe('expired');
  });

  it('refuses a link altered in any part, or shown for another owner or output', () => {
    const { exp, sig } = query(signer.signedUrl(asset, 'thumbnail.png').url);
    expect(signer.check(asset, 'metadata.json', exp, sig)).toBe('invalid');
    expect(signer.check({ ...asset, ownerId: 'user-b' }, 'thumbnail.png', exp, sig)).toBe(
      'invalid',
    );
    expect(signer.check(asset, 'thumbnail.png', String(Number(exp) + 3600), sig)).toBe('invalid');
    expect(signer.check(asset, 'thumbnail.png', exp, `${sig.slice(0, -1)}A`)).not.toBe('valid');
    expect(signer.check(asset, 'thumbnail.png', exp, undefined)).toBe('invalid');
    expect(signer.check(asset, 'thumbnail.png', [exp, exp], sig)).toBe('invalid');
    expect(signer.check(asset, 'thumbnail.png', '-5', sig)).toBe('invalid');
  });

  it('does not accept another secret’s signature', () => {
    const other = new OutputUrlSigner('another-secret-entirely', 900, () => now);
    const { exp, sig } = query(other.signedUrl(asset, 'thumbnail.png').url);
    expect(signer.check(asset, 'thumbnail.png', exp, sig)).toBe('invalid');
  });
});
