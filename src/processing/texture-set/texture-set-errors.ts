import { ProcessingError } from '../processing.error';

export const TEXTURE_SET_EMPTY = 'TEXTURE_SET_EMPTY';

/** The asset holds no file whose name carries a PBR suffix Kiln knows. */
export function textureSetEmpty(files: readonly string[]): ProcessingError {
  const listed = files.length > 0 ? files.map((file) => JSON.stringify(file)).join(', ') : 'none';
  return new ProcessingError(
    TEXTURE_SET_EMPTY,
    `The texture set holds no map Kiln recognises (files: ${listed}). Name maps by suffix, e.g. wood_BaseColor.png, wood_Normal.png, wood_Roughness.png, and upload again.`,
  );
}
