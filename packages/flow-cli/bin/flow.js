#!/usr/bin/env node
// The launcher behind the `flow` bin: the CLI is TypeScript source (no build step in this
// workspace), so tsx's loader is registered first, resolved from this package wherever flow runs.
import { register } from 'tsx/esm/api';

register();
await import('../src/bin.ts');
