import { ensureReferencePack } from '../scripts/pack/ensure';

/** Generates the reference pack once before the tests (no-op when it is current). */
export default async function setup(): Promise<void> {
  await ensureReferencePack();
}
