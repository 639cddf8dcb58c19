import { listenOn, runService } from '@flotilla/kit';
import { buildApp } from './app.js';
import { loadStatsConfig } from './config.js';

await runService(async () => {
  const config = loadStatsConfig();
  return { app: await buildApp(config), listen: listenOn(config) };
});
