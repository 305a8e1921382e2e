import { describe, expect, it } from 'vitest';
import { createUploadProgress } from './progress';

const MIB = 1024 * 1024;
const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const LOCATION = 'ghcr.io/acme/api';

function recorder(tty: boolean) {
  const written: string[] = [];
  let now = 0;
  const report = createUploadProgress({ write: (text) => written.push(text), tty, now: () => now });
  const send = (digest: string, sent: number, total: number, at = now) => {
    now = at;
    report({ location: LOCATION, digest, sent, total });
  };
  return { written, send };
}

describe('createUploadProgress', () => {
  it('writes plain lines for a big upload: its start, each further quarter, its end', () => {
    const { written, send } = recorder(false);
    for (const sent of [0, 8, 9, 16, 20]) send(A, sent * MIB, 20 * MIB);
    expect(written).toEqual([
      'Uploading sha256:aaaaaaaaaaaa… to ghcr.io/acme/api: 0.0 of 20.0 MiB (0%)\n',
      'Uploading sha256:aaaaaaaaaaaa… to ghcr.io/acme/api: 8.0 of 20.0 MiB (40%)\n',
      'Uploading sha256:aaaaaaaaaaaa… to ghcr.io/acme/api: 16.0 of 20.0 MiB (80%)\n',
      'Uploaded sha256:aaaaaaaaaaaa… to ghcr.io/acme/api: 20.0 of 20.0 MiB (100%)\n',
    ]);
  });

  it('says nothing of a small quick upload, and shows a small one that took longer than a second', () => {
    const { written, send } = recorder(false);
    send(A, 0, MIB, 0);
    send(A, MIB, MIB, 200);
    expect(written).toEqual([]);
    send(B, 0, 2 * MIB, 1000);
    send(B, 2 * MIB, 2 * MIB, 2500);
    expect(written).toEqual(['Uploaded sha256:bbbbbbbbbbbb… to ghcr.io/acme/api: 2.0 of 2.0 MiB (100%)\n']);
  });

  it('starts over in the display when an upload starts over', () => {
    const { written, send } = recorder(false);
    send(A, 0, 20 * MIB);
    send(A, 8 * MIB, 20 * MIB);
    send(A, 0, 20 * MIB);
    expect(written.at(-1)).toBe('Uploading sha256:aaaaaaaaaaaa… to ghcr.io/acme/api: 0.0 of 20.0 MiB (0%)\n');
  });

  it('on a terminal keeps one line in place for every upload in flight, and ends it once all are done', () => {
    const { written, send } = recorder(true);
    send(A, 0, 20 * MIB);
    send(B, 0, 10 * MIB);
    send(A, 8 * MIB, 20 * MIB);
    send(A, 20 * MIB, 20 * MIB);
    send(B, 10 * MIB, 10 * MIB);
    expect(written).toEqual([
      '\r\x1b[KUploading 1 blob: 0.0 of 20.0 MiB (0%)',
      '\r\x1b[KUploading 2 blobs: 0.0 of 30.0 MiB (0%)',
      '\r\x1b[KUploading 2 blobs: 8.0 of 30.0 MiB (26%)',
      '\r\x1b[KUploading 2 blobs: 20.0 of 30.0 MiB (66%)',
      '\r\x1b[KUploading 1 blob: 10.0 of 10.0 MiB (100%)',
      '\n',
    ]);
  });
});
