import { Agent, type Dispatcher, fetch as undiciFetch, Pool } from 'undici';

/**
 * Where a service listens, as its callers name it: `http(s)://host:port`, or a Unix domain socket
 * as `http+unix://<percent-encoded absolute path>` (e.g. `http+unix://%2Frun%2Fflotilla%2Fusers.sock`,
 * the convention of requests-unixsocket and Docker clients), to which paths are resolved as usual:
 * `new URL('/.well-known/jwks.json', base)`. The embedded stack uses sockets in a directory only its
 * user can open, so no other local user can reach a service, or bind its address while it restarts
 * and pose as it.
 */
export interface ServiceAddress {
  /** The origin requests carry (`http://localhost` for a socket). */
  origin: string;
  socketPath: string | undefined;
}

export const UNIX_PROTOCOL = 'http+unix:';

export function parseServiceAddress(url: string | URL): ServiceAddress {
  const parsed = new URL(url);
  if (parsed.protocol !== UNIX_PROTOCOL) return { origin: parsed.origin, socketPath: undefined };
  const socketPath = decodeURIComponent(parsed.hostname);
  if (!socketPath.startsWith('/')) throw new Error(`a ${UNIX_PROTOCOL} address needs an absolute path: ${url}`);
  return { origin: 'http://localhost', socketPath };
}

/** The address for a socket path, for the launcher and tests. */
export function socketAddress(socketPath: string): string {
  return `${UNIX_PROTOCOL}//${encodeURIComponent(socketPath)}`;
}

/** A keep-alive connection pool to one service, over TCP or its socket. */
export function servicePool(url: string, options: Pool.Options = {}): Pool {
  const { origin, socketPath } = parseServiceAddress(url);
  return new Pool(origin, socketPath ? { ...options, socketPath } : options);
}

/**
 * One dispatcher for several services (the gateway's upstreams). Each gets an origin of its own
 * to address it by: its URL's origin, or `http://<name>.localhost` for a socket.
 */
export function serviceAgent<Name extends string>(
  urls: Record<Name, string>,
  options: Pool.Options = {},
): { dispatcher: Dispatcher; origins: Record<Name, string> } {
  const sockets = new Map<string, string>();
  const origins = {} as Record<Name, string>;
  for (const name of Object.keys(urls) as Name[]) {
    const { origin, socketPath } = parseServiceAddress(urls[name]);
    origins[name] = socketPath ? `http://${name}.localhost` : origin;
    if (socketPath) sockets.set(origins[name], socketPath);
  }
  const dispatcher = new Agent({
    ...options,
    factory: (origin, poolOptions) => {
      const socketPath = sockets.get(new URL(String(origin)).origin);
      return new Pool(origin, socketPath ? { ...poolOptions, socketPath } : poolOptions);
    },
  });
  return { dispatcher, origins };
}

/**
 * A URL `fetch` can take, and the fetch to use for it: a socket address becomes `http://localhost/…`
 * fetched through the socket (jose fetches remote key sets this way).
 */
export function fetchVia(url: string | URL): { url: URL; fetch: typeof fetch | undefined } {
  const parsed = new URL(url);
  const { origin, socketPath } = parseServiceAddress(parsed);
  if (!socketPath) return { url: parsed, fetch: undefined };
  const dispatcher = new Agent({ connect: { socketPath } });
  const viaSocket = (input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(String(input), { ...(init as object), dispatcher });
  return {
    url: new URL(`${parsed.pathname}${parsed.search}`, origin),
    fetch: viaSocket as unknown as typeof fetch,
  };
}
