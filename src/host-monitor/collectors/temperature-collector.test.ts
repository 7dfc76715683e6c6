import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readHwmon } from './temperature-collector.ts';
import { materializeTtar } from './testing/ttar-tree.ts';

const fixture = (name: string) => readFileSync(new URL(`../__fixtures__/${name}`, import.meta.url), 'utf8');

test('hwmon (node_exporter sysfs fixture): two coretemp sockets and a repeated label keep one sensor each', async (t) => {
  const root = materializeTtar(fixture('node-exporter/hwmon.ttar'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const readings = await readHwmon(join(root, 'sys/class/hwmon'));
  // node_exporter's e2e-output.txt: node_hwmon_temp_celsius / _max_celsius / _crit_celsius for these chips.
  const socket = (device: string) =>
    ['Physical id 0', 'Core 0', 'Core 1', 'Core 2', 'Core 3'].map((label, index) => [
      `coretemp (${device})/${label}`,
      'cpu',
      [55, 54, 52, 53, 50][index],
      84,
      100,
    ]);
  assert.deepEqual(
    readings.map((reading) => [reading.sensor, reading.kind, reading.celsius, reading.high, reading.critical]),
    [
      ...socket('coretemp.0'),
      ...socket('coretemp.1'),
      // hwmon4 has no `name` and no parent device; its two sensors share the label "foosensor".
      ['hwmon4/foosensor', 'other', 55, 100, 100],
      ['hwmon4/foosensor (temp2)', 'other', 54, 100, 100],
    ],
  );
  assert.equal(new Set(readings.map((reading) => reading.sensor)).size, readings.length);
});

test('hwmon: readings on the parent device (the old layout of applesmc in the same fixture) are read', async (t) => {
  const root = materializeTtar(fixture('node-exporter/hwmon.ttar'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  // The fixture's applesmc has only fans there; this temperature is written by the test, in the same place.
  const device = join(root, 'sys/devices/platform/applesmc.768');
  writeFileSync(join(device, 'temp1_input'), '41000\n');
  writeFileSync(join(device, 'temp1_label'), 'TC0P\n');
  const readings = await readHwmon(join(root, 'sys/class/hwmon'));
  assert.deepEqual(
    readings
      .filter((reading) => reading.sensor.startsWith('applesmc'))
      .map((reading) => [reading.sensor, reading.celsius]),
    [['applesmc/TC0P', 41]],
  );
});
