import { listenOn, runService } from '@flotilla/kit';
import { buildApp } from './app.js';
import { loadGatewayConfig } from './config.js';

await runService(async () => {
  const config = loadGatewayConfig();
  return { app: await buildApp(config), listen: listenOn(config) };
});
