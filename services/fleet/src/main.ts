import { listenOn, runService } from '@flotilla/kit';
import { buildApp } from './app.js';
import { loadFleetConfig } from './config.js';

await runService(async () => {
  const config = loadFleetConfig();
  return { app: await buildApp(config), listen: listenOn(config) };
});
