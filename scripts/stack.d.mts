// Types of scripts/stack.mjs (which re-exports scripts/stack/*.mjs), so TypeScript code (jest's global setup, tests, benches) can import it.
import type { ChildProcess } from 'node:child_process';

export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

export interface ChildHandle {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<ChildExit>;
}

export interface TemporalHandle extends ChildHandle {
  /** host:port of the frontend gRPC service. */
  address: string;
  uiUrl: string | undefined;
}

export interface FerretDBHandle extends ChildHandle {
  /** mongodb://127.0.0.1:PORT/ */
  uri: string;
}

export interface EphemeralStack {
  env: { TEMPORAL_ADDRESS: string; MONGODB_URI: string };
  handles: ChildHandle[];
  logDir: string;
  ferretDataDir: string;
}

export declare const ROOT: string;
export declare const SEARCH_ATTRIBUTES: Readonly<Record<string, 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList'>>;
export declare const logger: Logger;

export declare class PortInUseError extends Error {
  constructor(port: number, role: string);
  readonly port: number;
  readonly role: string;
}

export declare function ensureBinaries(options?: { log?: Logger }): Promise<{ temporal: string | undefined; ferretdb: string | undefined }>;
export declare function temporalBinary(): string;
export declare function startTemporal(options: {
  port: number;
  uiPort?: number;
  /** The Web UI decodes payloads through this codec server (`<endpoint>/decode`). */
  uiCodecEndpoint?: string;
  dbFile?: string;
  logFile: string;
  namespace?: string;
  bin?: string;
  detached?: boolean;
  timeoutMs?: number;
  log?: Logger;
}): Promise<TemporalHandle>;
export declare function startFerretDB(options: {
  port: number;
  dataDir: string;
  logFile: string;
  bin?: string;
  detached?: boolean;
  timeoutMs?: number;
  log?: Logger;
}): Promise<FerretDBHandle>;
export declare function spawnChild(options: {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  logFile: string;
  echo?: boolean;
  detached?: boolean;
  cwd?: string;
}): ChildHandle;
export declare function liveChildren(): ChildHandle[];
export declare function stopAll(children: ChildHandle[], options?: { timeoutMs?: number; log?: Logger }): Promise<void>;
export declare function waitForPort(options: { port: number; host?: string; handle: ChildHandle; timeoutMs?: number; what?: string }): Promise<void>;
export declare function freePort(): Promise<number>;
export declare function assertPortFree(port: number, role: string): Promise<void>;
export declare function startEphemeralStack(options?: { prefix?: string; detached?: boolean; log?: Logger }): Promise<EphemeralStack>;
export declare function stopEphemeralStack(stack: EphemeralStack, options?: { log?: Logger }): Promise<void>;

export interface CodecKey {
  id: string;
  /** 32 bytes in base64. */
  key: string;
}
export declare function newCodecKey(): CodecKey;
export declare function codecEnv(key: CodecKey): { SLUICE_CODEC_KEY_ID: string; SLUICE_CODEC_KEY: string };
export declare function ensureCodecKey(dir: string): CodecKey & { file: string; created: boolean };
export declare function ensureCodecUiToken(dir: string): { token: string; file: string };
export declare function newCodecUiToken(): string;
