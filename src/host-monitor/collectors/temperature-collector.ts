import { readdir, readFile, realpath } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { TemperatureReading } from '../observations.ts';
import { runCommand } from './run-command.ts';
import { readSensorsJson } from './sensors-json-reader.ts';

const CPU_CHIPS =
  /^(coretemp|k10temp|zenpower|cpu_thermal|cpu-thermal|x86_pkg_temp|soc_thermal|cpu\d*_thermal|tmp\d+)/i;
const GPU_CHIPS = /^(amdgpu|radeon|nouveau|gpu_thermal|gpu-thermal|i915|xe)/i;
const CPU_LABELS = /^(package id|tctl|tdie|core \d+|cpu)/i;
// Laptop embedded controllers (dell_smm, thinkpad) name their GPU sensor so.
const GPU_LABELS = /^gpu\b/i;

function classify(chip: string, label: string): TemperatureReading['kind'] {
  if (GPU_CHIPS.test(chip) || GPU_LABELS.test(label)) return 'gpu';
  if (CPU_CHIPS.test(chip)) return 'cpu';
  if (CPU_LABELS.test(label) && !/nvme|drivetemp|acpitz/i.test(chip)) return 'cpu';
  return 'other';
}

/** A plausible reading: lm-sensors reports -273.15 or 65261.85 for absent sensors, and `nan` for broken ones. */
const plausible = (value: unknown): value is number => typeof value === 'number' && value > -60 && value < 200;

export interface SensorsReadings {
  readings: TemperatureReading[];
  /** Temperatures left out: input out of range, `nan` or unreadable, or a feature with no value at all. */
  skipped: number;
  /** Lines of the output that were not understood. */
  unreadLines: number;
}

/**
 * Temperatures from `sensors -j`: each feature's `tempN_input` (°C; `sensors -f` is never used), with `tempN_max` and
 * `tempN_crit`. Fans, voltages, power and intrusion features are not temperatures and are left out without counting;
 * a feature with no subfeature at all (a read error: iwlwifi with the radio off) is counted as skipped. A label a chip
 * repeats gets its subfeature name added (`SODIMM (temp4)`), so every sensor keeps its own baseline.
 */
export function parseSensorsJson(text: string): SensorsReadings {
  const document = readSensorsJson(text);
  const result: SensorsReadings = { readings: [], skipped: 0, unreadLines: document.unreadLines };
  const seen = new Set<string>();
  for (const feature of document.features) {
    const entries = Object.entries(feature.values);
    if (entries.length === 0) {
      result.skipped++;
      continue;
    }
    const input = entries.find(([key]) => /^temp\d+_input$/.test(key));
    // A temperature whose input could not be read keeps only its limits (`temp1_max`, `temp1_crit`).
    const temperature = input ?? entries.find(([key]) => /^temp\d+_/.test(key));
    if (!temperature) continue;
    if (!input || !plausible(input[1])) {
      result.skipped++;
      continue;
    }
    const prefix = input[0].replace(/_input$/, '');
    const max = feature.values[`${prefix}_max`];
    const critical = feature.values[`${prefix}_crit`];
    let sensor = `${feature.chip}/${feature.label}`;
    if (seen.has(sensor)) sensor = `${sensor} (${prefix})`;
    seen.add(sensor);
    result.readings.push({
      sensor,
      kind: classify(feature.chip, feature.label),
      celsius: input[1],
      source: 'sensors',
      high: plausible(max) ? max : undefined,
      critical: plausible(critical) ? critical : undefined,
    });
  }
  return result;
}

export const NVIDIA_QUERY = 'index,name,temperature.gpu,utilization.gpu,memory.used,memory.total,power.draw';

/** Parses `nvidia-smi --query-gpu=<NVIDIA_QUERY> --format=csv,noheader,nounits`; `[N/A]` values are skipped. */
export function parseNvidiaSmiCsv(text: string): TemperatureReading[] {
  const readings: TemperatureReading[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [index, name, temperature] = line.split(',').map((cell) => cell.trim());
    const celsius = Number(temperature);
    if (temperature === undefined || !/^-?\d+(\.\d+)?$/.test(temperature) || !plausible(celsius)) continue;
    readings.push({ sensor: `nvidia${index}/${name}`, kind: 'gpu', celsius, source: 'nvidia-smi' });
  }
  return readings;
}

async function readNumber(path: string): Promise<number | undefined> {
  try {
    const value = Number((await readFile(path, 'utf8')).trim());
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

interface HwmonChip {
  /** Where the `tempN_*` files are: the hwmon directory, or its `device/` on old drivers. */
  attributes: string;
  name: string;
  /** The device the chip belongs to (`coretemp.1`, `0000:03:00.0`), else the hwmon directory's own name. */
  device: string;
  hwmon: string;
}

async function hasTemperatures(directory: string): Promise<boolean> {
  try {
    return (await readdir(directory)).some((name) => /^temp\d+_input$/.test(name));
  } catch {
    return false;
  }
}

async function readHwmonChip(root: string, hwmon: string): Promise<HwmonChip> {
  const directory = join(root, hwmon);
  let attributes = directory;
  let name = await readText(join(directory, 'name'));
  // Drivers registered through the kernel's old hwmon_device_register() keep `name` and the readings on the parent
  // device (applesmc in node_exporter's fixture; CentOS hosts in psutil issue #971), where libsensors reads them too.
  if (!(await hasTemperatures(directory)) && (await hasTemperatures(join(directory, 'device')))) {
    attributes = join(directory, 'device');
  }
  if (!name) name = await readText(join(directory, 'device', 'name'));
  let device = hwmon;
  try {
    device = basename(await realpath(join(directory, 'device')));
  } catch {
    // A virtual chip (no parent device): the hwmon directory names it.
  }
  return { attributes, name: name || hwmon, device, hwmon };
}

/**
 * Reads /sys/class/hwmon/hwmon*: `name`, `tempN_input` in millidegrees, `tempN_label`, `tempN_max`, `tempN_crit`.
 * Every reading gets its own sensor name, so each keeps its own baseline: a chip name several hwmon devices share
 * (two sockets' `coretemp`, two cards' `amdgpu`) gets its device added (`coretemp (coretemp.1)`), as lm-sensors tells
 * `coretemp-isa-0000` from `coretemp-isa-0001`; a label a chip repeats gets its subfeature (`foosensor (temp2)`).
 */
export async function readHwmon(root: string): Promise<TemperatureReading[]> {
  const readings: TemperatureReading[] = [];
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return readings;
  }
  const chips = await Promise.all(entries.sort().map((hwmon) => readHwmonChip(root, hwmon)));
  const count = (key: (chip: HwmonChip) => string, chip: HwmonChip) =>
    chips.filter((other) => key(other) === key(chip)).length;
  for (const chip of chips) {
    let chipName = chip.name;
    if (count((other) => other.name, chip) > 1) {
      const byDevice = count((other) => `${other.name}/${other.device}`, chip) === 1;
      chipName = `${chip.name} (${byDevice ? chip.device : chip.hwmon})`;
    }
    let files: string[];
    try {
      files = await readdir(chip.attributes);
    } catch {
      continue;
    }
    const seen = new Set<string>();
    for (const file of files.filter((name) => /^temp\d+_input$/.test(name)).sort(byNumber)) {
      const prefix = file.replace(/_input$/, '');
      const milli = await readNumber(join(chip.attributes, file));
      if (milli === undefined || !plausible(milli / 1000)) continue;
      const label = (await readText(join(chip.attributes, `${prefix}_label`))) || prefix;
      const critical = await readNumber(join(chip.attributes, `${prefix}_crit`));
      const max = await readNumber(join(chip.attributes, `${prefix}_max`));
      let sensor = `${chipName}/${label}`;
      if (seen.has(sensor)) sensor = `${sensor} (${prefix})`;
      seen.add(sensor);
      readings.push({
        sensor,
        kind: classify(chip.name, label),
        celsius: milli / 1000,
        source: 'hwmon',
        high: max !== undefined && plausible(max / 1000) ? max / 1000 : undefined,
        critical: critical !== undefined && plausible(critical / 1000) ? critical / 1000 : undefined,
      });
    }
  }
  return readings;
}

/** `temp2_input` before `temp10_input`. */
const byNumber = (a: string, b: string) => Number(/\d+/.exec(a)?.[0]) - Number(/\d+/.exec(b)?.[0]);

/** Reads /sys/class/thermal/thermal_zone*: `type` and `temp` in millidegrees. */
export async function readThermalZones(root: string): Promise<TemperatureReading[]> {
  const readings: TemperatureReading[] = [];
  let zones: string[];
  try {
    zones = (await readdir(root)).filter((name) => name.startsWith('thermal_zone'));
  } catch {
    return readings;
  }
  for (const zone of zones.sort()) {
    const milli = await readNumber(join(root, zone, 'temp'));
    if (milli === undefined || !plausible(milli / 1000)) continue;
    const type = (await readText(join(root, zone, 'type'))) ?? zone;
    readings.push({ sensor: `${zone}/${type}`, kind: classify(type, type), celsius: milli / 1000, source: 'thermal' });
  }
  return readings;
}

export interface TemperatureCollection {
  readings: TemperatureReading[];
  /** Which sources answered and which were absent, for the cycle report. */
  sources: string[];
  missing: string[];
  /** What a source answered but could not be used (`sensors: 2 readings skipped`). */
  notes: string[];
}

/**
 * Collects from every source present. `sensors -j` and hwmon describe the same chips, so hwmon is read only when
 * lm-sensors is absent; thermal zones and nvidia-smi add what the others do not see.
 */
export async function collectTemperatures(options: { hwmonPath: string; thermalPath: string }) {
  const result: TemperatureCollection = { readings: [], sources: [], missing: [], notes: [] };
  const sensors = await runCommand('sensors', ['-j'], { timeoutMs: 15_000, cLocale: true });
  if (sensors.status === 'ok' || (sensors.status === 'failed' && sensors.stdout.trim().startsWith('{'))) {
    try {
      const parsed = parseSensorsJson(sensors.stdout);
      result.readings.push(...parsed.readings);
      result.sources.push('sensors');
      if (parsed.skipped > 0)
        result.notes.push(`sensors: ${parsed.skipped} unreadable or out-of-range readings skipped`);
      if (parsed.unreadLines > 0) result.notes.push(`sensors: ${parsed.unreadLines} output lines not understood`);
    } catch (error) {
      result.missing.push(`sensors: unreadable JSON (${(error as Error).message})`);
    }
  } else {
    result.missing.push(sensors.error);
  }
  if (!result.sources.includes('sensors') || result.readings.length === 0) {
    const hwmon = await readHwmon(options.hwmonPath);
    if (hwmon.length > 0) {
      result.readings.push(...hwmon);
      result.sources.push('hwmon');
    } else result.missing.push(`no temperatures under ${options.hwmonPath}`);
  }
  const thermal = await readThermalZones(options.thermalPath);
  if (thermal.length > 0) {
    result.readings.push(...thermal);
    result.sources.push('thermal');
  } else result.missing.push(`no thermal zones under ${options.thermalPath}`);
  const nvidia = await runCommand('nvidia-smi', [`--query-gpu=${NVIDIA_QUERY}`, '--format=csv,noheader,nounits'], {
    timeoutMs: 15_000,
    cLocale: true,
  });
  if (nvidia.status === 'ok') {
    result.readings.push(...parseNvidiaSmiCsv(nvidia.stdout));
    result.sources.push('nvidia-smi');
  } else result.missing.push(nvidia.error);
  return result;
}
