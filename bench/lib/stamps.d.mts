// Types of bench/lib/stamps.mjs for the unit test that imports it.
export declare const STAMP_RE: RegExp;
export declare function stampScanner(options?: { bedrock?: boolean }): (chunk: Buffer) => bigint[];
