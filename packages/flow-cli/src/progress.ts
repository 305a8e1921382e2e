import { shortDigest } from '@flow-actions/action-kit';
import type { UploadProgress } from '@flow-actions/oci-store';

const MIB = 1024 * 1024;

export interface UploadProgressOptions {
  /** Writes to stderr, never stdout: `--json` output stays one object. */
  write: (text: string) => void;
  /** stderr is a terminal: one line, rewritten in place. Default: false (plain lines). */
  tty?: boolean;
  /** Uploads at least this big are shown from their start. Default: 8 MiB (what goes up in chunks). */
  minBytes?: number;
  /** Smaller uploads are shown once they have taken this long. Default: 1000 ms. */
  slowMs?: number;
  /** Default: Date.now. */
  now?: () => number;
}

interface Upload {
  started: number;
  sent: number;
  total: number;
  shown: boolean;
  /** The last quarter (0-4) a plain line was written for. */
  quarter: number;
}

/**
 * Shows long uploads on stderr: big ones from their start, others once they are slow; quick
 * small ones never. On a terminal, one line with every upload in flight, updated in place;
 * elsewhere (a CI log, a pipe) a plain line when an upload is first shown, at each further
 * quarter, and at its end, so a log stays short.
 */
export function createUploadProgress(options: UploadProgressOptions): (progress: UploadProgress) => void {
  const now = options.now ?? Date.now;
  const minBytes = options.minBytes ?? 8 * MIB;
  const slowMs = options.slowMs ?? 1000;
  const uploads = new Map<string, Upload>();
  let lineOpen = false;

  const drawInPlace = () => {
    const shown = [...uploads.values()].filter((upload) => upload.shown);
    const sent = shown.reduce((sum, upload) => sum + upload.sent, 0);
    const total = shown.reduce((sum, upload) => sum + upload.total, 0);
    const blobs = shown.length === 1 ? '1 blob' : `${shown.length} blobs`;
    options.write(`\r\x1b[KUploading ${blobs}: ${describe(sent, total)}`);
    lineOpen = true;
  };

  return (progress) => {
    const key = `${progress.location}@${progress.digest}`;
    let upload = uploads.get(key);
    // A first event, or an upload started over after a failure.
    if (!upload || progress.sent === 0) {
      upload = { started: now(), sent: 0, total: progress.total, shown: false, quarter: -1 };
      uploads.set(key, upload);
    }
    upload.sent = progress.sent;
    upload.total = progress.total;
    const done = progress.sent >= progress.total;
    upload.shown ||= progress.total >= minBytes || now() - upload.started >= slowMs;
    if (upload.shown) {
      if (options.tty) {
        drawInPlace();
      } else {
        const quarter = done ? 4 : Math.floor((4 * progress.sent) / Math.max(1, progress.total));
        if (quarter > upload.quarter) {
          options.write(
            `${done ? 'Uploaded' : 'Uploading'} ${shortDigest(progress.digest)} to ${progress.location}: ${describe(progress.sent, progress.total)}\n`,
          );
          upload.quarter = quarter;
        }
      }
    }
    if (done) uploads.delete(key);
    if (options.tty && lineOpen && ![...uploads.values()].some((other) => other.shown)) {
      options.write('\n');
      lineOpen = false;
    }
  };
}

function describe(sent: number, total: number): string {
  const percent = total > 0 ? Math.floor((100 * sent) / total) : 100;
  return `${(sent / MIB).toFixed(1)} of ${(total / MIB).toFixed(1)} MiB (${percent}%)`;
}
