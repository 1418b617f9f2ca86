// Types for sqlite-rnn's loader (index.js).

/** Any connection that can load an extension from a file, e.g. better-sqlite3's Database. */
export interface ExtensionLoader {
  loadExtension(path: string): unknown;
}

/** The absolute path of the rnn.so shipped in this package; throws if it is missing. */
export declare function getLoadablePath(): string;

/** Loads sqlite-rnn into db (db.loadExtension(getLoadablePath())). */
export declare function load(db: ExtensionLoader): void;
