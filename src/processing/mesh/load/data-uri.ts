/** The bytes of a `data:` URI (base64 or percent-encoded); undefined when it is malformed. */
export function decodeDataUri(uri: string): Uint8Array<ArrayBuffer> | undefined {
  const comma = uri.indexOf(',');
  if (!uri.startsWith('data:') || comma < 0) return undefined;
  const header = uri.slice(5, comma);
  const body = uri.slice(comma + 1);
  if (/;base64$/i.test(header)) {
    if (!/^[A-Za-z0-9+/=\s_-]*$/.test(body)) return undefined;
    return new Uint8Array(Buffer.from(body, 'base64'));
  }
  const text = body.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
  // Percent-escapes are bytes; a character beyond one byte means the URI is not what it claims.
  return Array.from(text).some((char) => char.charCodeAt(0) > 0xff)
    ? undefined
    : new Uint8Array(Buffer.from(text, 'latin1'));
}
