// `npm run console:api-types`: writes console/api/schema.d.ts, the console's types of every API
// route, generated from the OpenAPI document the API serves (openapi-typescript). A test keeps the
// committed file equal to a fresh generation, so a changed route cannot leave the console behind.
import { writeFile } from 'node:fs/promises';
import { CONSOLE_API_TYPES_FILE, consoleApiTypes } from './console-api-types-source';

await writeFile(CONSOLE_API_TYPES_FILE, await consoleApiTypes());
process.stdout.write(`wrote ${CONSOLE_API_TYPES_FILE}\n`);
