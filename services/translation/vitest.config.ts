import { workspaceProject } from '../../vitest.shared.js';

// The real dictionary's lexicon is compiled once for every test file (test/global-setup.ts).
export default workspaceProject('translation', { globalSetup: ['test/global-setup.ts'] });
