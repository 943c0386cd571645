import { scryptSync } from 'node:crypto';
import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('stores scrypt$N$r$p$salt$hash with a 16-byte salt and a 32-byte key', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    const [scheme, N, r, p, salt, key] = stored.split('$');

    expect([scheme, N, r, p]).toEqual(['scrypt', '32768', '8', '3']);
    expect(Buffer.from(salt, 'base64')).toHaveLength(16);
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
  });

  it('accepts the right password and refuses a wrong one', async () => {
    const stored = await hasher.hash('correct horse battery staple');

    await expect(hasher.verify('correct horse battery staple', stored)).resolves.toBe(true);
    await expect(hasher.verify('correct horse battery stapler', stored)).resolves.toBe(false);
    await expect(hasher.verify('', stored)).resolves.toBe(false);
  });

  it('salts every hash, so one password hashes differently twice', async () => {
    const [a, b] = await Promise.all([hasher.hash('same password'), hasher.hash('same password')]);

    expect(a).not.toBe(b);
    await expect(hasher.verify('same password', b)).resolves.toBe(true);
  });

  it('verifies with the parameters stored in the hash, not the current ones', async () => {
    // A hash made with a cheaper cost than today's, as an older Kiln would have stored it.
    const salt = Buffer.from('salt-16-bytes...');
    const key = scryptSync('old password', salt, 32, { N: 1024, r: 8, p: 1 });
    const stored = `scrypt$1024$8$1$${salt.toString('base64')}$${key.toString('base64')}`;

    await expect(hasher.verify('old password', stored)).resolves.toBe(true);
    await expect(hasher.verify('new password', stored)).resolves.toBe(false);
  });

  it('treats the same text in another Unicode normal form as the same password', async () => {
    const stored = await hasher.hash('caf\u00e9 au lait');

    await expect(hasher.verify('cafe\u0301 au lait', stored)).resolves.toBe(true);
  });

  it.each([
    ['an empty string', ''],
    ['another scheme', 'bcrypt$2b$10$abc'],
    ['N not a power of two', 'scrypt$1000$8$1$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAA=='],
    [
      'a cost beyond the memory cap',
      'scrypt$1048576$8$1$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAA==',
    ],
    ['a missing hash', 'scrypt$1024$8$1$c2FsdHNhbHRzYWx0c2FsdA==$'],
  ])('answers false, without throwing, for a malformed stored hash: %s', async (_case, stored) => {
    await expect(hasher.verify('whatever password', stored)).resolves.toBe(false);
  });
});
