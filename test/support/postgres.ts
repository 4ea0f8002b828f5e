import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** The server tests create their databases on: CI's Postgres at 127.0.0.1:5432 unless told otherwise. */
export function adminUrl(): string {
  return process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function runPrefix(): string {
  return `cpr_test_${process.pid}_${randomBytes(3).toString('hex')}`;
}

/** A new, empty database for one test file; dropped with the run. */
export async function createTestDatabase(admin: string, prefix: string): Promise<string> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const sql = postgres(admin, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`create database "${name}"`);
  } finally {
    await sql.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropTestDatabases(prefix: string, admin = adminUrl()): Promise<void> {
  const sql = postgres(admin, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<
      { datname: string }[]
    >`select datname from pg_database where datname like ${`${prefix}%`}`;
    for (const { datname } of rows) await sql.unsafe(`drop database if exists "${datname}" with (force)`);
  } finally {
    await sql.end();
  }
}
