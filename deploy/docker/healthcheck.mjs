// Container HEALTHCHECK for every Node service: the slim runtime image has no curl or wget,
// so Node itself asks the service's own /readyz: healthy means ready to serve (its database
// reachable, translation's engine loaded), which is what `depends_on: service_healthy` and the
// stack test wait for. Exit 0 = healthy. A short timeout keeps a hung event loop from looking
// healthy.
const port = process.env.PORT || '8080';
try {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2500) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
