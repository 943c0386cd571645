import { parseMapName } from './map-names';

describe('parseMapName: a PBR map by its suffix', () => {
  it.each([
    ['Metal007_1K_Color.jpg', 'Metal007_1K', 'baseColor', undefined],
    ['wood_BaseColor.png', 'wood', 'baseColor', undefined],
    ['wood_Base_Color.tga', 'wood', 'baseColor', undefined],
    ['wood-albedo.webp', 'wood', 'baseColor', undefined],
    ['wood_DIFFUSE.tif', 'wood', 'baseColor', undefined],
    ['Metal007_1K_NormalGL.jpg', 'Metal007_1K', 'normal', 'opengl'],
    ['wood_Normal_OpenGL.png', 'wood', 'normal', 'opengl'],
    ['wood_NormalDX.png', 'wood', 'normal', 'directx'],
    ['wood_Normal_DirectX.exr', 'wood', 'normal', 'directx'],
    ['wood_normal.png', 'wood', 'normal', undefined],
    ['Metal007_1K_Roughness.jpg', 'Metal007_1K', 'roughness', undefined],
    ['wood_Glossiness.png', 'wood', 'glossiness', undefined],
    ['Metal007_1K_Metalness.jpg', 'Metal007_1K', 'metallic', undefined],
    ['wood_Metallic.png', 'wood', 'metallic', undefined],
    ['wood_AO.png', 'wood', 'occlusion', undefined],
    ['wood_AmbientOcclusion.png', 'wood', 'occlusion', undefined],
    ['wood_Occlusion.png', 'wood', 'occlusion', undefined],
    ['Metal007_1K_Displacement.jpg', 'Metal007_1K', 'height', undefined],
    ['wood_Height.png', 'wood', 'height', undefined],
    ['wood_Emissive.png', 'wood', 'emissive', undefined],
    ['wood_Opacity.png', 'wood', 'opacity', undefined],
    ['wood_ORM.png', 'wood', 'orm', undefined],
    ['Cube_MetallicRoughness.png', 'Cube', 'metallicRoughness', undefined],
    ['maps/sub/wood_Roughness.png', 'wood', 'roughness', undefined],
  ])('%s: prefix %s, %s', (path, prefix, role, convention) => {
    expect(parseMapName(path)).toEqual({ prefix, role, convention });
  });

  it.each(['photo.png', 'Normal.png', 'wood_Colour.png', 'wood_ao_x.png', 'woodnormal.png'])(
    '%s carries no PBR suffix',
    (path) => {
      expect(parseMapName(path)).toBeUndefined();
    },
  );
});
