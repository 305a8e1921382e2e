import { describe, expect, it } from 'vitest';
import { SecretMasker } from './secrets';

describe('SecretMasker', () => {
  it('masks a secret and its derived forms once each', () => {
    const masked: string[] = [];
    const masker = new SecretMasker((value) => masked.push(value));
    masker.add('p@ss/word+1');
    masker.add('p@ss/word+1');
    expect(masked).toContain('p@ss/word+1');
    expect(masked).toContain(Buffer.from('p@ss/word+1').toString('base64'));
    expect(masked).toContain(encodeURIComponent('p@ss/word+1'));
    expect(new Set(masked).size).toBe(masked.length);
  });

  it('masks the base64 user:password pair of Basic auth and Docker config', () => {
    const masked: string[] = [];
    const masker = new SecretMasker((value) => masked.push(value));
    masker.addCredentials('robot', 'hunter22');
    const basic = Buffer.from('robot:hunter22').toString('base64');
    expect(masked).toContain(basic);
    expect(masker.redact(`Authorization: Basic ${basic}`)).toBe('Authorization: Basic ***');
  });

  it('redacts every known form from text, longest first', () => {
    const masker = new SecretMasker();
    masker.add('token-123');
    masker.add('token-123456');
    const text = `a token-123456 b token-123 c ${Buffer.from('token-123').toString('base64')}`;
    const redacted = masker.redact(text);
    expect(redacted).toBe('a *** b *** c ***');
    expect(redacted).not.toContain('456');
  });

  it('ignores empty and trivially short values, which would mask ordinary words', () => {
    const masked: string[] = [];
    const masker = new SecretMasker((value) => masked.push(value));
    masker.add(undefined);
    masker.add('');
    masker.add('ab');
    masker.add('    ');
    masker.add(' \n  \n ab ');
    expect(masked).toEqual([]);
    expect(masker.redact('ab cd    ef')).toBe('ab cd    ef');
  });
});

describe('SecretMasker with a secret over several lines', () => {
  it('masks each line too, since the runner masks line by line', () => {
    const masked: string[] = [];
    const masker = new SecretMasker((value) => masked.push(value));
    masker.add('first-line\n::set-output name=x::y');
    expect(masked).toEqual(expect.arrayContaining(['first-line', '::set-output name=x::y']));
    expect(masker.redact('a first-line b')).toBe('a *** b');
  });
});
