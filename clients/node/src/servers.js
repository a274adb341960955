// Bootstrap server lists: "host:port" or "host1:port1,host2:port2,...".
//
// One server goes to gRPC as given. A list becomes the target
// "eventlog-servers:LIST", which the resolver below serves: it resolves every
// entry with gRPC's own DNS resolver and reports the addresses in list order,
// so gRPC's pick_first policy connects to the first broker that answers and,
// when the broker in use goes away (UNAVAILABLE, connection lost), moves on to
// the next one that answers. Calls in flight at that moment fail with
// UNAVAILABLE, as with one broker. The first entry is the channel's
// authority, which TLS verifies: every broker's certificate must be valid for
// it.
import * as grpc from '@grpc/grpc-js';

const SCHEME = 'eventlog-servers';

/** The non-blank entries of a comma-separated server list (not checked further). */
export function splitServers(servers) {
  const entries = String(servers)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new TypeError(`no server in "${servers}" (expected HOST:PORT[,HOST:PORT...])`);
  return entries;
}

// One child resolver per entry; their results are combined in list order.
class ServerListResolver {
  #listener;
  #results;
  #children;

  constructor(target, listener, options) {
    this.#listener = listener;
    const entries = splitServers(target.path);
    this.#results = new Array(entries.length).fill(null);
    this.#children = entries.map((entry, i) =>
      grpc.experimental.createResolver(
        { scheme: 'dns', path: entry },
        (endpoints) => {
          this.#results[i] = endpoints;
          return this.#report();
        },
        options,
      ),
    );
  }

  #report() {
    const endpoints = [];
    let error = null;
    for (const result of this.#results) {
      if (result?.ok) endpoints.push(...result.value);
      else if (result) error ??= result.error;
    }
    if (endpoints.length > 0) return this.#listener({ ok: true, value: endpoints }, {}, null, '');
    if (this.#results.every((r) => r !== null)) return this.#listener({ ok: false, error }, {}, null, '');
    return true; // wait for the other entries
  }

  updateResolution() {
    for (const child of this.#children) child.updateResolution();
  }

  destroy() {
    for (const child of this.#children) child.destroy();
  }

  static getDefaultAuthority(target) {
    return splitServers(target.path)[0];
  }
}

let registered = false;

/** The gRPC target for a server or a server list. */
export function channelTarget(servers) {
  const entries = splitServers(servers);
  if (entries.length === 1) return entries[0]; // any gRPC target, as before lists
  for (const entry of entries) {
    if (!/^(\[[^\]]+\]|[^:\s]+):\d+$/.test(entry)) throw new TypeError(`server "${entry}" is not HOST:PORT`);
  }
  if (!registered) {
    grpc.experimental.registerResolver(SCHEME, ServerListResolver);
    registered = true;
  }
  return `${SCHEME}:${entries.join(',')}`;
}
