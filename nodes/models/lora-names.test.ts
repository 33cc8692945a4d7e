/**
 * Issue 14: a LoRA named like an Object.prototype member ("constructor", "__proto__") used to be
 * found on the prototype and fail later as "undefined is not listed in the manifest", blamed on
 * the sampler. It is a name the pack does not have, reported by the node that names it.
 */
import { describe, expect, it } from 'vitest';
import { exampleRunner, loadExample, withParams } from '../../test/integration/run-example';

const runner = exampleRunner('cpu');

describe('LoRA names that are Object.prototype keys', () => {
  for (const name of ['constructor', '__proto__', 'toString']) {
    it(`"${name}" is a LoRA the pack does not have, named by the Load LoRA node`, async () => {
      const { executor } = await runner;
      const result = await executor.run(withParams(loadExample('lora'), { 'lora_model.name': name }));
      expect(result.status).toBe('failed');
      expect(result.error?.nodeId).toBe('lora_model');
      expect(result.error?.message).toMatch(new RegExp(`has no LoRA "${name}" \\(it has: pastel`));
    });
  }
});
