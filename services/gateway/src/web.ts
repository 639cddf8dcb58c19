import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type {} from '@fastify/swagger';
import { HttpProblem, PROBLEM_CONTENT_TYPE, type ServiceApp } from '@flotilla/kit';

const PLACEHOLDER_DIR = fileURLToPath(new URL('../public', import.meta.url));

/**
 * Serves the built single-page app at `/`; any other GET that accepts HTML gets index.html so
 * client-side routes survive a reload. Everything else keeps its problem+json 404.
 */
export async function webRoutes(app: ServiceApp, options: { webDir: string }): Promise<void> {
  const root = existsSync(`${options.webDir}/index.html`) ? options.webDir : PLACEHOLDER_DIR;
  await app.register(fastifyStatic, { root, wildcard: false, index: 'index.html' });
  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (/text\/html/.test(request.headers.accept ?? ''))
      return reply.type('text/html').sendFile('index.html');
    const problem = new HttpProblem(404, `no route for GET ${path}`);
    return reply.code(404).type(PROBLEM_CONTENT_TYPE).send(problem.toJSON(request.url));
  });
}
