import { listenOn, runService } from '@flotilla/kit';
import { buildApp } from './app.js';
import { loadUsersConfig } from './config.js';

await runService(async () => {
  const config = loadUsersConfig();
  return { app: await buildApp(config), listen: listenOn(config) };
});
