// The ComfyUI importer is linear in the workflow (issue 14): importing a chain of 20k LoRA loaders
// (and of 20k ControlNetApply nodes) takes at most 15x a 2k chain (linear is 10x; quadratic was
// about 45x: 18.4 s for 20k LoRAs before). Sizes alternate, medians of 3, in one process.
import { createNodeRegistry } from '../nodes/index';
import { importComfy, REFERENCE_PACK_IMPORT } from '../src/core/comfy/index';

const lookup = createNodeRegistry().lookup;

function loraChain(n: number): string {
  const prompt: Record<string, unknown> = {
    '0': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'a' } },
  };
  for (let i = 1; i < n; i++) {
    prompt[String(i)] = {
      class_type: 'LoraLoader',
      inputs: {
        model: [String(i - 1), 0],
        clip: [String(i - 1), 1],
        lora_name: 'pastel',
        strength_model: 1,
        strength_clip: 0,
      },
    };
  }
  prompt.t = { class_type: 'CLIPTextEncode', inputs: { text: 'a', clip: [String(n - 1), 1] } };
  return JSON.stringify(prompt);
}

function controlnetChain(n: number): string {
  const prompt: Record<string, unknown> = {
    c: { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'a' } },
    t: { class_type: 'CLIPTextEncode', inputs: { text: 'a', clip: ['c', 1] } },
    l: { class_type: 'ControlNetLoader', inputs: { control_net_name: 'canny' } },
    im: { class_type: 'LoadImage', inputs: { image: 'a.png' } },
  };
  for (let i = 0; i < n; i++) {
    prompt[String(i)] = {
      class_type: 'ControlNetApply',
      inputs: {
        conditioning: [i === 0 ? 't' : String(i - 1), 0],
        control_net: ['l', 0],
        image: ['im', 0],
        strength: 1,
      },
    };
  }
  return JSON.stringify(prompt);
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

function time(text: string, nodes: number): number {
  const start = performance.now();
  const { graph } = importComfy(text, REFERENCE_PACK_IMPORT, lookup);
  const elapsed = performance.now() - start;
  if (graph.nodes.length < nodes) throw new Error(`the import lost nodes: ${graph.nodes.length} of ${nodes}`);
  return elapsed;
}

export function comfyImportRow(): {
  name: string;
  value: number;
  unit: 'ratio';
  target: string;
  ok: boolean;
  detail: string;
} {
  const parts: string[] = [];
  let worst = 0;
  for (const [label, make] of [
    ['LoRA', loraChain],
    ['ControlNet', controlnetChain],
  ] as const) {
    const small = make(2_000);
    const large = make(20_000);
    time(small, 2_000); // warm-up
    const smallMs: number[] = [];
    const largeMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      smallMs.push(time(small, 2_000));
      largeMs.push(time(large, 20_000));
    }
    const ratio = median(largeMs) / median(smallMs);
    worst = Math.max(worst, ratio);
    parts.push(`${label} ${median(largeMs).toFixed(0)} ms vs ${median(smallMs).toFixed(0)} ms`);
  }
  return {
    name: 'ComfyUI import 20k / 2k chain',
    value: worst,
    unit: 'ratio',
    target: '<= 15',
    ok: worst <= 15,
    detail: parts.join(', '),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(comfyImportRow());
