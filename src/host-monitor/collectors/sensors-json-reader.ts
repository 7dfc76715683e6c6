/** One feature of one chip as `sensors -j` printed it: `coretemp-isa-0000` / `Core 0` / `{temp2_input: 49, ...}`. */
export interface SensorsFeature {
  chip: string;
  label: string;
  /** Subfeature values; NaN where lm-sensors printed `nan`, `-nan` or `inf`. */
  values: Record<string, number>;
}

export interface SensorsDocument {
  features: SensorsFeature[];
  /** Lines that are not part of the layout (stray text, stderr mixed in): counted, never guessed at. */
  unreadLines: number;
}

const OPEN = /^\s*"(.*)":\s*\{\s*(\})?\s*,?\s*$/;
const STRING_VALUE = /^\s*"(.*)":\s*"(.*)"\s*,?\s*$/;
const NUMBER_VALUE = /^\s*"([^"]*)":\s*([^\s,]+)\s*,?\s*$/;
const CLOSE = /^\s*\}\s*,?\s*$/;
const NOTHING = /^\s*[{,]?\s*$/;

/**
 * Reads `sensors -j`. lm-sensors writes this JSON by hand with printf (prog/sensors/main.c do_a_json_print and
 * chips.c print_chip_json, 3.5.0 to 3.6.0+git), one key per line, and real outputs are not always JSON: a chip whose
 * features are all ignored leaves a trailing comma after "Adapter" (3.6.0, lm-sensors issue #513); 3.5.0 prints a
 * stray comma when a feature's first subfeature cannot be read; `%.3f` of NaN prints `nan`; labels are not escaped;
 * and one chip can repeat a label (dell_smm's four "SODIMM" sensors), which JSON.parse would fold into the last one.
 * So the lines are read by their shape, whatever the indentation. Output on one line (another formatter) is read with
 * JSON.parse instead.
 */
export function readSensorsJson(text: string): SensorsDocument {
  const lines = text.split('\n');
  if (lines.filter((line) => line.trim()).length <= 1) return readCompactJson(text);
  const document: SensorsDocument = { features: [], unreadLines: 0 };
  // 0 outside, 1 inside the top object, 2 inside a chip, 3 inside a feature.
  let depth = 0;
  let chip = '';
  let feature: SensorsFeature | undefined;
  for (const line of lines) {
    const open = OPEN.exec(line);
    if (line.trim() === '{' && depth === 0) depth = 1;
    else if (open && (depth === 1 || depth === 2)) {
      if (depth === 1) chip = open[1];
      else {
        feature = { chip, label: open[1], values: {} };
        document.features.push(feature);
      }
      if (!open[2]) depth++;
    } else if (CLOSE.test(line) && depth > 0) {
      if (depth === 3) feature = undefined;
      depth--;
    } else if (depth === 2 && STRING_VALUE.test(line)) {
      // "Adapter": "ISA adapter"
    } else if (depth === 3 && feature && NUMBER_VALUE.test(line)) {
      const [, name, value] = NUMBER_VALUE.exec(line) as RegExpExecArray;
      feature.values[name] = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value) ? Number(value) : Number.NaN;
    } else if (!NOTHING.test(line)) document.unreadLines++;
  }
  return document;
}

function readCompactJson(text: string): SensorsDocument {
  const document: SensorsDocument = { features: [], unreadLines: 0 };
  if (!text.trim()) return document;
  const data = JSON.parse(text) as unknown;
  if (!data || typeof data !== 'object') throw new Error('sensors -j: not a JSON object');
  for (const [chip, features] of Object.entries(data)) {
    if (!features || typeof features !== 'object') continue;
    for (const [label, values] of Object.entries(features as Record<string, unknown>)) {
      if (!values || typeof values !== 'object') continue;
      const numbers: Record<string, number> = {};
      for (const [name, value] of Object.entries(values as Record<string, unknown>)) {
        numbers[name] = typeof value === 'number' ? value : Number.NaN;
      }
      document.features.push({ chip, label, values: numbers });
    }
  }
  return document;
}
