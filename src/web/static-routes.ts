import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Route } from '../http/router.ts';

const STATIC_DIRECTORY = join(import.meta.dirname, 'static');

/** The page's files: a fixed list (no path from the request ever reaches the file system). */
const FILES: Array<{ path: string; file: string; contentType: string }> = [
  { path: '/', file: 'index.html', contentType: 'text/html; charset=utf-8' },
  { path: '/app.js', file: 'app.js', contentType: 'text/javascript; charset=utf-8' },
  { path: '/styles.css', file: 'styles.css', contentType: 'text/css; charset=utf-8' },
  { path: '/favicon.svg', file: 'favicon.svg', contentType: 'image/svg+xml' },
];

/** Static files hold no data, so they are public; the page asks for the token before it calls the API. */
export function staticRoutes(): Route[] {
  return FILES.map(({ path, file, contentType }) => {
    const body = readFileSync(join(STATIC_DIRECTORY, file));
    return {
      method: 'GET',
      path,
      access: 'public',
      // HEAD is answered by the same route; the stack drops the body.
      handler: () =>
        new Response(body, {
          status: 200,
          headers: { 'Content-Type': contentType, 'Content-Length': String(body.length), 'Cache-Control': 'no-cache' },
        }),
    } satisfies Route;
  });
}
