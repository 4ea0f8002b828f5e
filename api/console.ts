import { createHash } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from './context';

// Serves the operator console (console/, bundled by runtime/console-assets.ts) at /console. It is
// static: every number it shows comes from the public API, called from the browser with the
// session cookie. Its pages are one HTML shell; the client routes /console/… itself.

export interface ConsoleAssets {
  index: string;
  files: Map<string, { body: Uint8Array; type: string }>;
}

/**
 * No inline script or style, nothing from another origin, no framing: an injected string can neither
 * run nor exfiltrate the session (the cookie is HttpOnly, the API same-origin).
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function secure(c: Context) {
  c.header('Content-Security-Policy', CONSOLE_CSP);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('X-Frame-Options', 'DENY');
}

export function registerConsole(app: OpenAPIHono<AppEnv>, assets: ConsoleAssets) {
  // Asset names carry no hash, so a content hash in the query busts caches across deploys.
  const version = createHash('sha256')
    .update([...assets.files.values()].map((f) => Buffer.from(f.body).toString('base64')).join())
    .digest('hex')
    .slice(0, 12);
  const html = assets.index.replaceAll('{{version}}', version);

  app.get('/console/assets/:name', (c) => {
    const file = assets.files.get(c.req.param('name'));
    secure(c);
    if (!file) return c.json({ success: false, message: 'No such console asset' }, 404);
    c.header('Content-Type', file.type);
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(file.body as Uint8Array<ArrayBuffer>);
  });
  const page = (c: Context) => {
    secure(c);
    c.header('Cache-Control', 'no-store');
    return c.html(html);
  };
  app.get('/console', page);
  app.get('/console/*', page);
}
