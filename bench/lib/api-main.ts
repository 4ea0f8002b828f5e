// `api/main.ts` as is, with one difference: `@hono/zod-openapi` is loaded first. api/main.ts imports
// client/cycles (and with it workflows/failed-payment's zod schema) before ./app, so the schema exists
// before zod is extended with `.openapi()`, and `npm run api` fails at start with
// "failedPaymentSchema.openapi is not a function". Reported; remove this shim once api/main.ts is fixed.
import '@hono/zod-openapi';
import '../../api/main';
