// `npm run docs:env`: prints the README's environment-variable table from the one zod schema, so a
// test can check the README never drifts from the code.
import { envDescriptions, envSchema } from '../config/env';

export function envTable(): string {
  const defaults = envSchema.parse({});
  const rows = Object.entries(envDescriptions).map(([name, description]) => {
    const value = (defaults as Record<string, unknown>)[name];
    const shown = value === undefined ? '(unset)' : `\`${String(value)}\``;
    return `| \`${name}\` | ${shown} | ${description} |`;
  });
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${envTable()}\n`);
