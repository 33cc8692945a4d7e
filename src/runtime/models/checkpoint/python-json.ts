/**
 * JSON as Python's `json.dumps` writes it: diffusers saves configs with bare `Infinity`,
 * `-Infinity` and `NaN` (e.g. DPM-Solver's `lambda_min_clipped: -Infinity`), which JSON.parse
 * rejects. Outside strings they become 1e999 / -1e999 (which parse to +/-Infinity) and null.
 */
export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    let out = '';
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (inString) {
        out += c;
        if (c === '\\') out += text[++i] ?? '';
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      if (text.startsWith('-Infinity', i)) {
        out += '-1e999';
        i += 8;
      } else if (text.startsWith('Infinity', i)) {
        out += '1e999';
        i += 7;
      } else if (text.startsWith('NaN', i)) {
        out += 'null';
        i += 2;
      } else out += c;
    }
    if (out === text) throw error;
    return JSON.parse(out);
  }
}
