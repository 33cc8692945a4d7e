#!/usr/bin/env node
// Entry point of the `kosmograph` command: the compiled CLI in dist-cli/ when it was built from
// the sources as they are now (`npm run build:cli`, run by `npm ci`), else the TypeScript sources
// through tsx. See compiled-build.mjs.
import { startEntry } from './compiled-build.mjs';

const cli = await startEntry('cli', new URL('../src/cli/main.ts', import.meta.url));
process.exitCode = await cli.exports.main(process.argv.slice(2));
cli.saveCache();
