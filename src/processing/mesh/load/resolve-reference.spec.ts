import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeTemporaryFolders, temporaryFolder } from '../../../../test/support/mesh-load-input';
import { listAssetFiles, resolveReference, type AssetFiles } from './resolve-reference';

const assets: AssetFiles = {
  inputDir: '/upload',
  files: [
    'models/car.obj',
    'models/car.mtl',
    'models/Textures/Paint.PNG',
    'models/textures/paint.png',
    'parts/wheel.jpg',
    'a/dup.png',
    'b/dup.png',
  ],
};

describe('resolveReference', () => {
  afterAll(removeTemporaryFolders);

  it.each([
    ['textures/paint.png', 'models/textures/paint.png'], // exact case wins
    ['TEXTURES/PAINT.png', 'models/Textures/Paint.PNG'],
    ['.\\Textures\\Paint.PNG', 'models/Textures/Paint.PNG'], // backslashes
    ['../parts/wheel.jpg', 'parts/wheel.jpg'], // up, but still inside the folder
    ['..\\parts\\WHEEL.JPG', 'parts/wheel.jpg'],
    ['file:///C:/Users/me/wheel.jpg', 'parts/wheel.jpg'], // absolute: base name
    ['C:\\Users\\me\\My%20Wheel\\wheel.jpg', 'parts/wheel.jpg'],
  ])('finds %s from models/car.mtl at %s', (reference, path) => {
    expect(resolveReference(assets, 'models/car.mtl', reference)).toMatchObject({
      found: true,
      path,
    });
  });

  it.each([
    ['../../etc/passwd', "points outside the upload's folder, not followed"],
    ['/etc/passwd', 'is an absolute path, not followed'],
    ['C:\\Windows\\win.ini', 'is an absolute path, not followed'],
    ['missing.png', 'is not found in the upload'],
    ['dup.png', 'is not found at that path, and 2 files in the upload have its name'],
    ['', 'is an empty file name'],
  ])('does not follow %s: %s', (reference, problem) => {
    expect(resolveReference(assets, 'models/car.mtl', reference)).toEqual({
      found: false,
      problem,
    });
  });

  it('never finds a file outside the folder even when its base name matches one there', () => {
    // ../secret.png escapes; no secret.png inside, so nothing is found.
    expect(resolveReference(assets, 'models/car.obj', '../../secret.png').found).toBe(false);
  });
});

describe('listAssetFiles', () => {
  it('lists regular files, not symbolic links (so none leads outside)', async () => {
    const dir = await temporaryFolder();
    await mkdir(join(dir, 'tex'));
    await writeFile(join(dir, 'model.obj'), '');
    await writeFile(join(dir, 'tex/a.png'), '');
    await symlink('/etc/passwd', join(dir, 'tex/passwd.png'));
    await symlink('/etc', join(dir, 'etc'));
    expect([...(await listAssetFiles(dir)).files].sort()).toEqual(['model.obj', 'tex/a.png']);
  });
});
