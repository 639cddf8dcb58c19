// What the runtime check renders and which images it runs: shared by run.ts and the unit tests.

import { imageRef, testImages } from '../../../scripts/images.mjs';

/**
 * The images the runtime check runs: the container tests' images (scripts/images.mjs testImages:
 * FLOTILLA_IMAGES_FROM's, else the flotilla-test/flotilla-<component>:compose that test:compose
 * builds), under the names the chart gives them: no re-tagging.
 */
export const RUNTIME_IMAGES = { ...testImages(), prefix: 'flotilla' };
export const runtimeImage = (component: string) => imageRef(RUNTIME_IMAGES.registry, component, RUNTIME_IMAGES.tag);

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
    // Nothing may be downloaded from the internet here.
    'translation.fetch': 'off',
  };
  return Object.entries(values).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
}
