/**
 * The values of a Kubernetes Secret's `data:` / `stringData:` (kubectl get secret -o yaml|json, a manifest in a
 * repository or a Helm render): base64 of the secret itself, under any key name (`extra`, `ca.pem`, `.dockercfg`), so
 * no key-based rule sees them. Only documents whose `kind` is Secret lose their values; a ConfigMap's stay.
 */

/** A `data:` or `stringData:` line and the lines indented under it. */
export const SECRET_DATA_YAML = /^([ \t]*)(data|stringData):[ \t]*\r?\n((?:\1[ \t]+.*(?:\r?\n|$))+)/gm;
/** A `"data": {...}` or `"stringData": {...}` object of flat string values. */
export const SECRET_DATA_JSON = /("(?:data|stringData)"\s*:\s*\{)([^{}]*)(\})/g;

const KIND_SECRET_YAML = /^[ \t]*kind:[ \t]*["']?secret["']?[ \t]*$/im;
const KIND_SECRET_JSON = /"kind"\s*:\s*"secret"/i;
/** Nothing to hide: an empty value or a template placeholder. */
const PLACEHOLDER = /^(?:""|''|\{\{.*\}\})$/;

function yamlDocumentAround(text: string, offset: number): string {
  const start = text.lastIndexOf('\n---', offset);
  const end = text.indexOf('\n---', offset);
  return text.slice(Math.max(start, 0), end < 0 ? text.length : end);
}

export function redactSecretDataYaml(
  match: string,
  indent: string,
  key: string,
  block: string,
  offset: number,
  text: string,
): string {
  if (!KIND_SECRET_YAML.test(yamlDocumentAround(text, offset))) return match;
  const lines = block.split('\n').map((line) => {
    if (/^\s*(?:#.*)?\r?$/.test(line)) return line;
    const entry = line.match(/^(\s*[\w.-]+:)[ \t]*(.*?)\r?$/);
    if (!entry) return line.replace(/^(\s*)\S.*$/, '$1[REDACTED]'); // a line of a `|` or `>` block value
    const value = entry[2];
    if (value === '' || /^[|>][-+]?$/.test(value) || PLACEHOLDER.test(value)) return line;
    return `${entry[1]} [REDACTED]`;
  });
  return `${indent}${key}:\n${lines.join('\n')}`;
}

export function redactSecretDataJson(
  match: string,
  open: string,
  body: string,
  close: string,
  _offset: number,
  text: string,
): string {
  if (!KIND_SECRET_JSON.test(text)) return match;
  return open + body.replace(/("[^"]+"\s*:\s*)"(?:[^"\\]|\\.)+"/g, '$1"[REDACTED]"') + close;
}
