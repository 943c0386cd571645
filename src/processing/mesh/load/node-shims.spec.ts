import { resolveObjectURL } from 'node:buffer';
import { runInThisContext } from 'node:vm';
import type { Texture } from 'three';
import {
  ensureDomParser,
  readBlobUrl,
  recordingLoadingManager,
  revokeObjectUrls,
  TEXTURE_SOURCE,
  withObjectUrlsRecorded,
} from './node-shims';

/** The global three's modules run in (Node's, under jest too). */
const threeGlobal = runInThisContext('globalThis') as typeof globalThis & { window?: unknown };

describe('node shims', () => {
  it('hands three an empty texture that records what it asked for, reading nothing', () => {
    const loader = recordingLoadingManager().getHandler('C:\\textures\\a.tga') as unknown as {
      load(url: string): Texture;
    };
    const texture = loader.load('C:\\textures\\a.tga');
    expect(texture.userData[TEXTURE_SOURCE]).toBe('C:\\textures\\a.tga');
  });

  it('records the blob URLs a parse makes, reads them once and leaves none behind', async () => {
    const { result, objectUrls } = withObjectUrlsRecorded(() => {
      expect(threeGlobal.window).toEqual({ innerWidth: 1, innerHeight: 1 });
      return threeGlobal.URL.createObjectURL(new threeGlobal.Blob([new Uint8Array([1, 2, 3])]));
    });
    expect(objectUrls).toEqual([result]);
    expect(threeGlobal.window).toBeUndefined();
    expect(await readBlobUrl(result)).toEqual(new Uint8Array([1, 2, 3]));
    expect(resolveObjectURL(result)).toBeUndefined();
    revokeObjectUrls(objectUrls); // a second revoke is harmless
  });

  it('revokes the blob URLs of a parse that throws, and restores createObjectURL', () => {
    const create = threeGlobal.URL.createObjectURL;
    let made = '';
    expect(() =>
      withObjectUrlsRecorded(() => {
        made = threeGlobal.URL.createObjectURL(new threeGlobal.Blob(['x']));
        throw new Error('garbage');
      }),
    ).toThrow('garbage');
    expect(resolveObjectURL(made)).toBeUndefined();
    expect(threeGlobal.URL.createObjectURL).toBe(create);
  });

  it('gives three a DOMParser that parses XML and throws on broken XML, once', () => {
    ensureDomParser();
    interface XmlParser {
      parseFromString(
        text: string,
        type: string,
      ): {
        getElementsByTagName(name: string): { getAttribute(name: string): string | null }[];
      };
    }
    const Parser = (threeGlobal as unknown as { DOMParser: new () => XmlParser }).DOMParser;
    ensureDomParser();
    expect((threeGlobal as unknown as { DOMParser: unknown }).DOMParser).toBe(Parser);
    const xml = new Parser().parseFromString('<a><b x="1"/></a>', 'application/xml');
    expect(xml.getElementsByTagName('b')[0].getAttribute('x')).toBe('1');
    expect(() => new Parser().parseFromString('<a><b></a>', 'application/xml')).toThrow();
  });
});
