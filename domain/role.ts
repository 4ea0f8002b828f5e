// Who may change things. Every token carries one role; tokens made before roles existed are operators.
import { z } from 'zod';

export const ROLES = ['viewer', 'operator'] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES);

/** A viewer reads everything and changes nothing. */
export const canWrite = (role: Role): boolean => role === 'operator';
