import { z } from 'zod';
import {
  ACTIONS, DECISION_ACTIONS, EXECUTION_STATUSES, PURGE_COLLECTION_TYPES, PURGE_STATUSES, RECEIPT_STATUSES, ROLES, STEP_STATUSES, TARGET_TYPES,
} from '../domain';

// The zod enums of the domain vocabulary, built from the arrays of src/domain.ts.

export const ActionSchema = z.enum(ACTIONS, { error: () => `must be one of ${ACTIONS.join(', ')}` });
export const TargetTypeSchema = z.enum(TARGET_TYPES);
export const ReceiptStatusSchema = z.enum(RECEIPT_STATUSES);
export const ExecutionStatusSchema = z.enum(EXECUTION_STATUSES);
export const StepStatusSchema = z.enum(STEP_STATUSES);
export const PurgeStatusSchema = z.enum(PURGE_STATUSES);
export const PurgeCollectionTypeSchema = z.enum(PURGE_COLLECTION_TYPES);
export const DecisionActionSchema = z.enum(DECISION_ACTIONS);
export const RoleSchema = z.enum(ROLES);
