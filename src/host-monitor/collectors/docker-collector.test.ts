import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { containerFromInspect } from './docker-collector.ts';

const json = (name: string) => JSON.parse(readFileSync(new URL(`../__fixtures__/${name}`, import.meta.url), 'utf8'));

test('Docker (Telegraf include_non_running): an exited, unhealthy container named by the list', () => {
  const [summary] = json('telegraf/docker-include-non-running-list.json');
  const status = containerFromInspect(json('telegraf/docker-include-non-running-inspect.json'), summary);
  // Telegraf's expected.out: container_name=stopped-container, container_image=redis/image,
  // container_status=exited, exitcode=137i, oomkilled=false, restart_count=0i, health_status="Unhealthy".
  assert.deepEqual(status, {
    id: '123456789',
    name: 'stopped-container',
    image: 'redis/image',
    state: 'exited',
    running: false,
    restarting: false,
    health: 'unhealthy',
    failingStreak: 1,
    restartCount: 0,
    oomKilled: false,
    exitCode: 137,
    exists: true,
  });
});
