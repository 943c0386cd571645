import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a signed output URL's query carries: its expiry (Unix seconds) and the HMAC over it. */
export interface OutputUrlSignature {
  exp: number;
  sig: string;
}

/** `valid`: serve it; `expired`: it was ours but its time is up; `invalid`: forged, altered or someone else's. */
export type OutputUrlCheck = 'valid' | 'expired' | 'invalid';

/** The asset fields a signature covers. */
export interface SignedAssetRef {
  id: string;
  ownerId: string;
}

/**
 * Short-lived download links that need no `Authorization` header, so a browser can put an output
 * in `<img src>` or hand it to a loader. The HMAC covers the asset id, its owner, the output name
 * and the expiry: changing any of them, or presenting the link for another user's asset, fails
 * the check. The key is derived from the JWT secret for this one purpose, so every API process
 * sharing that secret accepts the others' links, and a signature can never pass as a token.
 */
export class OutputUrlSigner {
  private readonly key: Buffer;

  constructor(
    jwtSecret: string,
    /** How long a link works (`KILN_OUTPUT_URL_TTL`). */
    readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHmac('sha256', jwtSecret).update('kiln output url v1').digest();
  }

  /** The download path of an output, with the bearer form's path and an expiring signature. */
  signedUrl(asset: SignedAssetRef, name: string): { url: string; expiresAt: string } {
    const exp = Math.floor(this.now() / 1000) + this.ttlSeconds;
    const sig = this.mac(asset, name, exp);
    return {
      url: `${outputPath(asset.id, name)}?exp=${exp}&sig=${sig}`,
      expiresAt: new Date(exp * 1000).toISOString(),
    };
  }

  /** Checks a link's `exp` and `sig` query values (as sent: strings, possibly missing or repeated). */
  check(asset: SignedAssetRef, name: string, exp: unknown, sig: unknown): OutputUrlCheck {
    if (typeof exp !== 'string' || typeof sig !== 'string' || !/^\d{1,12}$/.test(exp)) {
      return 'invalid';
    }
    const expected = Buffer.from(this.mac(asset, name, Number(exp)));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    return Number(exp) * 1000 <= this.now() ? 'expired' : 'valid';
  }

  private mac(asset: SignedAssetRef, name: string, exp: number): string {
    return createHmac('sha256', this.key)
      .update(`${asset.id}\n${asset.ownerId}\n${name}\n${exp}`)
      .digest('base64url');
  }
}

/** The bearer form of an output's download path. */
export function outputPath(assetId: string, name: string): string {
  return `/assets/${assetId}/outputs/${encodeURIComponent(name)}`;
}
