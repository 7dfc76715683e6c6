import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TemperatureReading } from '../observations.ts';
import { runCommand } from './run-command.ts';

const CPU_CHIPS =
  /^(coretemp|k10temp|zenpower|cpu_thermal|cpu-thermal|x86_pkg_temp|soc_thermal|cpu\d*_thermal|tmp\d+)/i;
const GPU_CHIPS = /^(amdgpu|radeon|nouveau|gpu_thermal|gpu-thermal|i915|xe)/i;
const CPU_LABELS = /^(package id|tctl|tdie|core \d+|cpu)/i;

function classify(chip: string, label: string): TemperatureReading['kind'] {
  if (GPU_CHIPS.test(chip)) return 'gpu';
  if (CPU_CHIPS.test(chip)) return 'cpu';
  if (CPU_LABELS.test(label) && !/nvme|drivetemp|acpitz/i.test(chip)) return 'cpu';
  return 'other';
}

/** A plausible reading: lm-sensors reports -273.15 or 65261.85 for absent sensors. */
const plausible = (value: unknown): value is number => typeof value === 'number' && value > -60 && value < 200;

/** Parses `sensors -j` (lm-sensors JSON): chip -> feature -> `tempN_input`, `tempN_max`, `tempN_crit`. */
export function parseSensorsJson(text: string): TemperatureReading[] {
  const data = JSON.parse(text) as Record<string, Record<string, unknown>>;
  const readings: TemperatureReading[] = [];
  for (const [chip, features] of Object.entries(data)) {
    if (!features || typeof features !== 'object') continue;
    for (const [label, values] of Object.entries(features)) {
      if (!values || typeof values !== 'object') continue;
      const entries = Object.entries(values as Record<string, unknown>);
      const input = entries.find(([key]) => /^temp\d+_input$/.test(key));
      if (!input || !plausible(input[1])) continue;
      const max = entries.find(([key]) => /^temp\d+_max$/.test(key))?.[1];
      const critical = entries.find(([key]) => /^temp\d+_crit$/.test(key))?.[1];
      readings.push({
        sensor: `${chip}/${label}`,
        kind: classify(chip, label),
        celsius: input[1],
        source: 'sensors',
        high: plausible(max) ? max : undefined,
        critical: plausible(critical) ? critical : undefined,
      });
    }
  }
  return readings;
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

/** Reads /sys/class/hwmon/hwmon*: `name`, `tempN_input` in millidegrees, `tempN_label`, `tempN_crit`. */
export async function readHwmon(root: string): Promise<TemperatureReading[]> {
  const readings: TemperatureReading[] = [];
  let devices: string[];
  try {
    devices = await readdir(root);
  } catch {
    return readings;
  }
  for (const device of devices.sort()) {
    const directory = join(root, device);
    const chip = (await readText(join(directory, 'name'))) ?? device;
    let files: string[];
    try {
      files = await readdir(directory);
    } catch {
      continue;
    }
    for (const file of files.filter((name) => /^temp\d+_input$/.test(name)).sort()) {
      const prefix = file.replace(/_input$/, '');
      const milli = await readNumber(join(directory, file));
      if (milli === undefined || !plausible(milli / 1000)) continue;
      const label = (await readText(join(directory, `${prefix}_label`))) ?? prefix;
      const critical = await readNumber(join(directory, `${prefix}_crit`));
      const max = await readNumber(join(directory, `${prefix}_max`));
      readings.push({
        sensor: `${chip}/${label}`,
        kind: classify(chip, label),
        celsius: milli / 1000,
        source: 'hwmon',
        high: max !== undefined && plausible(max / 1000) ? max / 1000 : undefined,
        critical: critical !== undefined && plausible(critical / 1000) ? critical / 1000 : undefined,
      });
    }
  }
  return readings;
}

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
}

/**
 * Collects from every source present. `sensors -j` and hwmon describe the same chips, so hwmon is read only when
 * lm-sensors is absent; thermal zones and nvidia-smi add what the others do not see.
 */
export async function collectTemperatures(options: { hwmonPath: string; thermalPath: string }) {
  const result: TemperatureCollection = { readings: [], sources: [], missing: [] };
  const sensors = await runCommand('sensors', ['-j'], { timeoutMs: 15_000 });
  if (sensors.status === 'ok' || (sensors.status === 'failed' && sensors.stdout.trim().startsWith('{'))) {
    try {
      result.readings.push(...parseSensorsJson(sensors.stdout));
      result.sources.push('sensors');
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
  });
  if (nvidia.status === 'ok') {
    result.readings.push(...parseNvidiaSmiCsv(nvidia.stdout));
    result.sources.push('nvidia-smi');
  } else result.missing.push(nvidia.error);
  return result;
}
