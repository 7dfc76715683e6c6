// Test helper: an ordinary modern site on loopback, the way a small single-page app is deployed: pages, hashed
// assets with their source maps, robots.txt, sitemap, security.txt, a web manifest and a service worker, and the
// runtime configuration an SPA loads at start (`/config.json`, `/env.js`: public by design). 404 for everything else.
// With `leak`, `/.env` is answered 200 with the secrets a real leak shows (a KEY=VALUE file).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const page = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title} - Example Shop</title>
<link rel="icon" href="/favicon.ico">
<link rel="manifest" href="/manifest.json">
<link rel="stylesheet" href="/assets/app.3f2a1c.css">
<script src="/env.js"></script>
<script type="module" src="/assets/app.3f2a1c.js"></script>
</head>
<body>
<nav><a href="/">Home</a> <a href="/products/">Products</a> <a href="/about.html">About</a> <a href="/blog/first-post.html">Blog</a></nav>
<main>${body}</main>
<img src="/assets/logo.8d9e0f.svg" alt="logo">
</body>
</html>
`;

const APP_JS = `import { render } from './vendor.7b1e2d.js';
const config = await fetch('/config.json').then((response) => response.json());
render(document.querySelector('main'), config.apiBase);
if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js');
//# sourceMappingURL=app.3f2a1c.js.map
`;
const VENDOR_JS = `export function render(element, apiBase) { element.dataset.api = apiBase; }
//# sourceMappingURL=vendor.7b1e2d.js.map
`;
const sourceMap = (file: string, source: string) =>
  JSON.stringify({ version: 3, file, sources: [`../src/${source}`], names: [], mappings: 'AAAA' });
const SW_JS = `self.addEventListener('install', (event) => event.waitUntil(caches.open('v1').then((cache) => cache.addAll(['/', '/assets/app.3f2a1c.css']))));
self.addEventListener('fetch', (event) => event.respondWith(caches.match(event.request).then((hit) => hit ?? fetch(event.request))));
`;
const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><circle cx="20" cy="20" r="18"/></svg>';
// A 16x16 transparent .ico would be binary; browsers accept a PNG served as the icon.
const FAVICON = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAEklEQVR42mNkYPhfz0AEYBxVSF8FAFgRD/FJ5UNgAAAAAElFTkSuQmCC',
  'base64',
);

type Content = [type: string, body: string | Buffer];

const CONTENT: Record<string, Content> = {
  '/': ['text/html', page('Home', '<h1>Welcome</h1><p>Hand-made goods.</p>')],
  '/index.html': ['text/html', page('Home', '<h1>Welcome</h1><p>Hand-made goods.</p>')],
  '/products/': ['text/html', page('Products', '<h1>Products</h1><a href="/products/mug.html">Mug</a>')],
  '/products/mug.html': ['text/html', page('Mug', '<h1>Mug</h1><p>A mug.</p>')],
  '/about.html': ['text/html', page('About', '<h1>About us</h1>')],
  '/blog/first-post.html': ['text/html', page('First post', '<h1>First post</h1>')],
  '/assets/app.3f2a1c.css': [
    'text/css',
    'body { font-family: sans-serif; }\n/*# sourceMappingURL=app.3f2a1c.css.map */\n',
  ],
  '/assets/app.3f2a1c.css.map': ['application/json', sourceMap('app.3f2a1c.css', 'app.css')],
  '/assets/app.3f2a1c.js': ['text/javascript', APP_JS],
  '/assets/app.3f2a1c.js.map': ['application/json', sourceMap('app.3f2a1c.js', 'app.ts')],
  '/assets/vendor.7b1e2d.js': ['text/javascript', VENDOR_JS],
  '/assets/vendor.7b1e2d.js.map': ['application/json', sourceMap('vendor.7b1e2d.js', 'vendor.ts')],
  '/assets/logo.8d9e0f.svg': ['image/svg+xml', LOGO],
  '/favicon.ico': ['image/png', FAVICON],
  '/manifest.json': [
    'application/manifest+json',
    JSON.stringify({ name: 'Example Shop', start_url: '/', display: 'standalone', icons: [] }),
  ],
  '/sw.js': ['text/javascript', SW_JS],
  '/config.json': ['application/json', JSON.stringify({ apiBase: '/api', sentryDsn: null, features: ['cart'] })],
  '/env.js': ['text/javascript', 'window.__ENV__ = { API_BASE: "/api", RELEASE: "2026.12.1" };\n'],
  '/robots.txt': ['text/plain', 'User-agent: *\nAllow: /\nSitemap: /sitemap.xml\n'],
  '/sitemap.xml': [
    'application/xml',
    '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/</loc></url><url><loc>/products/</loc></url></urlset>\n',
  ],
  '/.well-known/security.txt': [
    'text/plain',
    'Contact: mailto:security@example.test\nExpires: 2027-12-31T23:00:00.000Z\n',
  ],
};

/** What a leaked Laravel-style `.env` holds (made-up values). */
const LEAKED_ENV = 'APP_KEY=base64:Zm9yLXRlc3RzLW9ubHktbm90LWEta2V5\nDB_HOST=10.0.0.5\nDB_PASSWORD=hunter2-s20\n';

export interface OrdinarySite {
  port: number;
  server: Server;
  close(): void;
}

export async function startOrdinarySite(options: { leak: boolean }): Promise<OrdinarySite> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const content: Content | undefined = options.leak && path === '/.env' ? ['text/plain', LEAKED_ENV] : CONTENT[path];
    if (!content) {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>Not found</title><h1>Not found</h1>\n');
      return;
    }
    res.writeHead(200, { 'content-type': content[0], 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : content[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
