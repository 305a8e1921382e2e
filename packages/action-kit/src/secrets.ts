/**
 * Knows every secret a run has seen, asks the runner to mask each one and every derived form
 * (base64, URL-encoded, `user:pass` and its base64 as in Basic auth and Docker config), and
 * redacts them from any text we produce ourselves (errors, summaries, outputs).
 */
export class SecretMasker {
  readonly #secrets = new Set<string>();
  readonly #mask: (value: string) => void;

  /** @param mask called once per new form, e.g. `core.setSecret`. Default: nothing (tests). */
  constructor(mask: (value: string) => void = () => {}) {
    this.#mask = mask;
  }

  /**
   * Masks a secret and its derived forms. Short values (under 4 characters without the white space
   * around them) are not secrets worth masking: every such run of spaces would become `***`.
   */
  add(secret: string | undefined): void {
    if (!secret || secret.trim().length < 4) return;
    for (const form of derivedForms(secret)) this.#remember(form);
    // The runner reads the log line by line, so it masks each line of a secret, trimmed
    // (AddMaskCommandExtension): so do we, in what we write ourselves.
    for (const line of secret.split(/\r?\n|\r/)) if (line.trim() !== secret) this.add(line.trim());
  }

  /** Masks a password, the `user:password` pair and its base64 form (Basic auth, Docker `auths`). */
  addCredentials(username: string, password: string): void {
    this.add(password);
    if (!username) return;
    this.add(`${username}:${password}`);
  }

  /** Replaces every known secret in `text` with `***`, longest first so that no fragment is left. */
  redact(text: string): string {
    let result = text;
    const ordered = [...this.#secrets].sort((a, b) => b.length - a.length);
    for (const secret of ordered) result = result.split(secret).join('***');
    return result;
  }

  #remember(form: string): void {
    if (form.length < 4 || this.#secrets.has(form)) return;
    this.#secrets.add(form);
    this.#mask(form);
  }
}

function derivedForms(secret: string): string[] {
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  return [
    secret,
    base64,
    base64.replace(/=+$/, ''),
    Buffer.from(secret, 'utf8').toString('base64url'),
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
  ];
}
