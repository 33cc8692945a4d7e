#!/usr/bin/env node
// Entry point of the `kosmograph` command: the compiled CLI in dist-cli/ when it was built from
// the sources as they are now (`npm run build:cli`, run by `npm ci`), else the TypeScript sources
// through tsx. See compiled-build.mjs.
import { startModule } from './compiled-build.mjs';

const { main } = await import(await startModule('cli', new URL('../src/cli/main.ts', import.meta.url)));
process.exitCode = await main(process.argv.slice(2));
