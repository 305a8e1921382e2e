import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isConfigurationError } from '@flow-actions/action-kit';
import { describe, expect, it } from 'vitest';
import { type EditOptions, editManifest, helmKeyRole, parseHelmKey } from './manifest-edit';

const FIXTURES = join(import.meta.dirname, '../../../test/fixtures/manifests');
const fixture = (path: string) => readFileSync(join(FIXTURES, path), 'utf8');

const OLD = `sha256:${'1'.repeat(64)}`;
const NEW = `sha256:${'a'.repeat(64)}`;
const API = 'ghcr.io/acme/api';

function options(
  overrides: Partial<EditOptions['target']> & Partial<Omit<EditOptions, 'target'>> = {},
): EditOptions {
  const { format = 'auto', helmKeys = [], ...target } = overrides;
  return { format, helmKeys, target: { name: API, tag: '1a2b3c4', digest: NEW, ...target } };
}

/** Every line that differs, as [line number, before, after]; the files must keep their line count. */
function changedLines(before: string, after: string): [number, string, string][] {
  const a = before.split('\n');
  const b = after.split('\n');
  expect(b.length).toBe(a.length);
  return a.flatMap((line, index): [number, string, string][] =>
    line === b[index] ? [] : [[index + 1, line, b[index] ?? '']],
  );
}

describe('kustomize overlays', () => {
  it('moves newTag and digest of the matching entry only, keeping quotes and comments', () => {
    const before = fixture('kustomize/overlays/stage/kustomization.yaml');
    const update = editManifest('envs/stage/kustomization.yaml', before, options());
    expect(update.format).toBe('kustomize');
    expect(update.matched).toBe(true);
    expect(changedLines(before, update.content)).toEqual([
      [
        12,
        '    newTag: "0f0f0f0"   # short sha of the deployed commit',
        '    newTag: "1a2b3c4"   # short sha of the deployed commit',
      ],
      [13, `    digest: ${OLD}`, `    digest: ${NEW}`],
    ]);
    expect(update.changes).toEqual([
      {
        file: 'envs/stage/kustomization.yaml',
        field: 'images[ghcr.io/acme/api].newTag',
        from: '0f0f0f0',
        to: '1a2b3c4',
      },
      { file: 'envs/stage/kustomization.yaml', field: 'images[ghcr.io/acme/api].digest', from: OLD, to: NEW },
    ]);
  });

  it('adds a digest line at the entry indentation when the overlay had only a tag', () => {
    const before = fixture('kustomize/overlays/prod/kustomization.yaml');
    const update = editManifest('kustomization.yaml', before, options({ tag: 'v1.5.0' }));
    expect(update.content).toBe(
      before.replace("  newTag: 'v1.4.0'\n", `  newTag: 'v1.5.0'\n  digest: ${NEW}\n`),
    );
    expect(update.changes.map((c) => [c.field, c.from, c.to])).toEqual([
      ['images[ghcr.io/acme/api].newTag', 'v1.4.0', 'v1.5.0'],
      ['images[ghcr.io/acme/api].digest', undefined, NEW],
    ]);
  });

  it('removes a digest that would override a tag-only update, and a stale tag beside a digest-only one', () => {
    const before = fixture('kustomize/overlays/stage/kustomization.yaml');
    const tagOnly = editManifest('k/kustomization.yaml', before, options({ digest: undefined }));
    expect(tagOnly.content).toBe(
      before.replace('"0f0f0f0"', '"1a2b3c4"').replace(`    digest: ${OLD}\n`, ''),
    );
    const digestOnly = editManifest('k/kustomization.yaml', before, options({ tag: undefined }));
    expect(digestOnly.content).toBe(
      before.replace('    newTag: "0f0f0f0"   # short sha of the deployed commit\n', '').replace(OLD, NEW),
    );
  });

  it('handles flow-style entries and an entry matched by newName', () => {
    const before = 'images:\n  - {name: api, newName: ghcr.io/acme/api, newTag: old} # pinned\n';
    const update = editManifest('kustomization.yml', before, options());
    expect(update.content).toBe(
      `images:\n  - {name: api, newName: ghcr.io/acme/api, newTag: 1a2b3c4, digest: ${NEW}} # pinned\n`,
    );
  });

  it('reports a match and no change when the overlay already points at the artifact', () => {
    const before = `images:\n  - name: ghcr.io/acme/api\n    newTag: 1a2b3c4\n    digest: ${NEW}\n`;
    const update = editManifest('kustomization.yaml', before, options());
    expect(update).toMatchObject({ matched: true, changes: [], content: before });
  });

  it.each([
    ['1234567', '"1234567"'],
    ['yes', '"yes"'],
    ['0e12345', '"0e12345"'],
    ['a1b2c3d', 'a1b2c3d'],
  ])('writes tag %s as %s so that YAML 1.1 and 1.2 both read a string', (tag, text) => {
    const before = 'images:\n  - name: ghcr.io/acme/api\n    newTag: old\n';
    const update = editManifest('kustomization.yaml', before, options({ tag, digest: undefined }));
    expect(update.content).toBe(`images:\n  - name: ghcr.io/acme/api\n    newTag: ${text}\n`);
  });

  it('keeps CRLF line endings when it adds a line', () => {
    const before = 'images:\r\n  - name: ghcr.io/acme/api # api\r\n    newTag: old\r\nresources: []\r\n';
    const update = editManifest('kustomization.yaml', before, options());
    expect(update.content).toBe(
      `images:\r\n  - name: ghcr.io/acme/api # api\r\n    newTag: 1a2b3c4\r\n    digest: ${NEW}\r\nresources: []\r\n`,
    );
  });

  it('quotes a tag that would otherwise read back as a number', () => {
    const before = 'images:\n  - name: ghcr.io/acme/api\n    newTag: v1\n';
    const update = editManifest('kustomization.yaml', before, options({ tag: '1.10', digest: undefined }));
    expect(update.content).toBe('images:\n  - name: ghcr.io/acme/api\n    newTag: "1.10"\n');
  });
});

describe('plain Kubernetes manifests', () => {
  it('moves containers and initContainers of every workload in a multi-document file, nothing else', () => {
    const before = fixture('kubernetes/stage.yaml');
    const update = editManifest('envs/stage/all.yaml', before, options());
    expect(update.format).toBe('kubernetes');
    const ref = `${API}:1a2b3c4@${NEW}`;
    expect(changedLines(before, update.content)).toEqual([
      [
        23,
        '          image: "ghcr.io/acme/api:0f0f0f0"   # runs the migrations first',
        `          image: "${ref}"   # runs the migrations first`,
      ],
      [27, '          image: ghcr.io/acme/api:0f0f0f0', `          image: ${ref}`],
      [46, `              image: 'ghcr.io/acme/api@${OLD}'`, `              image: '${ref}'`],
    ]);
    expect(update.changes.map((c) => c.field)).toEqual([
      'Deployment/api initContainers[migrate].image',
      'Deployment/api containers[api].image',
      'CronJob/api-cleanup containers[cleanup].image',
    ]);
  });

  it('matches Docker Hub names in their short and long forms and keeps the form the file used', () => {
    const before =
      'kind: Pod\napiVersion: v1\nspec:\n  containers:\n    - name: web\n      image: nginx:1.25\n';
    const update = editManifest(
      'pod.yaml',
      before,
      options({ name: 'docker.io/library/nginx', digest: undefined, tag: '1.27' }),
    );
    expect(update.content).toBe(before.replace('nginx:1.25', 'nginx:1.27'));
  });

  it('keeps a registry port apart from a tag', () => {
    const before =
      'kind: Job\napiVersion: batch/v1\nspec:\n  template:\n    spec:\n      containers:\n        - name: j\n          image: 127.0.0.1:5000/acme/api:old\n';
    const update = editManifest(
      'job.yaml',
      before,
      options({ name: '127.0.0.1:5000/acme/api', digest: undefined }),
    );
    expect(update.content).toContain('image: 127.0.0.1:5000/acme/api:1a2b3c4\n');
  });

  it('finds nothing in a file without the image', () => {
    const before = fixture('kubernetes/stage.yaml');
    const update = editManifest('s.yaml', before, options({ name: 'ghcr.io/acme/other' }));
    expect(update).toMatchObject({ matched: false, changes: [], content: before });
  });
});

describe('Helm values', () => {
  it('writes the tag and the digest keys, checking registry/repository beside them', () => {
    const before = fixture('helm/values-stage.yaml');
    const update = editManifest('values.yaml', before, options({ helmKeys: ['image.tag', 'image.digest'] }));
    expect(update.format).toBe('helm');
    expect(changedLines(before, update.content)).toEqual([
      [8, '  tag: "0f0f0f0"', '  tag: "1a2b3c4"'],
      [
        9,
        '  digest: ""  # set by CI to pin the exact artifact',
        `  digest: "${NEW}"  # set by CI to pin the exact artifact`,
      ],
    ]);
  });

  it('writes tag@digest into the tag key when no digest key is named', () => {
    const before = fixture('helm/values-stage.yaml');
    const update = editManifest('values.yaml', before, options({ helmKeys: ['image.tag'] }));
    expect(changedLines(before, update.content)).toEqual([
      [8, '  tag: "0f0f0f0"', `  tag: "1a2b3c4@${NEW}"`],
    ]);
  });

  it('clears the digest key on a tag-only update so that the tag takes effect', () => {
    const before = `image:\n  repository: ghcr.io/acme/api\n  tag: old\n  digest: ${OLD}\n`;
    const update = editManifest(
      'v.yaml',
      before,
      options({ digest: undefined, helmKeys: ['image.tag', 'image.digest'] }),
    );
    expect(update.content).toBe(`image:\n  repository: ghcr.io/acme/api\n  tag: 1a2b3c4\n  digest: ""\n`);
  });

  it('skips a key whose repository names another image', () => {
    const before = fixture('helm/values-stage.yaml');
    const update = editManifest('values.yaml', before, options({ helmKeys: ['worker.image.tag'] }));
    expect(update).toMatchObject({ matched: false, foundKeys: ['worker.image.tag'], content: before });
  });

  it('writes a whole reference into a key that holds one, and an empty key', () => {
    const before = 'api:\n  image: ghcr.io/acme/api:old # pinned\nmigrations:\n  image:\n';
    const update = editManifest('v.yaml', before, options({ helmKeys: ['api.image', 'migrations.image'] }));
    expect(update.content).toBe(
      `api:\n  image: ghcr.io/acme/api:1a2b3c4@${NEW} # pinned\nmigrations:\n  image: ghcr.io/acme/api:1a2b3c4@${NEW}\n`,
    );
  });

  it('refuses a digest-only update into a chart with only a tag key', () => {
    const before = fixture('helm/values-stage.yaml');
    expect(() =>
      editManifest('values.yaml', before, options({ tag: undefined, helmKeys: ['image.tag'] })),
    ).toThrow(/values\.yaml: Helm key image\.tag holds a tag but only "digest" was given/);
  });

  it('reads key paths with list indexes and names their roles', () => {
    expect(parseHelmKey('sidecars[0].image.tag')).toEqual(['sidecars', '0', 'image', 'tag']);
    expect([
      helmKeyRole('image.tag'),
      helmKeyRole('image.digest'),
      helmKeyRole('image.repository'),
      helmKeyRole('api.image'),
    ]).toEqual(['tag', 'digest', 'repository', 'reference']);
    const error = (() => {
      try {
        parseHelmKey('image..tag');
      } catch (caught) {
        return caught;
      }
    })();
    expect(isConfigurationError(error)).toBe(true);
  });
});

describe('malformed YAML', () => {
  it('names the file, line and column', () => {
    const before = 'images:\n  - name: ghcr.io/acme/api\n    newTag: [unclosed\n';
    expect(() => editManifest('envs/stage/kustomization.yaml', before, options())).toThrow(
      /^envs\/stage\/kustomization\.yaml:\d+:\d+ is not valid YAML \(.+\); fix the file first\.$/,
    );
  });
});
