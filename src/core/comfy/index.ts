/**
 * ComfyUI import: API-format prompts, UI-format workflows and ComfyUI PNGs
 * become kosmograph graphs for the SD1.5 subset; anything else becomes a
 * placeholder node. Pure: no DOM, no Node APIs, no ONNX Runtime.
 */
export {
  type ComfyConvertedNode,
  type ComfyImportOptions,
  type ComfyImportReport,
  type ComfyImportResult,
  type ComfyPlaceholder,
  convertComfyWorkflow,
  isComfyPlaceholder,
  matchCheckpoint,
  matchModelName,
  modelFileKey,
  REFERENCE_PACK_IMPORT,
} from './convert';
export {
  COMFY_PNG_KEYWORDS,
  formatComfyReport,
  hasComfyChunks,
  importComfy,
  importComfyFromPngChunks,
} from './import';
export { ComfyParseError, type ComfyWorkflow, parseComfyJson } from './parse';
export { COMFY_CLASSES, type SupportedComfyClass } from './widgets';
