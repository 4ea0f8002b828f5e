import { defineSearchAttributeKey } from '@temporalio/common';

// Our custom search attributes, defined once: workflows upsert them, the dev server and the
// docker-compose job register them, so operators can filter the Temporal UI with e.g.
// CycleStatus="in_retry" AND AccountId="A1".
export const AccountId = defineSearchAttributeKey('AccountId', 'KEYWORD');
export const InvoiceId = defineSearchAttributeKey('InvoiceId', 'KEYWORD');
export const DebitMemoId = defineSearchAttributeKey('DebitMemoId', 'KEYWORD');
export const CycleStatus = defineSearchAttributeKey('CycleStatus', 'KEYWORD');
export const CustomerGroup = defineSearchAttributeKey('CustomerGroup', 'KEYWORD');
export const NextAttemptAt = defineSearchAttributeKey('NextAttemptAt', 'DATETIME');
export const AttemptCount = defineSearchAttributeKey('AttemptCount', 'INT');

export const customSearchAttributes = [
  AccountId,
  InvoiceId,
  DebitMemoId,
  CycleStatus,
  CustomerGroup,
  NextAttemptAt,
  AttemptCount,
] as const;
