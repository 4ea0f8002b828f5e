import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONSOLE_API_TYPES_FILE, consoleApiTypes } from '../../scripts/console-api-types-source';

// The console's client is typed from the API's generated OpenAPI document. A route changed without
// `npm run console:api-types` would leave the console compiling against an API that is gone.

describe('console API types', () => {
  it('are the generation of the OpenAPI document the API serves now', async () => {
    expect(readFileSync(CONSOLE_API_TYPES_FILE, 'utf8')).toBe(await consoleApiTypes());
  });
});
