import { SluiceError, notFound } from '../errors';
import type { CatalogService } from '../catalog/catalog';
import { relationshipOut } from '../records/relationships';
import { resourceOut } from '../records/resources';
import { historyIdOf, readHistory } from '../records/history';
import { documentId } from '../records/keys';
import type { Store } from '../store/db';
import type { HistoryDoc, RelationshipDoc, ResourceDoc } from '../store/documents';
import type { HistoryItem } from '../schemas/responses';

/** The collection types of the history paths (docs: versionhistory); `objects` is documented, and 501 here. */
export type HistoryCollectionType = 'resources' | 'relationships' | 'objects';

export interface HistoryRange {
  perPage: number;
  page: number;
  from?: string | undefined;
  to?: string | undefined;
}

/** Version history (docs: versionhistory): the items the record writers leave, one per applied operation. */
export class HistoryService {
  constructor(private readonly store: Store, private readonly catalog: CatalogService) {}

  private async recordOf(source: string, collectionType: HistoryCollectionType, collectionKey: string, itemId: string): Promise<{ targetType: 'RESOURCE' | 'RELATIONSHIP'; record: string }> {
    if (collectionType === 'objects') throw new SluiceError('UNIMPLEMENTED', 'collectionType "objects" (binary objects) is not part of Sluice; read the history of "resources" or "relationships"');
    if (collectionType === 'resources') await this.catalog.rootProfile(source, collectionKey);
    else await this.catalog.relationshipType(source, collectionKey);
    return { targetType: collectionType === 'resources' ? 'RESOURCE' : 'RELATIONSHIP', record: documentId(source, collectionKey, itemId) };
  }

  /** The items of a record, oldest first, one page (`page` from 1) within `[from, to]`; a record without history has none. */
  async list(source: string, collectionType: HistoryCollectionType, collectionKey: string, itemId: string, range: HistoryRange): Promise<HistoryItem[]> {
    if (range.from !== undefined && range.to !== undefined && Date.parse(range.from) > Date.parse(range.to)) {
      throw new SluiceError('OUT_OF_RANGE', 'the range is empty: "from" is after "to"', [{ path: 'from', message: `${range.from} is after ${range.to}` }]);
    }
    const { targetType, record } = await this.recordOf(source, collectionType, collectionKey, itemId);
    const from = range.from === undefined ? undefined : new Date(range.from).toISOString();
    const to = range.to === undefined ? undefined : new Date(range.to).toISOString();
    const items = (await readHistory(this.store, targetType, record)).filter((i) => (from === undefined || i.timestamp >= from) && (to === undefined || i.timestamp <= to));
    return items.slice((range.page - 1) * range.perPage, range.page * range.perPage).map((d) => itemOut(d, false));
  }

  /** One item, with the record as the operation wrote it when `withPayload`; 404 when the record has no such item. */
  async get(source: string, collectionType: HistoryCollectionType, collectionKey: string, itemId: string, operationId: string, withPayload: boolean): Promise<HistoryItem> {
    const { targetType, record } = await this.recordOf(source, collectionType, collectionKey, itemId);
    const _id = historyIdOf(targetType, record, operationId);
    const single = _id === undefined ? null : await this.store.history.findOne({ _id });
    const doc = single ?? (_id === undefined ? undefined : (await readHistory(this.store, targetType, record)).find((i) => i._id === _id));
    if (!doc || doc.operationId !== operationId) throw notFound(`${collectionKey}/${itemId} has no history item '${operationId}'`);
    return itemOut(doc, withPayload);
  }
}

function itemOut(doc: HistoryDoc, withPayload: boolean): HistoryItem {
  const item: HistoryItem = {
    id: doc.id, type: doc.type, targetType: doc.targetType === 'RESOURCE' ? 'resources' : 'relationships',
    operationId: doc.operationId, taskId: doc.taskId, timestamp: doc.timestamp, action: doc.action, userInfo: doc.userInfo,
  };
  if (!withPayload) return item;
  const stored = JSON.parse(doc.payload) as Record<string, unknown>;
  const full = { _id: doc.record, ...stored };
  return { ...item, payload: doc.targetType === 'RESOURCE' ? resourceOut(full as unknown as ResourceDoc) : relationshipOut(full as unknown as RelationshipDoc) };
}
