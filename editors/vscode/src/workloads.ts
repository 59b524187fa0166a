/**
 * The workloads of a workspace, read from `netpol-lsp connectivity --format json`, for the
 * "Explain workload" quick pick. Tolerant of the format's shapes: a list of connections
 * ({src, dst, conn}), or an object with `connections`, `endpoints`/`workloads` or `nodes`;
 * an endpoint is "ns/name[Kind]" or an object {namespace, name, kind}. IP blocks are skipped.
 */

export interface Workload {
  namespace: string;
  name: string;
  kind?: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const ENDPOINT = /^([^/\s[\]]+)\/([^/\s[\]]+)(?:\s*\[([A-Za-z]+)\])?$/;

export function workloadKey(w: Workload): string {
  return `${w.namespace}/${w.name}`;
}

function looksLikeCidr(text: string): boolean {
  return /^[0-9.]+\/\d+$/.test(text) || text.includes(':');
}

/** "shop/api[Deployment]" -> {namespace: shop, name: api, kind: Deployment}; IP blocks -> undefined. */
export function parseEndpoint(value: unknown): Workload | undefined {
  if (typeof value === 'string') {
    const text = value.trim();
    if (looksLikeCidr(text)) {
      return undefined;
    }
    const m = ENDPOINT.exec(text);
    if (!m || !DNS_LABEL.test(m[1]) || !NAME.test(m[2])) {
      return undefined;
    }
    return m[3] ? { namespace: m[1], name: m[2], kind: m[3] } : { namespace: m[1], name: m[2] };
  }
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.namespace === 'string' && typeof o.name === 'string' && !o.cidr && !o.ipBlock) {
      if (!DNS_LABEL.test(o.namespace) || !NAME.test(o.name)) {
        return undefined;
      }
      const kind = typeof o.kind === 'string' ? o.kind : undefined;
      return kind ? { namespace: o.namespace, name: o.name, kind } : { namespace: o.namespace, name: o.name };
    }
    for (const key of ['workload', 'endpoint', 'id']) {
      if (key in o) {
        return parseEndpoint(o[key]);
      }
    }
  }
  return undefined;
}

/** Every workload named in the connectivity JSON, deduplicated and sorted by namespace/name. */
export function workloadsFromConnectivity(json: string): Workload[] {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return [];
  }
  const found = new Map<string, Workload>();
  const add = (value: unknown): void => {
    const w = parseEndpoint(value);
    if (w && !found.has(workloadKey(w))) {
      found.set(workloadKey(w), w);
    } else if (w?.kind && !found.get(workloadKey(w))?.kind) {
      found.set(workloadKey(w), w);
    }
  };
  const addConnections = (list: unknown): void => {
    if (!Array.isArray(list)) {
      return;
    }
    for (const item of list) {
      if (item && typeof item === 'object') {
        const c = item as Record<string, unknown>;
        for (const key of ['src', 'dst', 'source', 'destination', 'from', 'to']) {
          if (key in c) {
            add(c[key]);
          }
        }
      }
    }
  };
  if (Array.isArray(data)) {
    addConnections(data);
  } else if (data && typeof data === 'object') {
    const o = data as Record<string, unknown>;
    for (const key of ['endpoints', 'workloads', 'nodes']) {
      if (Array.isArray(o[key])) {
        (o[key] as unknown[]).forEach(add);
      }
    }
    for (const key of ['connections', 'edges', 'allowed']) {
      addConnections(o[key]);
    }
  }
  return [...found.values()].sort((a, b) => workloadKey(a).localeCompare(workloadKey(b)));
}
