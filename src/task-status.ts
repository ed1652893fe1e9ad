import type { ReceiptStatus } from './domain';

export type StatusCounts = Record<ReceiptStatus, number>;

/**
 * A task's status from its receipts' counts: PENDING while any is open; SUCCESS when all succeeded;
 * CANCELLED when all were cancelled; otherwise FAILURE (at least one failed or was cancelled).
 */
export function taskStatus(c: StatusCounts): ReceiptStatus {
  const total = c.SUCCESS + c.PENDING + c.FAILURE + c.CANCELLED;
  if (c.PENDING > 0 || total === 0) return 'PENDING';
  if (c.SUCCESS === total) return 'SUCCESS';
  if (c.CANCELLED === total) return 'CANCELLED';
  return 'FAILURE';
}
