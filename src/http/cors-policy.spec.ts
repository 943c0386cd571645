import { CorsPolicy } from './cors-policy';

describe('CorsPolicy', () => {
  const development = new CorsPolicy([
    'http://localhost:*',
    'http://127.0.0.1:*',
    'http://[::1]:*',
  ]);
  const production = new CorsPolicy(['https://app.example.com']);

  it.each([
    ['no Origin header (not a browser page of another site)', undefined, 'kiln.example.com', true],
    ['the API’s own origin', 'https://kiln.example.com', 'kiln.example.com', true],
    [
      'the API’s own origin with a port',
      'http://kiln.example.com:3000',
      'kiln.example.com:3000',
      true,
    ],
    [
      'the API’s host on another port',
      'http://kiln.example.com:8080',
      'kiln.example.com:3000',
      false,
    ],
    ['a listed origin', 'https://app.example.com', 'kiln.example.com', true],
    [
      'a listed origin with its default port',
      'https://app.example.com:443',
      'kiln.example.com',
      true,
    ],
    ['a listed host on http', 'http://app.example.com', 'kiln.example.com', false],
    ['a listed host on another port', 'https://app.example.com:8443', 'kiln.example.com', false],
    ['an unknown origin', 'https://evil.example', 'kiln.example.com', false],
    [
      'a suffix of a listed origin',
      'https://app.example.com.evil.example',
      'kiln.example.com',
      false,
    ],
    ['localhost (production lists none)', 'http://localhost:5173', 'kiln.example.com', false],
    ['the opaque origin "null"', 'null', 'kiln.example.com', false],
  ])('production: %s → %s', (_what, origin, host, allowed) => {
    expect(production.allows(origin, host)).toBe(allowed);
  });

  it.each([
    ['http://localhost:5173', true],
    ['http://localhost', true],
    ['http://127.0.0.1:8080', true],
    ['http://[::1]:3001', true],
    ['https://localhost:5173', false],
    ['http://localhost.evil.example:5173', false],
    ['http://192.168.1.20:5173', false],
  ])('development: %s → %s', (origin, allowed) => {
    expect(development.allows(origin, '127.0.0.1:3000')).toBe(allowed);
  });

  it('allows every origin only when told to with *', () => {
    expect(new CorsPolicy(['*']).allows('https://anyone.example', 'kiln.example.com')).toBe(true);
    expect(new CorsPolicy([]).allows('https://anyone.example', 'kiln.example.com')).toBe(false);
  });
});
