type Labels = Record<string, string>;

/** Process-wide counters and gauges rendered in Prometheus text format by GET /metrics. */
export class Metrics {
  readonly #values = new Map<string, { name: string; labels: Labels; value: number; type: 'counter' | 'gauge' }>();
  readonly #help = new Map<string, string>();

  describe(name: string, help: string): void {
    this.#help.set(name, help);
  }

  increment(name: string, labels: Labels = {}, by = 1): void {
    const entry = this.#entry(name, labels, 'counter');
    entry.value += by;
  }

  set(name: string, value: number, labels: Labels = {}): void {
    this.#entry(name, labels, 'gauge').value = value;
  }

  get(name: string, labels: Labels = {}): number {
    return this.#values.get(key(name, labels))?.value ?? 0;
  }

  render(): string {
    const byName = new Map<string, Array<{ labels: Labels; value: number; type: string }>>();
    for (const entry of this.#values.values()) {
      const list = byName.get(entry.name) ?? [];
      list.push(entry);
      byName.set(entry.name, list);
    }
    const lines: string[] = [];
    for (const [name, entries] of [...byName].sort((a, b) => a[0].localeCompare(b[0]))) {
      const help = this.#help.get(name);
      if (help) lines.push(`# HELP ${name} ${help}`);
      lines.push(`# TYPE ${name} ${entries[0].type}`);
      for (const entry of entries) lines.push(`${name}${formatLabels(entry.labels)} ${entry.value}`);
    }
    return `${lines.join('\n')}\n`;
  }

  #entry(name: string, labels: Labels, type: 'counter' | 'gauge') {
    const id = key(name, labels);
    let entry = this.#values.get(id);
    if (!entry) {
      entry = { name, labels, value: 0, type };
      this.#values.set(id, entry);
    }
    return entry;
  }
}

function key(name: string, labels: Labels): string {
  return `${name}${formatLabels(labels)}`;
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels).sort((a, b) => a[0].localeCompare(b[0]));
  if (entries.length === 0) return '';
  const escapeValue = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${entries.map(([name, value]) => `${name}="${escapeValue(value)}"`).join(',')}}`;
}

/** The one registry of the process. */
export const metrics = new Metrics();
