#!/usr/bin/env -S node --import tsx
import { runCli } from './cli';

process.exitCode = await runCli(process.argv.slice(2));
