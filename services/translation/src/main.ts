import { listenOn, runService } from '@flotilla/kit';
import { buildApp } from './app.js';
import { loadTranslationConfig } from './config.js';

await runService(async () => {
  const config = loadTranslationConfig();
  return { app: await buildApp(config), listen: listenOn(config) };
});
