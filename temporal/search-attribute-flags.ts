import { customSearchAttributes } from '../workflows/search-attributes';

// The CLI spells the types differently from the SDK.
const cliType = { KEYWORD: 'Keyword', INT: 'Int', DATETIME: 'Datetime' } as const;

/** `--search-attribute Name=Type` flags for `temporal server start-dev`. */
export function searchAttributeFlags(): string[] {
  return customSearchAttributes.flatMap((key) => [
    '--search-attribute',
    `${key.name}=${cliType[key.type as keyof typeof cliType]}`,
  ]);
}
