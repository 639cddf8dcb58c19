// What the runtime check renders and which images it runs: shared by run.ts and the unit tests.

/** The images `npm run test:compose` builds (tests/compose/lib.mjs: IMAGE_PREFIX/<name>:TAG). */
export const COMPOSE_IMAGE = (component: string) => `flotilla-test/${component}:compose`;

/** The test-only PostgreSQL image (./postgres: the ci/postgres:15 stand-in made to start as uid 999). */
export const POSTGRES_IMAGE = { repository: 'flotilla-k8s-runtime/postgres', tag: '15-nonroot' };

/** The values the runtime check renders the chart with (as `--set` arguments). */
export function runtimeSetArgs(images: { registry: string; prefix: string; tag: string }): string[] {
  const values: Record<string, string> = {
    // The demo StatefulSet is the database; without a claim its data is an emptyDir.
    'postgresql.mode': 'statefulset',
    'postgresql.statefulset.persistence.enabled': 'false',
    'postgresql.statefulset.image.repository': POSTGRES_IMAGE.repository,
    'postgresql.statefulset.image.tag': POSTGRES_IMAGE.tag,
    // Docker's embedded DNS server, which knows the network aliases (the Services' names).
    'edge.dnsResolver': '127.0.0.11',
    'image.registry': images.registry,
    'image.prefix': images.prefix,
    'image.tag': images.tag,
    'image.pullPolicy': 'Never',
  };
  return Object.entries(values).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
}
