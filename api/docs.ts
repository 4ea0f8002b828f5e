import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { Scalar } from '@scalar/hono-api-reference';
import type { AppEnv } from './context';

// `/docs` works without the internet: the Scalar page loads its browser bundle from our own origin
// (`/docs/scalar.js`, from the pinned @scalar/api-reference package) instead of jsDelivr, and its
// default fonts (fonts.scalar.com) are turned off, so the page names no third-party URL.

export const SCALAR_BUNDLE_PATH = '/docs/scalar.js';

/** The standalone bundle's file; the package exports no path to it, so it is found beside its entry (dist/index.js). */
function scalarBundleFile(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@scalar/api-reference')), 'browser/standalone.js');
}

let bundle: Promise<string> | undefined;
/** Read once per process (3.5 MB), on the first request for it. */
const loadBundle = () => {
  bundle ??= readFile(scalarBundleFile(), 'utf8').catch((err: unknown) => {
    bundle = undefined;
    throw err;
  });
  return bundle;
};

export function registerDocs(app: OpenAPIHono<AppEnv>) {
  app.get(
    '/docs',
    Scalar({
      url: '/openapi.json',
      pageTitle: 'payment-retry API',
      cdn: SCALAR_BUNDLE_PATH,
      withDefaultFonts: false,
      telemetry: false,
    }),
  );
  app.get(SCALAR_BUNDLE_PATH, async (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    // The file changes only with the pinned package, so clients may keep it for a day.
    c.header('Cache-Control', 'public, max-age=86400');
    return c.body(await loadBundle(), 200);
  });
}
