// Test helper: ships Traefik's JSON access-log lines into Elasticsearch as a log shipper would (raw JSON documents,
// dynamic mapping, bulk requests), following the file as Traefik writes it.
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LogShipper {
  shipped(): number;
  stop(): Promise<void>;
}

export async function createIndex(url: string, index: string): Promise<void> {
  const response = await fetch(`${url}/${index}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ settings: { number_of_shards: 1, number_of_replicas: 0 } }),
  });
  if (!response.ok) throw new Error(`create ${index}: ${response.status} ${await response.text()}`);
}

export function shipAccessLog(path: string, url: string, index: string, everyMs = 200): LogShipper {
  let running = true;
  let count = 0;
  let failure: Error | undefined;
  const loop = (async () => {
    const handle = await open(path, 'r');
    let offset = 0;
    let pending = '';
    try {
      while (running) {
        const { size } = await handle.stat();
        if (size > offset) {
          const buffer = Buffer.alloc(size - offset);
          await handle.read(buffer, 0, buffer.length, offset);
          offset = size;
          const text = pending + buffer.toString('utf8');
          const lines = text.split('\n');
          pending = lines.pop() ?? '';
          const body = lines.filter((line) => line.trim()).flatMap((line) => ['{"index":{}}', line]);
          if (body.length > 0) {
            const response = await fetch(`${url}/${index}/_bulk?refresh=true`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-ndjson' },
              body: `${body.join('\n')}\n`,
            });
            const result = (await response.json()) as { errors?: boolean };
            if (!response.ok || result.errors)
              throw new Error(`bulk: ${response.status} ${JSON.stringify(result).slice(0, 400)}`);
            count += body.length / 2;
          }
        }
        await sleep(everyMs);
      }
    } catch (error) {
      failure = error as Error;
    } finally {
      await handle.close();
    }
  })();
  return {
    shipped: () => count,
    async stop() {
      running = false;
      await loop;
      if (failure) throw failure;
    },
  };
}
