/**
 * Blobs this process saw in the bucket (its own PutObject succeeded, or a HeadObject found them
 * whole), and when: `S3Storage.putFile` skips the HeadObject of a blob seen within `ttlMs`,
 * since an existing object is never written again and Kiln deletes none. What this trusts is
 * that nobody removed the object from the bucket in that window (a lifecycle rule, an operator);
 * after it, the next store of the same bytes asks the bucket again. Bounded: the oldest sighting
 * goes first once `maxEntries` are held.
 */
export class KnownObjects {
  /** Hash → size and time of the sighting, oldest first (a Map keeps insertion order). */
  private readonly seen = new Map<string, { bytes: number; at: number }>();

  constructor(
    readonly ttlMs: number,
    readonly maxEntries: number,
  ) {}

  /** Whether the blob was seen in the bucket with this size less than `ttlMs` ago. */
  has(sha256: string, bytes: number, now = Date.now()): boolean {
    const sighting = this.seen.get(sha256);
    if (sighting === undefined) return false;
    if (now - sighting.at >= this.ttlMs) {
      this.seen.delete(sha256);
      return false;
    }
    return sighting.bytes === bytes;
  }

  /** Records that the bucket holds the blob whole, now. */
  add(sha256: string, bytes: number, now = Date.now()): void {
    this.seen.delete(sha256);
    this.seen.set(sha256, { bytes, at: now });
    if (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
  }

  /** Blobs held now (expired ones included until asked for). */
  get size(): number {
    return this.seen.size;
  }
}
