import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metrics } from './metrics.ts';

test('counters keep their names, help and labels (in name order); process and Node.js metrics come by default', async () => {
  const metrics = new Metrics();
  metrics.increment('devops_agent_http_requests_total', { route: '/api/x', method: 'GET', code: '200' });
  metrics.increment('devops_agent_http_requests_total', { method: 'GET', code: '200', route: '/api/x' }, 2);
  metrics.increment('devops_agent_log_lines_skipped_total', { source: 'traefik-file' }, 0);
  const text = await metrics.render();
  assert.match(text, /# HELP devops_agent_http_requests_total Review page and API requests/);
  assert.match(text, /# TYPE devops_agent_http_requests_total counter/);
  assert.match(text, /devops_agent_http_requests_total\{code="200",method="GET",route="\/api\/x"\} 3\n/);
  assert.match(text, /devops_agent_log_lines_skipped_total\{source="traefik-file"\} 0\n/);
  assert.match(text, /# TYPE devops_agent_incidents_total counter/, 'declared counters are listed before any count');
  assert.match(text, /^process_cpu_user_seconds_total \d/m);
  assert.match(text, /^process_resident_memory_bytes \d/m);
  assert.match(text, /^nodejs_heap_size_used_bytes \d/m);
  assert.match(text, /^nodejs_eventloop_lag_seconds \d/m);
  assert.equal(
    await metrics.get('devops_agent_http_requests_total', { code: '200', method: 'GET', route: '/api/x' }),
    3,
  );
  assert.throws(() => metrics.increment('devops_agent_no_such_total' as never), /unknown counter/);
  // Counted before the registry existed (above), then after it (here): both are in it.
  metrics.increment('devops_agent_http_requests_total', { code: '200', method: 'GET', route: '/api/x' });
  assert.match(
    await metrics.render(),
    /devops_agent_http_requests_total\{code="200",method="GET",route="\/api\/x"\} 4\n/,
  );
  assert.equal(
    await metrics.get('devops_agent_http_requests_total', { code: '200', method: 'GET', route: '/api/x' }),
    4,
  );
});

test('detection lag and block latency are histograms with buckets, sum and count', async () => {
  const metrics = new Metrics({ defaultMetrics: false });
  metrics.detectionLag.observe({ threat_type: 'secrets_scanning' }, 4);
  metrics.detectionLag.observe({ threat_type: 'secrets_scanning' }, 90);
  metrics.blockLatency.observe({ blocker: 'traefik-file', status: 'applied' }, 0.02);
  const text = await metrics.render();
  assert.match(text, /# TYPE devops_agent_detection_lag_seconds histogram/);
  assert.match(text, /devops_agent_detection_lag_seconds_bucket\{le="5",threat_type="secrets_scanning"\} 1\n/);
  assert.match(text, /devops_agent_detection_lag_seconds_bucket\{le="120",threat_type="secrets_scanning"\} 2\n/);
  assert.match(text, /devops_agent_detection_lag_seconds_sum\{threat_type="secrets_scanning"\} 94\n/);
  assert.match(text, /devops_agent_detection_lag_seconds_count\{threat_type="secrets_scanning"\} 2\n/);
  assert.match(text, /# TYPE devops_agent_block_latency_seconds histogram/);
  assert.match(
    text,
    /devops_agent_block_latency_seconds_bucket\{le="0.05",blocker="traefik-file",status="applied"\} 1\n/,
  );
  assert.doesNotMatch(text, /^process_/m);
  metrics.detectionLag.observe({ threat_type: 'secrets_scanning' }, 2);
  assert.match(
    await metrics.render(),
    /devops_agent_detection_lag_seconds_bucket\{le="5",threat_type="secrets_scanning"\} 2\n/,
    'observed before and after the registry existed',
  );
});
