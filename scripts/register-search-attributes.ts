// `npm run temporal:search-attributes`: registers our custom search attributes on an existing Temporal
// server (TEMPORAL_ADDRESS), idempotently. The dev server gets them from --search-attribute flags.
import { loadEnvOrExit } from '../config/env';
import { connectClient } from '../temporal/connection';
import { registerSearchAttributes } from '../temporal/register-search-attributes';

const env = loadEnvOrExit();
if (!env.TEMPORAL_ADDRESS) {
  process.stderr.write('TEMPORAL_ADDRESS must name the server to register the search attributes on\n');
  process.exit(1);
}
const client = await connectClient({ address: env.TEMPORAL_ADDRESS, namespace: env.TEMPORAL_NAMESPACE });
try {
  const added = await registerSearchAttributes(client);
  process.stdout.write(
    added.length ? `registered: ${added.join(', ')}\n` : 'search attributes already registered\n',
  );
} finally {
  await client.connection.close();
}
