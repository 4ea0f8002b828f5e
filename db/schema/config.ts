import { integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

// Every stored retry configuration, kept forever: a cycle pins the version it started with, and
// operators can read any earlier version back.
export const configVersions = pgTable('config_versions', {
  version: integer('version').primaryKey(),
  document: jsonb('document').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  createdBy: text('created_by').notNull(),
});
