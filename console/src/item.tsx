// One execution waiting in review: the proposed record beside the stored one with the changes marked, the step's
// instructions, validator issues, the record's history, the time left, the claim, and the decision buttons.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { RefObject } from 'preact';
import {
  ApiError, call, executionPath, getOrNone, historyPath, recordPath, enc,
  type Assignment, type Execution, type HistoryItem, type OperationBody, type PipelineDefinition, type QueueItem, type Reviewer, type StoredRecord,
} from './api';
import { diffRecords } from './diff';
import { conflict, ending, who } from './explain';
import { duration, ago, local } from './time';
import { RecordTree } from './tree';

/** What the keyboard shortcuts call on the open item. */
export interface ItemActions {
  approve(): void;
  reject(): void;
  toggleClaim(): void;
}

interface Props {
  item: QueueItem;
  me: Reviewer;
  apiKey: string;
  /** A decision or claim changed the queue: the queue reads it again. */
  onChanged(): void;
  actions: RefObject<ItemActions | undefined>;
}

interface Loaded {
  execution: Execution;
  stored: StoredRecord | undefined;
  history: HistoryItem[];
  pipeline: PipelineDefinition | undefined;
}

/** The parts of a record the diff compares: its data, contained resources and, for a relationship, its ends. */
function comparable(body: OperationBody | StoredRecord, stored?: StoredRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { data: body.data ?? {}, contained: body.contained ?? {} };
  const from = body.from ?? stored?.from;
  const to = body.to ?? stored?.to;
  if (from) out.from = from;
  if (to) out.to = to;
  return out;
}

function timeLeft(item: QueueItem, now: number): string {
  if (!item.timeoutAt) return 'No timeout: it waits for a reviewer.';
  const left = Date.parse(item.timeoutAt) - now;
  return left > 0
    ? `${duration(left)} left; then the step's timeout decides ${item.onTimeout ?? 'REJECT'}.`
    : `The timeout has passed: ${item.onTimeout ?? 'REJECT'} is being applied.`;
}

export function ItemView({ item, me, apiKey, onChanged, actions }: Props) {
  const [loaded, setLoaded] = useState<Loaded>();
  const [assignment, setAssignment] = useState<Assignment | undefined>(item.assignment);
  const [loadError, setLoadError] = useState<string>();
  const [comment, setComment] = useState('');
  const [commentError, setCommentError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<{ text: string; kind: 'ok' | 'problem' }>();
  const [now, setNow] = useState(Date.now());
  const commentRef = useRef<HTMLTextAreaElement>(null);
  const canReview = me.roles.includes('review') || me.roles.includes('admin');
  const isAdmin = me.roles.includes('admin');
  const path = executionPath(item.source, item.id);

  useEffect(() => {
    let live = true;
    setLoaded(undefined);
    setLoadError(undefined);
    setNotice(undefined);
    setComment('');
    setCommentError(undefined);
    setAssignment(item.assignment);
    const dot = item.pipelineDefinitionId.lastIndexOf('.');
    const pipelinePath = `/sources/${enc(item.source)}/v1/collections/${enc(item.pipelineDefinitionId.slice(0, dot))}/pipeline?version=${enc(item.pipelineDefinitionId.slice(dot + 1))}`;
    Promise.all([
      call<Execution>(apiKey, 'GET', `${path}?withOperationBody=true`),
      getOrNone<StoredRecord>(apiKey, recordPath(item)),
      getOrNone<HistoryItem[]>(apiKey, historyPath(item)),
      getOrNone<PipelineDefinition>(apiKey, pipelinePath),
      getOrNone<Assignment>(apiKey, `${path}/assignment`),
    ]).then(([execution, stored, history, pipeline, claim]) => {
      if (!live) return;
      setLoaded({ execution, stored, history: history ?? [], pipeline });
      setAssignment(claim);
    }, (err: unknown) => live && setLoadError(err instanceof Error ? err.message : String(err)));
    return () => {
      live = false;
    };
  }, [item.id, apiKey]);

  // The item is watched while open: a newer request, another reviewer's claim or decision shows within seconds.
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
      if (document.hidden) return;
      Promise.all([call<Execution>(apiKey, 'GET', path), getOrNone<Assignment>(apiKey, `${path}/assignment`)]).then(([execution, claim]) => {
        setLoaded((l) => (l ? { ...l, execution: { ...l.execution, status: execution.status, steps: execution.steps, updatedAt: execution.updatedAt } } : l));
        setAssignment(claim);
      }, () => undefined);
    }, 2000);
    return () => clearInterval(timer);
  }, [path, apiKey]);

  const execution = loaded?.execution;
  const ended = execution ? ending(execution, item, me) : undefined;
  const waiting = execution?.status === 'IN_REVIEW';
  const claimedByOther = !!assignment && assignment.by.id !== me.id;
  const blocked = !waiting || busy || (claimedByOther && !isAdmin);

  const explainRefusal = useCallback(async (err: unknown) => {
    if (err instanceof ApiError && err.status === 409) {
      const [fresh, claim] = await Promise.all([
        call<Execution>(apiKey, 'GET', path).catch(() => undefined),
        getOrNone<Assignment>(apiKey, `${path}/assignment`).catch(() => undefined),
      ]);
      if (fresh) setLoaded((l) => (l ? { ...l, execution: { ...l.execution, status: fresh.status, steps: fresh.steps } } : l));
      setAssignment(claim);
      setNotice({ kind: 'problem', text: conflict(fresh, claim, item, me, err.message) });
      return;
    }
    setNotice({ kind: 'problem', text: err instanceof Error ? err.message : String(err) });
  }, [apiKey, path, item, me]);

  const decide = useCallback(async (action: 'APPROVE' | 'REJECT') => {
    if (!canReview || blocked) return;
    if (action === 'REJECT' && comment.trim() === '') {
      setCommentError('A comment is required to reject.');
      commentRef.current?.focus();
      return;
    }
    setBusy(true);
    setNotice(undefined);
    try {
      await call(apiKey, 'POST', `${path}/decision`, { action, ...(comment.trim() ? { description: comment.trim() } : {}) });
      setNotice({ kind: 'ok', text: action === 'APPROVE' ? `Approved ${item.recordId}.` : `Rejected ${item.recordId}.` });
      onChanged();
    } catch (err) {
      await explainRefusal(err);
    } finally {
      setBusy(false);
    }
  }, [canReview, blocked, comment, apiKey, path, item.recordId, onChanged, explainRefusal]);

  const toggleClaim = useCallback(async () => {
    if (!canReview || !waiting || busy) return;
    setBusy(true);
    setNotice(undefined);
    try {
      if (assignment?.by.id === me.id) {
        await call(apiKey, 'DELETE', `${path}/assignment`);
        setAssignment(undefined);
        setNotice({ kind: 'ok', text: `Released ${item.recordId}.` });
      } else {
        setAssignment(await call<Assignment>(apiKey, 'PUT', `${path}/assignment`));
        setNotice({ kind: 'ok', text: `Claimed ${item.recordId}.` });
      }
      onChanged();
    } catch (err) {
      await explainRefusal(err);
    } finally {
      setBusy(false);
    }
  }, [canReview, waiting, busy, assignment, me.id, apiKey, path, item.recordId, onChanged, explainRefusal]);

  const releaseOther = useCallback(async () => {
    setBusy(true);
    try {
      await call(apiKey, 'DELETE', `${path}/assignment`);
      setAssignment(undefined);
      setNotice({ kind: 'ok', text: `Released ${item.recordId}.` });
      onChanged();
    } catch (err) {
      await explainRefusal(err);
    } finally {
      setBusy(false);
    }
  }, [apiKey, path, item.recordId, onChanged, explainRefusal]);

  actions.current = {
    approve: () => void decide('APPROVE'),
    reject: () => void decide('REJECT'),
    toggleClaim: () => void toggleClaim(),
  };

  const marks = useMemo(() => {
    if (!loaded?.execution.processedOperation) return undefined;
    const proposed = comparable(loaded.execution.processedOperation.body, loaded.stored);
    return { proposed, stored: loaded.stored ? comparable(loaded.stored) : undefined, marks: diffRecords(loaded.stored ? comparable(loaded.stored) : undefined, proposed) };
  }, [loaded?.execution.processedOperation, loaded?.stored]);

  const step = loaded?.pipeline?.steps[item.stepIndex];
  const issues = (execution?.steps ?? []).flatMap((s, i) => (s.issues ?? []).map((issue) => ({ ...issue, step: `${i + 1}. ${s.type}` })));
  const temporalUrl = me.temporal.uiUrl
    ? `${me.temporal.uiUrl.replace(/\/$/, '')}/namespaces/${enc(me.temporal.namespace)}/workflows?query=${enc(`WorkflowId="execution:${item.id}"`)}`
    : undefined;

  return (
    <section class="item" aria-labelledby="item-title">
      <header class="item-head">
        <h2 id="item-title">
          {item.type} {item.recordId}
        </h2>
        <p class="meta">
          {item.action} in source <strong>{item.source}</strong> · pipeline {item.pipelineDefinitionId} · accepted {ago(item.createdAt, now)}
          {temporalUrl ? (
            <>
              {' · '}
              <a href={temporalUrl} target="_blank" rel="noreferrer noopener">
                Open execution in the Temporal UI
              </a>
            </>
          ) : null}
        </p>
      </header>

      {loadError ? <p role="alert" class="notice problem">Could not load this execution: {loadError}</p> : null}
      {ended ? (
        <p role="alert" class="notice ended">
          {ended}
        </p>
      ) : null}

      <div class="claim-bar">
        <p class="claim" aria-live="polite">
          {assignment ? `Claimed by ${who(assignment.by, me)} ${ago(assignment.at, now)}.` : 'Not claimed.'}
          {claimedByOther && !isAdmin && canReview ? ' Only they or an admin can decide it.' : ''}
        </p>
        {canReview ? (
          <div class="actions" role="group" aria-label="Decision">
            {assignment?.by.id === me.id ? (
              <button type="button" onClick={() => void toggleClaim()} disabled={!waiting || busy} aria-keyshortcuts="c">
                Release
              </button>
            ) : (
              <button type="button" onClick={() => void toggleClaim()} disabled={!waiting || busy || (claimedByOther && !isAdmin)} aria-keyshortcuts="c">
                Claim
              </button>
            )}
            {claimedByOther && isAdmin ? (
              <button type="button" onClick={() => void releaseOther()} disabled={!waiting || busy}>
                Release their claim
              </button>
            ) : null}
            <button type="button" class="approve" onClick={() => void decide('APPROVE')} disabled={blocked} aria-keyshortcuts="a">
              Approve
            </button>
            <button type="button" class="reject" onClick={() => void decide('REJECT')} disabled={blocked} aria-keyshortcuts="r">
              Reject
            </button>
          </div>
        ) : (
          <p class="readonly">This key can read the queue but not decide (it has no review role).</p>
        )}
      </div>
      {canReview ? (
        <div class="comment">
          <label for="comment">Comment (required to reject)</label>
          <textarea
            id="comment"
            ref={commentRef}
            rows={2}
            value={comment}
            maxLength={2000}
            disabled={!waiting}
            aria-invalid={commentError ? 'true' : 'false'}
            aria-describedby={commentError ? 'comment-error' : undefined}
            onInput={(e) => {
              setComment((e.target as HTMLTextAreaElement).value);
              setCommentError(undefined);
            }}
          />
          {commentError ? (
            <p id="comment-error" role="alert" class="notice problem">
              {commentError}
            </p>
          ) : null}
        </div>
      ) : null}
      {notice ? (
        <p role="status" class={`notice ${notice.kind}`}>
          {notice.text}
        </p>
      ) : null}

      <div class="facts">
        <section aria-labelledby="instructions-title">
          <h3 id="instructions-title">Instructions</h3>
          <p>{step?.humanReview?.instructions ?? (item.stepType === 'VALIDATOR' ? 'A data-quality rule sent this record to review: see the issues.' : 'No instructions.')}</p>
        </section>
        <section aria-labelledby="timeout-title">
          <h3 id="timeout-title">Time left</h3>
          <p>{timeLeft(item, now)}</p>
        </section>
        <section aria-labelledby="issues-title">
          <h3 id="issues-title">Validator issues</h3>
          {issues.length ? (
            <ul>
              {issues.map((i, n) => (
                <li key={n}>
                  <strong>{i.path ?? i.step}</strong>: {i.message} <span class="hint">({i.step})</span>
                </li>
              ))}
            </ul>
          ) : (
            <p>None.</p>
          )}
        </section>
      </div>

      <section aria-labelledby="diff-title">
        <h3 id="diff-title">
          Changes {marks ? <span class="hint">({loaded?.stored ? `${marks.marks.count} marked` : 'a new record: everything is new'})</span> : null}
        </h3>
        {!loaded ? (
          <p>Loading…</p>
        ) : (
          <div class="diff">
            <div class="side">
              <h4>Stored record {loaded.stored ? <span class="hint">version {loaded.stored.meta.versionId}</span> : null}</h4>
              {marks?.stored ? <RecordTree label="Stored record" value={marks.stored} marks={marks.marks.stored} ancestors={marks.marks.storedAncestors} /> : <p class="empty">Not stored yet.</p>}
            </div>
            <div class="side">
              <h4>Proposed record <span class="hint">after the steps that ran</span></h4>
              {marks ? <RecordTree label="Proposed record" value={marks.proposed} marks={marks.marks.proposed} ancestors={marks.marks.proposedAncestors} /> : null}
            </div>
          </div>
        )}
      </section>

      <section aria-labelledby="history-title">
        <h3 id="history-title">History of {item.recordId}</h3>
        {loaded && loaded.history.length === 0 ? <p>No version stored yet.</p> : null}
        {loaded && loaded.history.length ? (
          <ol class="history">
            {loaded.history.map((h) => (
              <li key={h.operationId}>
                <time dateTime={h.timestamp} title={local(h.timestamp)}>
                  {ago(h.timestamp, now)}
                </time>{' '}
                {h.action} by {h.userInfo.email ?? h.userInfo.id} <span class="hint">task {h.taskId}</span>
              </li>
            ))}
          </ol>
        ) : null}
      </section>
    </section>
  );
}
